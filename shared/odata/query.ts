/**
 * The OData system query options of a list call, as Microsoft Graph's directory takes them: `$filter`
 * (filter.ts, translate.ts), `$search`, `$orderby`, `$select` and `$count`, and Graph's rule that the
 * advanced forms need the advanced query parameters (the `ConsistencyLevel: eventual` header, and
 * `$count=true` except for `$search`), answered with Graph's 400 Request_UnsupportedQuery when missing.
 *
 * One departure, on purpose: Graph silently ignores `$count=true` without the header; here nothing is
 * silently ignored, so it is a 400 too.
 *
 * `$search` (Graph's grammar: `"property:text"` clauses, `AND` / `OR` in upper case, parentheses,
 * backslash escapes inside the quotes) matches by prefix: a clause is true when the property, lower-cased,
 * starts with the text, lower-cased. Graph tokenises displayName into words first (so "al" also finds
 * "Wilber, Alex"); this service keeps the prefix match of the whole value it always had. A clause without
 * a property (`"al"`, or the plain `al` of earlier versions) searches every searchable property.
 */
import { ApiError } from '../errors';
import { parseFilter } from './filter';
import { ResourceSchema } from './resources';
import { SqlCondition, translateFilter } from './translate';

export interface ListQueryInput {
  $filter?: string;
  $search?: string;
  $orderby?: string;
  $select?: string;
  $count?: boolean;
}

export interface ListQuery {
  /** The filter and the search, combined with AND; undefined when neither is given. */
  where?: SqlCondition & { needs: string[] };
  orderBy?: { path: string; desc: boolean };
  /** Properties to return (id always among them); undefined: all. */
  select?: string[];
  count: boolean;
}

const unsupportedQuery = (message: string, target?: string) => new ApiError(400, 'Request_UnsupportedQuery', message, target);
const ADVANCED_HINT =
  'Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information';

/** `ConsistencyLevel: eventual`, as Graph reads it. */
export const isEventual = (header: string | null | undefined) => (header ?? '').trim().toLowerCase() === 'eventual';

export function parseSelect(schema: ResourceSchema, selectable: readonly string[], text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const byLower = new Map(selectable.map((p) => [p.toLowerCase(), p]));
  const names = text.split(',').map((s) => s.trim());
  const out = new Set<string>(['id']);
  for (const name of names) {
    const known = byLower.get(name.toLowerCase());
    if (!known) {
      throw new ApiError(
        400,
        'BadRequest',
        `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type '${schema.odataType}'.`,
        '$select',
      );
    }
    out.add(known);
  }
  return [...out];
}

/** The selected properties of a view (id always), in the view's own order. */
export function project<T extends object>(view: T, select: string[] | undefined): Partial<T> {
  if (!select) return view;
  return Object.fromEntries(Object.entries(view).filter(([k]) => select.includes(k))) as Partial<T>;
}

export function parseOrderBy(schema: ResourceSchema, text: string | undefined): ListQuery['orderBy'] {
  if (text === undefined) return undefined;
  const keys = text.split(',').map((s) => s.trim());
  const m = /^(\w+)(?:\s+(asc|desc))?$/i.exec(keys[0]);
  const property = m ? schema.orderBy.get(m[1].toLowerCase()) : undefined;
  if (keys.length > 1 || !property) {
    const names = [...schema.orderBy.values()].map((o) => o.name);
    throw unsupportedQuery(`Sorting not supported for current query. Sort by one of ${names.join(', ')}, asc or desc.`, '$orderby');
  }
  return { path: property.path, desc: (m?.[2] ?? 'asc').toLowerCase() === 'desc' };
}

// ---------------- $search ----------------

type SearchToken = { t: '(' | ')' | 'AND' | 'OR' | 'end' } | { t: 'clause'; v: string };

function searchTokens(text: string): SearchToken[] {
  // the plain form of earlier versions: no quotes at all is one clause
  if (!text.includes('"')) return [{ t: 'clause', v: text.trim() }, { t: 'end' }];
  const out: SearchToken[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ') i++;
    else if (ch === '(' || ch === ')') {
      out.push({ t: ch });
      i++;
    } else if (ch === '"') {
      let v = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) v += text[j] === '\\' && j + 1 < text.length ? text[++j] : text[j];
      if (j >= text.length) throw new ApiError(400, 'BadRequest', 'Invalid search clause: a quoted clause has no closing quote.', '$search');
      out.push({ t: 'clause', v });
      i = j + 1;
    } else {
      const word = /^[A-Za-z]+/.exec(text.slice(i))?.[0];
      if (word !== 'AND' && word !== 'OR') {
        throw new ApiError(
          400,
          'BadRequest',
          `Invalid search clause at position ${i}: put each clause in double quotes ("displayName:al") and join clauses with AND or OR (upper case).`,
          '$search',
        );
      }
      out.push({ t: word });
      i += word.length;
    }
  }
  out.push({ t: 'end' });
  return out;
}

export function translateSearch(schema: ResourceSchema, text: string): SqlCondition {
  const tokens = searchTokens(text);
  const parameters: SqlCondition['parameters'] = [];
  let pos = 0;
  let depth = 0;
  const fail = (what: string) => new ApiError(400, 'BadRequest', `Invalid search clause: ${what}`, '$search');
  const clause = (v: string): string => {
    const m = /^(\w+):(.*)$/s.exec(v);
    const named = m ? schema.search.get(m[1].toLowerCase()) : undefined;
    if (m && !named)
      throw unsupportedQuery(`$search on '${m[1]}' is not supported; search ${[...schema.search.values()].map((s) => s.name).join(' or ')}.`, '$search');
    const fields = named ? [named] : [...schema.search.values()];
    const name = `@s${parameters.length}`;
    parameters.push({ name, value: (m ? m[2] : v).trim().toLowerCase() });
    // a missing or non-string field makes STARTSWITH undefined, i.e. not a match, as wanted (no NOT here);
    // a name matches when it starts with the text or one of its words does ("wil" finds Alex Wilber)
    const parts = fields.flatMap((f) => [
      `STARTSWITH(c.${f.path}, ${name})`,
      ...(f.words ? [`EXISTS(SELECT VALUE w FROM w IN c.${f.words} WHERE STARTSWITH(w, ${name}))`] : []),
    ]);
    return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  };
  const or = (): string => {
    if (++depth > 8) throw fail('nested too deeply.');
    let left = and();
    while (tokens[pos].t === 'OR') {
      pos++;
      left = `(${left} OR ${and()})`;
    }
    depth--;
    return left;
  };
  const and = (): string => {
    let left = primary();
    while (tokens[pos].t === 'AND') {
      pos++;
      left = `(${left} AND ${primary()})`;
    }
    return left;
  };
  const primary = (): string => {
    const tok = tokens[pos++];
    if (tok.t === 'clause') {
      if (parameters.length >= 10) throw unsupportedQuery('$search takes at most 10 clauses.', '$search');
      return clause(tok.v);
    }
    if (tok.t === '(') {
      const inner = or();
      if (tokens[pos++].t !== ')') throw fail("expected ')'.");
      return inner;
    }
    throw fail(tok.t === 'end' ? 'it ends where a clause was expected.' : `expected a quoted clause but found ${tok.t}.`);
  };
  const sql = or();
  if (tokens[pos].t !== 'end') throw fail('join clauses with AND or OR.');
  return { sql, parameters };
}

// ---------------- the whole list query ----------------

export function parseListQuery(
  schema: ResourceSchema,
  q: ListQueryInput,
  consistencyLevel: string | null | undefined,
  selectable: readonly string[],
): ListQuery {
  const eventual = isEventual(consistencyLevel);
  const count = q.$count === true;
  if (q.$count !== undefined && !eventual) {
    throw unsupportedQuery(
      "$count needs the header 'ConsistencyLevel: eventual' (an advanced query). Microsoft Graph ignores $count without it; this service answers 400 instead.",
      '$count',
    );
  }
  if (q.$search !== undefined && !eventual) {
    throw unsupportedQuery(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      '$search',
    );
  }
  const filter = q.$filter !== undefined ? translateFilter(parseFilter(q.$filter), schema) : undefined;
  const advancedParams = eventual && count;
  if (filter?.advanced.length && !advancedParams)
    throw unsupportedQuery(`${filter.advanced[0]} is not supported because the required parameters might be missing. ${ADVANCED_HINT}`, '$filter');
  const orderBy = parseOrderBy(schema, q.$orderby);
  if (filter && orderBy && !advancedParams)
    throw unsupportedQuery(`Sorting not supported for current query: $filter with $orderby is an advanced query. ${ADVANCED_HINT}`, '$orderby');
  const search = q.$search !== undefined ? translateSearch(schema, q.$search) : undefined;
  const parts = [filter, search].filter((p): p is NonNullable<typeof p> => !!p);
  const where = parts.length
    ? // both come AND-safe (an OR at their top parenthesised)
      { sql: parts.map((p) => p.sql).join(' AND '), parameters: parts.flatMap((p) => p.parameters), needs: filter?.needs ?? [] }
    : undefined;
  return { where, orderBy, select: parseSelect(schema, selectable, q.$select), count };
}
