/**
 * Users, groups and the organization, in Graph's own query syntax: `$search="displayName:..."`,
 * `$filter` with lambda operators on assignedLicenses / licenseAssignmentStates, `$count=true`, and the
 * `ConsistencyLevel: eventual` header Graph asks for with these advanced queries.
 */
import type { Client, GraphRequest } from '@microsoft/microsoft-graph-client';
import type { Collection, Group, Organization, User } from './types';

export const getOrganization = async (client: Client): Promise<Organization> => {
  const r = (await client.api('/organization').get()) as Organization | Collection<Organization>;
  return 'value' in r ? r.value[0] : r;
};

/** Which users a list shows: a name search, and the Active users filters. */
export interface UserQuery {
  search?: string;
  /** Users holding this product. */
  skuId?: string;
  /** Users without any license, or with a license in error (a group license that failed for them). */
  state?: 'unlicensed' | 'errors';
  top?: number;
}

/** A type-ahead term as Graph's $search clause (quotes and backslashes would end the clause early). */
export const searchClause = (term: string) => `"displayName:${term.replace(/["\\]/g, '').trim()}"`;

export function usersRequest(client: Client, q: UserQuery): GraphRequest {
  let r = client.api('/users').top(q.top ?? 100);
  const filters: string[] = [];
  if (q.skuId) filters.push(`assignedLicenses/any(x:x/skuId eq ${q.skuId})`);
  if (q.state === 'unlicensed') filters.push('assignedLicenses/$count eq 0');
  if (q.state === 'errors') filters.push("licenseAssignmentStates/any(x:x/state eq 'Error')");
  const term = q.search?.trim();
  if (term) r = r.search(searchClause(term));
  if (filters.length) r = r.filter(filters.join(' and ')).count(true);
  // Graph answers $search, lambda filters and $count only as "advanced queries"
  if (term || filters.length) r = r.header('ConsistencyLevel', 'eventual');
  return r;
}

/** The next page of any list, from its @odata.nextLink (an absolute https URL of the same API). */
export const nextPage = <T>(client: Client, nextLink: string) => client.api(nextLink).get() as Promise<Collection<T>>;

export const getUser = (client: Client, id: string) => client.api(`/users/${encodeURIComponent(id)}`).get() as Promise<User>;

export const setUsageLocation = (client: Client, user: Pick<User, 'id' | '@odata.etag'>, usageLocation: string) =>
  client.api(`/users/${user.id}`).header('If-Match', user['@odata.etag']).header('Prefer', 'return=representation').patch({ usageLocation }) as Promise<User>;

/** Groups, by name, or only those where some member's group license failed (Graph's advanced query). */
export function groupsRequest(client: Client, q: { search?: string; withErrors?: boolean }): GraphRequest {
  let r = client.api('/groups').top(100);
  const term = q.search?.trim();
  if (term) r = r.search(searchClause(term));
  if (q.withErrors) r = r.filter('hasMembersWithLicenseErrors eq true');
  return term || q.withErrors ? r.header('ConsistencyLevel', 'eventual') : r;
}

export const getGroup = (client: Client, id: string) => client.api(`/groups/${id}`).get() as Promise<Group>;

/** A group's members, or only those whose license from it is in error. */
export const groupMembersRequest = (client: Client, id: string, withErrors: boolean) =>
  client.api(`/groups/${id}/${withErrors ? 'membersWithLicenseErrors' : 'members'}`).top(100);
