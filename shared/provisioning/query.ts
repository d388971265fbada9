/**
 * A parsed SCIM filter -> a parameterised Cosmos DB SQL condition over the stored users or groups, so a
 * provider's `userName eq "..."` probe is one indexed query, never a read of every user.
 *
 * - Each filterable attribute names the document path that answers it (the table below; every path is
 *   indexed in infra/modules/cosmos.bicep, test/unit/infra.test.ts checks). Attributes SCIM compares
 *   case-insensitively (caseExact false: userName, displayName, emails) are matched on the lower-cased
 *   copies every write of a user keeps under `search`; externalId and id are compared as they are.
 * - Values never enter the SQL text: each becomes a parameter (`@s0`, `@s1`, ...).
 * - NOT is pushed down to the leaves, each negated leaf written as the condition that is true when SCIM's
 *   is (`ne` holds where the attribute is missing too): Cosmos DB's SQL is three-valued, and with no NOT
 *   above a leaf an undefined comparison acts as false (shared/odata/translate.ts has the argument).
 * - A group's `members[value eq "..."]` (how Entra ID asks whether a user is a member) is a set of group ids
 *   the caller binds from the user's memberships (`ARRAY_CONTAINS(@m0, c.id)`).
 * - An attribute that is not filterable, or an operator that does not fit it, is SCIM's invalidFilter
 *   naming what is.
 */
import type { SqlParameter } from '@azure/cosmos';
import { scimError, SCIM_SCHEMA } from './errors';
import { AttrPath, CompareOp, ScimFilter, ScimValue } from './filter';

type FieldType = 'string' | 'boolean' | 'dateTime' | 'epochSeconds';

interface Field {
  /** The document path (`search.userName` is `c.search.userName`). */
  path: string;
  type: FieldType;
  /** Stored lower-cased: a value is lower-cased before it is compared (SCIM caseExact false). */
  lower?: boolean;
}

/** A multi-valued attribute stored as (at most) one value: its sub-attributes are fields or constants of that value. */
interface MultiValued {
  /** The condition under which the one value exists. */
  exists: string;
  subs: Record<string, Field | { constant: string | boolean }>;
  /** The sub-attribute a bare `emails eq "x"` compares (`value`). */
  primary: string;
}

export interface ScimResourceTable {
  resource: 'User' | 'Group';
  docType: 'user' | 'group';
  /** Keys: `attr` or `attr.sub`, schema URN first for an extension (`urn:...:enterprise:2.0:user:department`). */
  fields: Record<string, Field>;
  multiValued: Record<string, MultiValued>;
  /** Multi-valued attributes answered by membership documents (`members`): the caller binds the group ids. */
  memberships: string[];
}

const ENTERPRISE = SCIM_SCHEMA.enterpriseUser.toLowerCase();
const LICENSING = SCIM_SCHEMA.licensingUser.toLowerCase();

export const scimUserTable: ScimResourceTable = {
  resource: 'User',
  docType: 'user',
  fields: {
    id: { path: 'id', type: 'string', lower: true },
    username: { path: 'search.userName', type: 'string', lower: true },
    externalid: { path: 'externalId', type: 'string' },
    displayname: { path: 'search.displayName', type: 'string', lower: true },
    active: { path: 'accountEnabled', type: 'boolean' },
    'meta.created': { path: 'createdDateTime', type: 'dateTime' },
    'meta.lastmodified': { path: '_ts', type: 'epochSeconds' },
    [`${ENTERPRISE}:employeenumber`]: { path: 'employeeId', type: 'string' },
    [`${ENTERPRISE}:department`]: { path: 'search.department', type: 'string', lower: true },
    [`${ENTERPRISE}:manager`]: { path: 'managerId', type: 'string', lower: true },
    [`${ENTERPRISE}:manager.value`]: { path: 'managerId', type: 'string', lower: true },
    [`${LICENSING}:usagelocation`]: { path: 'usageLocation', type: 'string' },
  },
  multiValued: {
    // a user keeps one email (Graph's mail), shown as the primary work email
    emails: {
      exists: 'IS_STRING(c.search.mail)',
      subs: { value: { path: 'search.mail', type: 'string', lower: true }, type: { constant: 'work' }, primary: { constant: true } },
      primary: 'value',
    },
  },
  memberships: [],
};

export const scimGroupTable: ScimResourceTable = {
  resource: 'Group',
  docType: 'group',
  fields: {
    id: { path: 'id', type: 'string', lower: true },
    displayname: { path: 'search.displayName', type: 'string', lower: true },
    externalid: { path: 'externalId', type: 'string' },
    'meta.created': { path: 'createdDateTime', type: 'dateTime' },
    'meta.lastmodified': { path: '_ts', type: 'epochSeconds' },
  },
  multiValued: {},
  memberships: ['members'],
};

/** Every document path a SCIM filter may query (for the index check in test/unit/infra.test.ts). */
export function scimQueriedPaths(): string[] {
  const paths = new Set<string>(['tenantId', 'type', 'id']);
  for (const t of [scimUserTable, scimGroupTable]) {
    for (const f of Object.values(t.fields)) paths.add(f.path);
    for (const m of Object.values(t.multiValued)) for (const s of Object.values(m.subs)) if ('path' in s) paths.add(s.path);
  }
  return [...paths];
}

export interface TranslatedScimFilter {
  sql: string;
  parameters: SqlParameter[];
  /** Membership sets to bind: the parameter, and the user whose groups it holds. */
  members: { param: string; userId: string }[];
}

/** A condition being built: a leaf, or an AND / OR of parts (printed with as few parentheses as the precedence needs). */
type Node = { leaf: string; hasOr?: boolean } | { and: Node[] } | { or: Node[] };

function print(n: Node, inAnd: boolean): string {
  if ('leaf' in n) return n.hasOr && inAnd ? `(${n.leaf})` : n.leaf;
  if ('and' in n) return n.and.map((c) => print(c, true)).join(' AND ');
  const text = n.or.map((c) => print(c, false)).join(' OR ');
  return inAnd ? `(${text})` : text;
}
const leaf = (sql: string): Node => ({ leaf: sql });
const anyOf = (...sql: string[]): Node => (sql.length === 1 ? leaf(sql[0]) : { leaf: sql.join(' OR '), hasOr: true });
const TRUE = leaf('true');
const FALSE = leaf('false');

/** A table's entry by a name from the request: its own keys only (`__proto__`, `constructor` are no attributes). */
export const own = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

const keyOf = (p: AttrPath) =>
  `${p.uri && p.uri !== SCIM_SCHEMA.user.toLowerCase() && p.uri !== SCIM_SCHEMA.group.toLowerCase() ? `${p.uri}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`;

export function translateScimFilter(filter: ScimFilter, table: ScimResourceTable, prefix = 's'): TranslatedScimFilter {
  const parameters: SqlParameter[] = [];
  const members: TranslatedScimFilter['members'] = [];
  const param = (value: SqlParameter['value']) => {
    const name = `@${prefix}${parameters.length}`;
    parameters.push({ name, value });
    return name;
  };
  const filterable = () =>
    [...Object.keys(table.fields), ...Object.keys(table.multiValued).map((m) => `${m}[...]`), ...table.memberships.map((m) => `${m}[value eq ...]`)]
      .map((k) => k.replace(/^urn:.*:(\w+)$/, (_, a) => `urn:...:${a}`))
      .join(', ');
  const unsupported = (what: string) =>
    scimError('invalidFilter', `Filtering ${table.resource}s on '${what}' is not supported. Filterable: ${filterable()}.`, 'filter');

  const valueFor = (f: Field, v: ScimValue, text: string): SqlParameter['value'] => {
    if (f.type === 'boolean') {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
      throw scimError('invalidFilter', `'${text}' is a Boolean: compare it with true or false.`, 'filter');
    }
    if (f.type === 'dateTime' || f.type === 'epochSeconds') {
      const ms = typeof v === 'string' ? Date.parse(v) : NaN;
      if (Number.isNaN(ms)) throw scimError('invalidFilter', `'${text}' is a date and time: compare it with one like "2026-01-31T00:00:00Z".`, 'filter');
      return f.type === 'dateTime' ? new Date(ms).toISOString() : ms;
    }
    if (typeof v === 'boolean' || v === null) throw scimError('invalidFilter', `'${text}' is a string: compare it with a quoted value.`, 'filter');
    const s = String(v);
    return f.lower ? s.toLowerCase() : s;
  };

  /** `f op v`, or its negation. */
  const compare = (f: Field, op: CompareOp, v: ScimValue, text: string, negated: boolean): Node => {
    const p = `c.${f.path}`;
    const absent = [`NOT IS_DEFINED(${p})`, `IS_NULL(${p})`];
    if (v === null) {
      // eq null: not there; ne null: there
      if (op !== 'eq' && op !== 'ne') throw scimError('invalidFilter', `'${text}' can be compared with null only by eq or ne.`, 'filter');
      const isNull = (op === 'eq') !== negated;
      return isNull ? anyOf(...absent) : leaf(`IS_DEFINED(${p}) AND NOT IS_NULL(${p})`);
    }
    const raw = valueFor(f, v, text);
    if (f.type === 'boolean' && op !== 'eq' && op !== 'ne') throw scimError('invalidFilter', `'${text}' is a Boolean: only eq and ne apply.`, 'filter');
    if ((f.type === 'dateTime' || f.type === 'epochSeconds') && (op === 'co' || op === 'sw' || op === 'ew'))
      throw scimError('invalidFilter', `'${text}' is a date and time: use eq, ne, gt, ge, lt or le.`, 'filter');
    if (f.type === 'epochSeconds') {
      // _ts is whole seconds, shown as that second: compare so that the shown time meets the condition
      const ms = raw as number;
      const bound = { eq: ms / 1000, ne: ms / 1000, gt: Math.floor(ms / 1000), ge: Math.ceil(ms / 1000), lt: Math.ceil(ms / 1000), le: Math.floor(ms / 1000) }[
        op as 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'
      ];
      if ((op === 'eq' || op === 'ne') && !Number.isInteger(bound)) return (op === 'eq') !== negated ? FALSE : TRUE;
      return compareSql(p, op, param(bound), absent, negated);
    }
    return compareSql(p, op, param(raw), absent, negated);
  };

  const compareSql = (p: string, op: CompareOp, v: string, absent: string[], negated: boolean): Node => {
    const fn = { co: 'CONTAINS', sw: 'STARTSWITH', ew: 'ENDSWITH' } as const;
    if (op === 'co' || op === 'sw' || op === 'ew') return negated ? anyOf(`NOT IS_STRING(${p})`, `NOT ${fn[op]}(${p}, ${v})`) : leaf(`${fn[op]}(${p}, ${v})`);
    const sql = { eq: '=', ne: '!=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;
    const flip = { eq: 'ne', ne: 'eq', gt: 'le', le: 'gt', ge: 'lt', lt: 'ge' } as const;
    const effective = negated ? flip[op] : op;
    // ne holds where the attribute is missing, the other comparisons do not; a negation flips that
    const holdsWhereMissing = (op === 'ne') !== negated;
    return holdsWhereMissing ? anyOf(...absent, `${p} ${sql[effective]} ${v}`) : leaf(`${p} ${sql[effective]} ${v}`);
  };

  const present = (f: Field, negated: boolean): Node => {
    const p = `c.${f.path}`;
    const there = f.type === 'string' ? `IS_STRING(${p}) AND ${p} != ""` : `IS_DEFINED(${p}) AND NOT IS_NULL(${p})`;
    if (!negated) return leaf(there);
    return f.type === 'string' ? anyOf(`NOT IS_STRING(${p})`, `${p} = ""`) : anyOf(`NOT IS_DEFINED(${p})`, `IS_NULL(${p})`);
  };

  /** A membership condition: `members[value eq "u"]`, `members.value eq "u"`, `members eq "u"`. */
  const membership = (attr: string, op: CompareOp, v: ScimValue, negated: boolean): Node => {
    if (op !== 'eq' || typeof v !== 'string')
      throw scimError('invalidFilter', `'${attr}' is answered for one member at a time: use ${attr}[value eq "{user id}"].`, 'filter');
    const name = `@m${members.length}`;
    members.push({ param: name, userId: v.toLowerCase() });
    return leaf(negated ? `NOT ARRAY_CONTAINS(${name}, c.id)` : `ARRAY_CONTAINS(${name}, c.id)`);
  };

  /** The leaf of one attribute path (top level or, with `within`, a sub-attribute of a multi-valued one). */
  const attribute = (path: AttrPath, op: CompareOp | 'pr', v: ScimValue, negated: boolean, within?: { name: string; mv: MultiValued }): Node => {
    if (within) {
      const sub = own(within.mv.subs, path.attr);
      if (!sub || path.sub) throw unsupported(`${within.name}.${path.text}`);
      if ('constant' in sub) {
        // the one value's fixed sub-attribute: decided here
        const holds =
          op === 'pr'
            ? true
            : op === 'eq'
              ? String(sub.constant).toLowerCase() === String(v).toLowerCase()
              : op === 'ne'
                ? String(sub.constant).toLowerCase() !== String(v).toLowerCase()
                : null;
        if (holds === null) throw scimError('invalidFilter', `'${within.name}.${path.text}' takes eq, ne or pr.`, 'filter');
        return holds !== negated ? TRUE : FALSE;
      }
      return op === 'pr' ? present(sub, negated) : compare(sub, op, v, `${within.name}.${path.text}`, negated);
    }
    const key = keyOf(path);
    if (table.memberships.includes(path.attr) && !path.uri && (!path.sub || path.sub === 'value')) {
      if (op === 'pr') throw unsupported(path.text);
      return membership(path.attr, op, v, negated);
    }
    const mv = !path.uri ? own(table.multiValued, path.attr) : undefined;
    if (mv) {
      // emails.value eq "x" / emails eq "x": some value (the one) matches
      const sub = path.sub ?? mv.primary;
      const inner = attribute({ attr: sub, text: sub }, op, v, false, { name: path.attr, mv });
      const node: Node = { and: [leaf(mv.exists), inner] };
      return negated ? anyOf(`NOT (${print(node, false)})`) : node;
    }
    const f = own(table.fields, key);
    if (!f) throw unsupported(path.text);
    return op === 'pr' ? present(f, negated) : compare(f, op, v, path.text, negated);
  };

  const walk = (e: ScimFilter, negated: boolean, within?: { name: string; mv: MultiValued }): Node => {
    switch (e.kind) {
      case 'and':
      case 'or': {
        const kind = (e.kind === 'and') !== negated ? 'and' : 'or';
        const parts = [walk(e.left, negated, within), walk(e.right, negated, within)].flatMap((n) =>
          kind === 'and' && 'and' in n ? n.and : kind === 'or' && 'or' in n ? n.or : [n],
        );
        return kind === 'and' ? { and: parts } : { or: parts };
      }
      case 'not':
        return walk(e.expr, !negated, within);
      case 'present':
        return attribute(e.path, 'pr', null, negated, within);
      case 'compare':
        return attribute(e.path, e.op, e.value, negated, within);
      case 'valuePath': {
        if (table.memberships.includes(e.path.attr) && !e.path.uri) {
          // members[value eq "u"]
          const f = e.filter;
          if (f.kind !== 'compare' || f.path.attr !== 'value' || f.path.sub) throw unsupported(`${e.path.text}[...]`);
          return membership(e.path.attr, f.op, f.value, negated);
        }
        const mv = !e.path.uri ? own(table.multiValued, e.path.attr) : undefined;
        if (!mv) throw unsupported(`${e.path.text}[...]`);
        const node: Node = { and: [leaf(mv.exists), walk(e.filter, false, { name: e.path.attr, mv })] };
        return negated ? anyOf(`NOT (${print(node, false)})`) : node;
      }
    }
  };

  return { sql: print(walk(filter, false), true), parameters, members };
}
