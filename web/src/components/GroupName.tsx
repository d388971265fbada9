import { useQuery } from '@tanstack/react-query';
import { useGraph } from '../graph/client';
import { getGroup } from '../graph/directory';
import { keys } from '../graph/queries';

/** A group's name, for "inherited from <group>" (assignments carry only the group's id). */
export function GroupName({ id }: { id: string }) {
  const client = useGraph();
  const group = useQuery({ queryKey: keys.group(id), queryFn: () => getGroup(client, id), staleTime: 60_000 });
  return <>{group.data?.displayName ?? id}</>;
}
