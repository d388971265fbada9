/**
 * Server state shared by several pages, under one set of query keys, so that a change made on one page
 * (an assignment) refreshes the figures on every other (available seats, a user's licenses).
 */
import { QueryClient, useQuery } from '@tanstack/react-query';
import { useGraph } from './client';
import { getJob, isFinal } from './jobs';
import { listSubscribedSkus } from './licensing';
import type { SubscribedSku } from './types';

export const keys = {
  skus: ['subscribedSkus'] as const,
  sku: (skuId: string) => ['subscribedSkus', skuId] as const,
  users: ['users'] as const,
  user: (id: string) => ['users', 'one', id] as const,
  licenseDetails: (id: string) => ['users', 'licenseDetails', id] as const,
  groups: ['groups'] as const,
  group: (id: string) => ['groups', id] as const,
  jobs: ['licenseJobs'] as const,
  job: (id: string) => ['licenseJobs', id] as const,
  reports: ['reports'] as const,
};

export function useSkus() {
  const client = useGraph();
  return useQuery({ queryKey: keys.skus, queryFn: () => listSubscribedSkus(client) });
}

/** A bulk job, followed every second until it is final (one query however many parts of a page show it). */
export function useJob(jobId: string) {
  const client = useGraph();
  return useQuery({
    queryKey: keys.job(jobId),
    queryFn: () => getJob(client, jobId),
    refetchInterval: (q) => (q.state.data && isFinal(q.state.data) ? false : 1000),
  });
}

/** Product names by skuId (the admin's words, not part numbers), for lists that hold only skuIds. */
export function useSkuNames(): (skuId: string) => string {
  const skus = useSkus().data ?? [];
  const byId = new Map(skus.map((s) => [s.skuId, s.displayName]));
  return (skuId) => byId.get(skuId) ?? skuId;
}

export const planNameIn = (skus: SubscribedSku[] | undefined) => {
  const byId = new Map((skus ?? []).flatMap((s) => s.servicePlans.map((p) => [p.servicePlanId, p.displayName] as const)));
  return (planId: string) => byId.get(planId) ?? planId;
};

/** After any license change: seats, users and their license details are all stale. */
export function licensesChanged(queryClient: QueryClient) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: keys.skus }),
    queryClient.invalidateQueries({ queryKey: keys.users }),
    queryClient.invalidateQueries({ queryKey: keys.groups }),
  ]);
}
