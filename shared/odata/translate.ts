/**
 * A parsed `$filter` -> a parameterised Cosmos DB SQL condition over the resource's stored documents.
 *
 * - Values never enter the SQL text: every literal becomes a parameter (`@f0`, `@f1`, ...); the text is
 *   made only of the paths of the resource's table (resources.ts), operators and parameter names.
 * - NOT is pushed down to the leaves (negation normal form) and each negated leaf is written as the
 *   condition that is true when OData's is (`department ne 'x'`: missing, null, or another value). Cosmos
 *   DB's SQL is 3-valued (a comparison with a missing or null field is undefined, and NOT undefined is
 *   undefined, so a plain `NOT (c.department = @f0)` would drop users without a department); with no NOT
 *   above a leaf, an undefined leaf acts exactly as false (AND and OR are monotone), so the result is what
 *   the filter gives evaluated on the Graph view.
 * - As few parentheses as the precedence needs (NOT > AND > OR): the local emulator's SQL parser takes
 *   time exponential in the nesting of parentheses, and real Cosmos DB does not mind.
 * - The condition is safe to AND into a query as it is (an OR at its top comes parenthesised).
 * - What needs Graph's advanced query parameters (ConsistencyLevel: eventual and $count=true) is
 *   collected, for the caller to check: `ne`, `not`, `eq null`, `collection/$count`.
 */
import type { SqlParameter } from '@azure/cosmos';
import { ApiError } from '../errors';
import { FilterExpr, invalidFilter, Literal } from './filter';
import { ResourceSchema, ScalarProperty } from './resources';

export interface SqlCondition {
  sql: string;
  parameters: SqlParameter[];
}

export interface TranslatedFilter extends SqlCondition {
  /** Why this filter is an advanced query (empty when it is not): "Operator 'ne'", ... */
  advanced: string[];
  /** Parameters the storage must bind (membership sets, e.g. @groupsWithLicenseErrors). */
  needs: string[];
}

const unsupported = (schema: ResourceSchema, property: string) =>
  new ApiError(
    400,
    'Request_UnsupportedQuery',
    `Unsupported or invalid query filter clause specified for property '${property}' of resource '${schema.entity}'.`,
    '$filter',
  );

const describe = (l: Literal) => (l.kind === 'null' ? 'null' : l.kind === 'string' ? `'${l.value}'` : String(l.value));

/** A condition being built: a leaf (its SQL binds at least as tight as AND) or an AND / OR of parts. */
type Node = { leaf: string; hasOr?: boolean } | { and: Node[] } | { or: Node[] };

/** SQL of a node for a place inside an AND (an OR gets parentheses) or inside an OR (nothing does). */
function print(n: Node, inAnd: boolean): string {
  if ('leaf' in n) return n.hasOr && inAnd ? `(${n.leaf})` : n.leaf;
  if ('and' in n) return n.and.map((c) => print(c, true)).join(' AND ');
  const text = n.or.map((c) => print(c, false)).join(' OR ');
  return inAnd ? `(${text})` : text;
}

const leaf = (sql: string): Node => ({ leaf: sql });
const anyOf = (...sql: string[]): Node => (sql.length === 1 ? leaf(sql[0]) : { leaf: sql.join(' OR '), hasOr: true });
/** True when the field is missing or null (the negated comparisons hold there). */
const absent = (path: string) => [`NOT IS_DEFINED(c.${path})`, `IS_NULL(c.${path})`];

export function translateFilter(expr: FilterExpr, schema: ResourceSchema, prefix = 'f'): TranslatedFilter {
  const parameters: SqlParameter[] = [];
  const advanced = new Set<string>();
  const needs = new Set<string>();
  const param = (value: SqlParameter['value']) => {
    const name = `@${prefix}${parameters.length}`;
    parameters.push({ name, value });
    return name;
  };

  const scalarValue = (p: ScalarProperty, l: Literal): string | boolean => {
    if (p.type === 'boolean') {
      if (l.kind !== 'boolean') throw invalidFilter(`${p.name} is a Boolean: compare it with true or false (without quotes), not ${describe(l)}.`);
      return l.value;
    }
    if (p.type === 'dateTime') {
      if (l.kind !== 'dateTime')
        throw invalidFilter(`${p.name} is a DateTimeOffset: compare it with a date and time without quotes, like 2026-11-30T00:00:00Z, not ${describe(l)}.`);
      return l.value;
    }
    if (l.kind === 'string' || (l.kind === 'guid' && p.guid)) return p.normalise ? p.normalise(l.value) : l.value;
    throw invalidFilter(`${p.name} is a String: compare it with a quoted value like '${p.name === 'usageLocation' ? 'NL' : 'text'}', not ${describe(l)}.`);
  };

  const scalar = (name: string, op: string): ScalarProperty => {
    const p = schema.scalars.get(name.toLowerCase());
    if (!p || !p.ops.includes(op as ScalarProperty['ops'][number])) throw unsupported(schema, p?.name ?? name);
    return p;
  };

  /** `p eq value` (negated: `p ne value`, true where the field is missing or null too). */
  const equals = (p: ScalarProperty, l: Literal, negated: boolean): Node => {
    if (l.kind === 'null') {
      if (!p.nullable) throw unsupported(schema, p.name);
      advanced.add('null values');
      return negated ? leaf(`IS_DEFINED(c.${p.path}) AND NOT IS_NULL(c.${p.path})`) : anyOf(...absent(p.path));
    }
    const v = param(scalarValue(p, l));
    return negated ? anyOf(...absent(p.path), `c.${p.path} != ${v}`) : leaf(`c.${p.path} = ${v}`);
  };

  const flip = { eq: 'ne', ne: 'eq', gt: 'le', le: 'gt', ge: 'lt', lt: 'ge' } as const;
  const sqlOp = { eq: '=', ne: '!=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

  /** The node of `e`, or of `not e` when negated. */
  const walk = (e: FilterExpr, negated: boolean): Node => {
    switch (e.kind) {
      case 'and':
      case 'or': {
        // De Morgan: not (a and b) = not a or not b
        const kind = (e.kind === 'and') !== negated ? 'and' : 'or';
        const parts = [walk(e.left, negated), walk(e.right, negated)].flatMap((n) =>
          kind === 'and' && 'and' in n ? n.and : kind === 'or' && 'or' in n ? n.or : [n],
        );
        return kind === 'and' ? { and: parts } : { or: parts };
      }
      case 'not':
        advanced.add("Operator 'not'");
        return walk(e.expr, !negated);
      case 'compare': {
        const membership = schema.memberships.get(e.property.toLowerCase());
        if (membership) {
          if ((e.op !== 'eq' && e.op !== 'ne') || e.value.kind !== 'boolean') throw unsupported(schema, membership.name);
          if (e.op === 'ne') advanced.add("Operator 'ne'");
          needs.add(membership.param);
          const positive = (e.value.value === (e.op === 'eq')) !== negated;
          return leaf(positive ? `ARRAY_CONTAINS(${membership.param}, c.id)` : `NOT ARRAY_CONTAINS(${membership.param}, c.id)`);
        }
        if (e.op === 'ge' || e.op === 'le' || e.op === 'gt' || e.op === 'lt') {
          // a range on a date (never signed in: no date, so never in range; negated, always out of it)
          const p = scalar(e.property, e.op);
          const v = param(scalarValue(p, e.value));
          return negated ? anyOf(...absent(p.path), `c.${p.path} ${sqlOp[flip[e.op]]} ${v}`) : leaf(`c.${p.path} ${sqlOp[e.op]} ${v}`);
        }
        const p = scalar(e.property, e.op);
        if (e.op === 'ne') advanced.add("Operator 'ne'");
        return equals(p, e.value, (e.op === 'ne') !== negated);
      }
      case 'in': {
        const p = scalar(e.property, 'in');
        const withNull = e.values.some((v) => v.kind === 'null');
        if (withNull) equals(p, { kind: 'null' }, false); // the same checks (nullable, advanced) as eq null
        const values = e.values.filter((v) => v.kind !== 'null').map((v) => param(scalarValue(p, v)));
        if (!negated) return anyOf(...(values.length ? [`c.${p.path} IN (${values.join(', ')})`] : []), ...(withNull ? absent(p.path) : []));
        const notIn = values.length ? `NOT ARRAY_CONTAINS([${values.join(', ')}], c.${p.path})` : undefined;
        return withNull
          ? leaf(`IS_DEFINED(c.${p.path}) AND NOT IS_NULL(c.${p.path})${notIn ? ` AND ${notIn}` : ''}`)
          : anyOf(`NOT IS_DEFINED(c.${p.path})`, notIn!);
      }
      case 'startswith': {
        const p = scalar(e.property, 'startswith');
        const v = param(p.normalise ? p.normalise(e.value) : e.value);
        return negated ? anyOf(`NOT IS_STRING(c.${p.path})`, `NOT STARTSWITH(c.${p.path}, ${v})`) : leaf(`STARTSWITH(c.${p.path}, ${v})`);
      }
      case 'any': {
        const collection = schema.collections.get(e.collection.toLowerCase());
        const lambda = collection?.any?.get(e.property.toLowerCase());
        if (!collection || !lambda) throw unsupported(schema, collection && collection.any ? `${collection.name}/${e.property}` : e.collection);
        if (e.op !== 'eq') throw unsupported(schema, `${collection.name}/${lambda.name}`);
        const l = e.value;
        if (lambda.type === 'guid' && l.kind !== 'guid')
          throw invalidFilter(
            `${collection.name}/${lambda.name} is a GUID: write it without quotes, like ${lambda.name} eq 6fd2c87f-b296-42f0-b197-1e91e994b900.`,
          );
        if (lambda.type === 'string' && l.kind !== 'string')
          throw invalidFilter(`${collection.name}/${lambda.name} is a String: compare it with a quoted value like 'Error', not ${describe(l)}.`);
        const value = (l as { value: string }).value;
        const sql = lambda.sql(param(lambda.value(value)), value, negated);
        return sql.includes(' OR ') ? { leaf: sql, hasOr: true } : leaf(sql);
      }
      case 'count': {
        const collection = schema.collections.get(e.collection.toLowerCase());
        if (!collection?.countPath) throw unsupported(schema, collection?.name ?? e.collection);
        advanced.add(`${collection.name}/$count`);
        return leaf(`c.${collection.countPath} ${sqlOp[negated ? flip[e.op] : e.op]} ${param(e.value)}`);
      }
    }
  };

  const sql = print(walk(expr, false), true);
  return { sql, parameters, advanced: [...advanced], needs: [...needs] };
}
