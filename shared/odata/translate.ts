/**
 * A parsed `$filter` -> a parameterised Cosmos DB SQL condition over the resource's stored documents.
 *
 * - Values never enter the SQL text: every literal becomes a parameter (`@f0`, `@f1`, ...); the text is
 *   made only of the paths of the resource's table (resources.ts), operators and parameter names.
 * - Every condition is 2-valued. Cosmos DB's SQL is 3-valued (a comparison with a missing field or a
 *   value of another type is undefined, and NOT undefined is undefined, so `not(department eq 'x')` would
 *   drop users without a department); OData's is not. Each leaf therefore checks the field's type first
 *   (`IS_STRING(c.p) AND c.p = @f0`, false AND undefined being false), so NOT, AND and OR combine plain
 *   booleans and the result is what the same filter gives evaluated on the Graph view.
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
  new ApiError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${property}' of resource '${schema.entity}'.`, '$filter');

const describe = (l: Literal) => (l.kind === 'null' ? 'null' : l.kind === 'string' ? `'${l.value}'` : String(l.value));

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
    if (l.kind === 'string' || (l.kind === 'guid' && p.guid)) return p.normalise ? p.normalise(l.value) : l.value;
    throw invalidFilter(`${p.name} is a String: compare it with a quoted value like '${p.name === 'usageLocation' ? 'NL' : 'text'}', not ${describe(l)}.`);
  };

  /** `c.p = value`, false (never undefined) when the field is missing or of another type. */
  const equals = (p: ScalarProperty, l: Literal): string => {
    if (l.kind === 'null') {
      if (!p.nullable) throw unsupported(schema, p.name);
      advanced.add('null values');
      return `(IS_NULL(c.${p.path}) OR NOT IS_DEFINED(c.${p.path}))`;
    }
    const value = scalarValue(p, l);
    return `(${p.type === 'boolean' ? 'IS_BOOL' : 'IS_STRING'}(c.${p.path}) AND c.${p.path} = ${param(value)})`;
  };

  const scalar = (name: string, op: string): ScalarProperty => {
    const p = schema.scalars[name.toLowerCase()];
    if (!p || !p.ops.includes(op as ScalarProperty['ops'][number])) throw unsupported(schema, p?.name ?? name);
    return p;
  };

  const walk = (e: FilterExpr): string => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return `(${walk(e.left)} ${e.kind.toUpperCase()} ${walk(e.right)})`;
      case 'not':
        advanced.add("Operator 'not'");
        return `(NOT ${walk(e.expr)})`;
      case 'compare': {
        const membership = schema.memberships[e.property.toLowerCase()];
        if (membership) {
          if ((e.op !== 'eq' && e.op !== 'ne') || e.value.kind !== 'boolean') throw unsupported(schema, membership.name);
          if (e.op === 'ne') advanced.add("Operator 'ne'");
          needs.add(membership.param);
          const positive = e.value.value === (e.op === 'eq');
          return positive ? `ARRAY_CONTAINS(${membership.param}, c.id)` : `(NOT ARRAY_CONTAINS(${membership.param}, c.id))`;
        }
        if (e.op !== 'eq' && e.op !== 'ne') throw unsupported(schema, scalar(e.property, 'eq').name);
        const p = scalar(e.property, e.op);
        if (e.op === 'eq') return equals(p, e.value);
        advanced.add("Operator 'ne'");
        return `(NOT ${equals(p, e.value)})`;
      }
      case 'in': {
        const p = scalar(e.property, 'in');
        const nulls = e.values.filter((v) => v.kind === 'null');
        const values = e.values.filter((v) => v.kind !== 'null').map((v) => param(scalarValue(p, v)));
        const parts = [
          ...(values.length ? [`(${p.type === 'boolean' ? 'IS_BOOL' : 'IS_STRING'}(c.${p.path}) AND c.${p.path} IN (${values.join(', ')}))`] : []),
          ...(nulls.length ? [equals(p, nulls[0])] : []),
        ];
        return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
      }
      case 'startswith': {
        const p = scalar(e.property, 'startswith');
        return `(IS_STRING(c.${p.path}) AND STARTSWITH(c.${p.path}, ${param(p.normalise ? p.normalise(e.value) : e.value)}))`;
      }
      case 'any': {
        const collection = schema.collections[e.collection.toLowerCase()];
        const lambda = collection?.any?.[e.property.toLowerCase()];
        if (!collection || !lambda) throw unsupported(schema, collection && collection.any ? `${collection.name}/${e.property}` : e.collection);
        if (e.op !== 'eq') throw unsupported(schema, `${collection.name}/${lambda.name}`);
        const l = e.value;
        if (lambda.type === 'guid' && l.kind !== 'guid') throw invalidFilter(`${collection.name}/${lambda.name} is a GUID: write it without quotes, like ${lambda.name} eq 6fd2c87f-b296-42f0-b197-1e91e994b900.`);
        if (lambda.type === 'string' && l.kind !== 'string') throw invalidFilter(`${collection.name}/${lambda.name} is a String: compare it with a quoted value like 'Error', not ${describe(l)}.`);
        const value = (l as { value: string }).value;
        return lambda.sql(param(lambda.value(value)), value);
      }
      case 'count': {
        const collection = schema.collections[e.collection.toLowerCase()];
        if (!collection?.countPath) throw unsupported(schema, collection?.name ?? e.collection);
        advanced.add(`${collection.name}/$count`);
        const ops = { eq: '=', ne: '!=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;
        return `(IS_NUMBER(c.${collection.countPath}) AND c.${collection.countPath} ${ops[e.op]} ${param(e.value)})`;
      }
    }
  };

  const sql = walk(expr);
  return { sql, parameters, advanced: [...advanced], needs: [...needs] };
}
