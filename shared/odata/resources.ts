/**
 * Which Graph property a query may name, and which stored path answers it. Every path here is a field of
 * the stored documents (shared/storage/users.ts keeps the derived ones right on every write of a
 * user) and is indexed in infra/modules/cosmos.bicep; test/unit/infra.test.ts reads these tables to check.
 *
 * Case: Microsoft Graph compares directory strings case-insensitively, so names, UPNs and departments are
 * compared on their lower-cased copies under `search`; usageLocation is stored upper case and userType in
 * its canonical spelling, so a literal is normalised to the same form instead.
 */
import type { Literal } from './filter';

export type ScalarOp = 'eq' | 'ne' | 'in' | 'startswith' | 'ge' | 'le';

export interface ScalarProperty {
  name: string;
  /** The document path (`search.department` is `c.search.department`). */
  path: string;
  type: 'boolean' | 'string' | 'dateTime';
  ops: ScalarOp[];
  /** The stored form of a string literal. */
  normalise?: (value: string) => string;
  /** `eq null` / `ne null` allowed (an advanced query in Graph). */
  nullable?: boolean;
  /** Literals that may be given as an unquoted GUID too (ids). */
  guid?: boolean;
}

/**
 * `collection/any(x:x/property eq value)`: the SQL for one value, or for its negation (`not(...any(...))`:
 * true where OData's is, missing fields included; see translate.ts).
 */
export interface LambdaProperty {
  name: string;
  type: 'guid' | 'string';
  /** Document paths the SQL reads (for the index check). */
  paths: { path: string; array?: boolean }[];
  sql: (param: string, value: string, negated: boolean) => string;
  /** The parameter's value for a literal (normalised). */
  value: (literal: string) => string | boolean;
}

export interface CollectionProperty {
  name: string;
  /** `collection/$count`: the stored count. */
  countPath?: string;
  any?: PropertyTable<LambdaProperty>;
}

/** A property answered by a parameter the caller supplies (a set of ids computed from other documents). */
export interface MembershipProperty {
  name: string;
  /** The parameter (an array of ids) the storage binds: `ARRAY_CONTAINS(@param, c.id)`. */
  param: string;
}

/**
 * A table of properties by lower-cased name. A Map, not an object literal: the caller's text selects the
 * entry, and an object would answer `constructor`, `__proto__` or `toString` with what every object inherits
 * (a TypeError deep in the translation, a query on `c.undefined`). A Map knows only what was put in it.
 */
export type PropertyTable<T> = ReadonlyMap<string, T>;

export interface ResourceSchema {
  /** For messages: `User`, `Group`. */
  entity: string;
  /** For messages: `microsoft.graph.user`. */
  odataType: string;
  /** The document type every query of this resource keeps (`c.type = '...'`). */
  docType: string;
  scalars: PropertyTable<ScalarProperty>;
  collections: PropertyTable<CollectionProperty>;
  memberships: PropertyTable<MembershipProperty>;
  /** `$orderby` properties and their paths. */
  orderBy: PropertyTable<{ name: string; path: string }>;
  /**
   * `$search` properties: the lower-cased path matched by prefix, and for a name the path of its words
   * (domain/searchWords.ts), any of which may start with the text, as Graph tokenises displayName. A clause
   * without a property searches all.
   */
  search: PropertyTable<{ name: string; path: string; words?: string }>;
}

const lower = (s: string) => s.toLowerCase();
const byName = <T extends { name: string }>(items: T[]): PropertyTable<T> => new Map(items.map((i) => [i.name.toLowerCase(), i]));
const none = new Map<string, never>();

export const userSchema: ResourceSchema = {
  entity: 'User',
  odataType: 'microsoft.graph.user',
  docType: 'user',
  scalars: byName<ScalarProperty>([
    { name: 'id', path: 'id', type: 'string', ops: ['eq', 'ne', 'in'], normalise: lower, guid: true },
    { name: 'accountEnabled', path: 'accountEnabled', type: 'boolean', ops: ['eq', 'ne', 'in'] },
    {
      name: 'userType',
      path: 'userType',
      type: 'string',
      ops: ['eq', 'ne', 'in'],
      normalise: (s) => (s.toLowerCase() === 'member' ? 'Member' : s.toLowerCase() === 'guest' ? 'Guest' : s),
      nullable: true,
    },
    { name: 'usageLocation', path: 'usageLocation', type: 'string', ops: ['eq', 'ne', 'in', 'startswith'], normalise: (s) => s.toUpperCase() },
    { name: 'department', path: 'search.department', type: 'string', ops: ['eq', 'ne', 'in', 'startswith'], normalise: lower, nullable: true },
    { name: 'displayName', path: 'search.displayName', type: 'string', ops: ['eq', 'ne', 'in', 'startswith'], normalise: lower },
    { name: 'userPrincipalName', path: 'search.userPrincipalName', type: 'string', ops: ['eq', 'ne', 'in', 'startswith'], normalise: lower },
    // Graph's operators on it: eq, ne, not, ge, le, and eq null (never signed in). Stored as toISOString(),
    // so the strings compare as the dates do.
    {
      name: 'signInActivity/lastSignInDateTime',
      path: 'signInActivity.lastSignInDateTime',
      type: 'dateTime',
      ops: ['eq', 'ne', 'ge', 'le'],
      nullable: true,
    },
  ]),
  collections: byName<CollectionProperty>([
    {
      name: 'assignedLicenses',
      countPath: 'assignedLicenseCount',
      any: byName<LambdaProperty>([
        {
          name: 'skuId',
          type: 'guid',
          paths: [{ path: 'assignedSkuIds', array: true }],
          sql: (p, _v, negated) =>
            negated ? `NOT IS_ARRAY(c.assignedSkuIds) OR NOT ARRAY_CONTAINS(c.assignedSkuIds, ${p})` : `ARRAY_CONTAINS(c.assignedSkuIds, ${p})`,
          value: lower,
        },
      ]),
    },
    {
      name: 'licenseAssignmentStates',
      any: byName<LambdaProperty>([
        {
          // our states are Active and Error: Error is the stored flag; Active is "holds a license" (an
          // active path is exactly what makes a product appear in assignedLicenses); no other state occurs
          name: 'state',
          type: 'string',
          paths: [{ path: 'hasLicenseErrors' }, { path: 'assignedLicenseCount' }],
          sql: (p, value, negated) => {
            const state = value.toLowerCase();
            if (state === 'error') return negated ? `NOT IS_BOOL(c.hasLicenseErrors) OR c.hasLicenseErrors != ${p}` : `c.hasLicenseErrors = ${p}`;
            if (state === 'active') return negated ? `NOT IS_NUMBER(c.assignedLicenseCount) OR c.assignedLicenseCount <= 0` : `c.assignedLicenseCount > 0`;
            return negated ? 'true' : 'false';
          },
          value: () => true,
        },
      ]),
    },
  ]),
  memberships: none,
  orderBy: byName([
    { name: 'displayName', path: 'search.displayName' },
    { name: 'userPrincipalName', path: 'search.userPrincipalName' },
  ]),
  search: byName([
    { name: 'displayName', path: 'search.displayName', words: 'displayNameWords' },
    { name: 'userPrincipalName', path: 'search.userPrincipalName' },
  ]),
};

export const groupSchema: ResourceSchema = {
  entity: 'Group',
  odataType: 'microsoft.graph.group',
  docType: 'group',
  scalars: byName<ScalarProperty>([
    { name: 'id', path: 'id', type: 'string', ops: ['eq', 'ne', 'in'], normalise: lower, guid: true },
    { name: 'displayName', path: 'search.displayName', type: 'string', ops: ['eq', 'ne', 'in', 'startswith'], normalise: lower },
  ]),
  collections: none,
  // the groups some member is in error for: the storage computes the set from the users (groupsInError)
  memberships: byName([{ name: 'hasMembersWithLicenseErrors', param: '@groupsWithLicenseErrors' }]),
  orderBy: byName([{ name: 'displayName', path: 'search.displayName' }]),
  search: byName([{ name: 'displayName', path: 'search.displayName', words: 'displayNameWords' }]),
};

/** Products take $select only (the list is small and held whole): no filterable property. */
export const subscribedSkuSchema: ResourceSchema = {
  entity: 'SubscribedSku',
  odataType: 'microsoft.graph.subscribedSku',
  docType: 'subscription',
  scalars: none,
  collections: none,
  memberships: none,
  orderBy: none,
  search: none,
};

/** Every document path a translated query of this resource may filter or sort on (for the index check). */
export function queriedPaths(schema: ResourceSchema): { path: string; array: boolean }[] {
  return [
    { path: 'tenantId', array: false },
    { path: 'type', array: false },
    ...[...schema.scalars.values()].map((p) => ({ path: p.path, array: false })),
    ...[...schema.collections.values()].flatMap((c) => [
      ...(c.countPath ? [{ path: c.countPath, array: false }] : []),
      ...[...(c.any?.values() ?? [])].flatMap((l) => l.paths.map((p) => ({ path: p.path, array: !!p.array }))),
    ]),
    ...[...schema.orderBy.values()].map((o) => ({ path: o.path, array: false })),
    ...[...schema.search.values()].flatMap((s) => [{ path: s.path, array: false }, ...(s.words ? [{ path: s.words, array: true }] : [])]),
  ];
}

export type { Literal };
