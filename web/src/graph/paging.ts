/**
 * Lists that page with @odata.nextLink, as TanStack infinite queries: the first request, then each
 * next link as it is (the API signs its continuation into it).
 */
import type { Client, GraphRequest } from '@microsoft/microsoft-graph-client';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useGraph } from './client';
import { nextPage } from './directory';
import type { Collection } from './types';

export function usePagedList<T>(queryKey: readonly unknown[], first: (client: Client) => GraphRequest, enabled = true) {
  const client = useGraph();
  const query = useInfiniteQuery({
    queryKey,
    enabled,
    initialPageParam: '',
    queryFn: ({ pageParam }) => (pageParam ? nextPage<T>(client, pageParam) : (first(client).get() as Promise<Collection<T>>)),
    getNextPageParam: (last) => last['@odata.nextLink'] || undefined,
    placeholderData: keepPreviousData,
  });
  const items = query.data?.pages.flatMap((p) => p.value) ?? [];
  const count = query.data?.pages[0]?.['@odata.count'];
  return { ...query, items, count };
}
