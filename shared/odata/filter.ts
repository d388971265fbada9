/**
 * `$filter`: a recursive-descent parser for the subset of OData 4.01's filter grammar that license tooling
 * sends to Microsoft Graph's directory, giving an AST that shared/odata/translate.ts turns into
 * parameterised Cosmos DB SQL.
 *
 *   filter     = orExpr
 *   orExpr     = andExpr *( "or" andExpr )
 *   andExpr    = unary *( "and" unary )
 *   unary      = "not" unary / primary
 *   primary    = "(" orExpr ")"
 *              / "startswith" "(" property "," string ")"
 *              / property "/" "any" "(" var ":" var "/" property cmp literal ")"
 *              / property "/" "$count" cmp integer
 *              / property "/" property cmp literal                (a complex property's field: signInActivity/lastSignInDateTime)
 *              / property cmp literal
 *              / property "in" "(" literal *( "," literal ) ")"
 *   cmp        = "eq" / "ne" / "gt" / "ge" / "lt" / "le"
 *   literal    = 'string' ('' escapes a quote) / true / false / null / GUID (unquoted) / integer
 *              / DateTimeOffset (unquoted, 2026-11-30T09:00:00Z)
 *
 * Keywords and function names are case-insensitive (Graph accepts `NOT`, `startsWith`, `OR`). Which
 * property takes which operator is not the parser's business: the resource's table in resources.ts
 * decides, so a well-formed filter on an unsupported property is Graph's Request_UnsupportedQuery, and
 * only malformed text is Graph's "Invalid filter clause".
 *
 * Why not a library: the maintained-looking OData parsers on npm (odata-v4-parser, unchanged since 2018;
 * its fork @odata/parser) are general combinator parsers over the whole ABNF, with backtracking, generic
 * error messages and a large AST to map back to this subset; this grammar is small, single-token
 * lookahead without backtracking (each token is looked at a bounded number of times, so parsing is linear
 * in the input, which the property test checks by counting steps), bounded in length, depth and clauses
 * before any work, and its errors say what is wrong in Graph's terms.
 */
import { ApiError } from '../errors';

export const MAX_FILTER_LENGTH = 2048;
export const MAX_FILTER_DEPTH = 16;
export const MAX_FILTER_CLAUSES = 40;

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'guid'; value: string }
  | { kind: 'integer'; value: number }
  /** A DateTimeOffset, normalised to toISOString() (UTC, milliseconds). */
  | { kind: 'dateTime'; value: string };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterExpr =
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; expr: FilterExpr }
  | { kind: 'compare'; property: string; op: CompareOp; value: Literal }
  | { kind: 'in'; property: string; values: Literal[] }
  | { kind: 'startswith'; property: string; value: string }
  /** `collection/any(x:x/property op value)` */
  | { kind: 'any'; collection: string; property: string; op: CompareOp; value: Literal }
  /** `collection/$count op n` */
  | { kind: 'count'; collection: string; op: CompareOp; value: number };

/** Graph's answer to a malformed filter: 400 BadRequest "Invalid filter clause". */
export const invalidFilter = (detail: string) => new ApiError(400, 'BadRequest', `Invalid filter clause: ${detail}`, '$filter');

type Token =
  | { t: 'punct'; v: '(' | ')' | ',' | ':' | '/'; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'guid'; v: string; at: number }
  | { t: 'integer'; v: number; at: number }
  | { t: 'dateTime'; v: string; at: number }
  | { t: 'end'; at: number };

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/y;
const INTEGER = /-?\d{1,15}(?![\w.-])/y;
const DATE_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})(?![\w.:+-])/y;
const WORD = /\$?[A-Za-z_][A-Za-z0-9_]*/y;

/** Splits the filter into tokens, in one pass. `steps` counts the work done (for the linearity test). */
export function tokenize(text: string, steps: { n: number }): Token[] {
  const out: Token[] = [];
  let i = 0;
  const sticky = (re: RegExp) => {
    re.lastIndex = i;
    return re.exec(text);
  };
  while (i < text.length) {
    steps.n++;
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if ('(),:/'.includes(ch)) {
      out.push({ t: 'punct', v: ch as '(' | ')' | ',' | ':' | '/', at: i });
      i++;
      continue;
    }
    if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        steps.n++;
        if (j >= text.length) throw invalidFilter(`the string starting at position ${i} has no closing quote.`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j++];
      }
      out.push({ t: 'string', v: value, at: i });
      i = j + 1;
      continue;
    }
    const dateTime = sticky(DATE_TIME);
    if (dateTime) {
      const ms = Date.parse(dateTime[0]);
      if (Number.isNaN(ms)) throw invalidFilter(`'${dateTime[0]}' at position ${i} is not a valid date and time.`);
      out.push({ t: 'dateTime', v: new Date(ms).toISOString(), at: i });
      i += dateTime[0].length;
      continue;
    }
    const guid = sticky(GUID);
    if (guid) {
      out.push({ t: 'guid', v: guid[0].toLowerCase(), at: i });
      i += guid[0].length;
      continue;
    }
    const int = sticky(INTEGER);
    if (int) {
      out.push({ t: 'integer', v: Number(int[0]), at: i });
      i += int[0].length;
      continue;
    }
    const word = sticky(WORD);
    if (word) {
      out.push({ t: 'word', v: word[0], at: i });
      i += word[0].length;
      continue;
    }
    throw invalidFilter(`character '${ch}' is not valid at position ${i}.`);
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

const COMPARE = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const RESERVED = new Set<string>(['and', 'or', 'not', 'in', 'true', 'false', 'null', ...COMPARE]);

class Parser {
  private pos = 0;
  private depth = 0;
  clauses = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly steps: { n: number },
  ) {}

  private peek(): Token {
    this.steps.n++;
    return this.tokens[this.pos];
  }

  private next(): Token {
    this.steps.n++;
    return this.tokens[this.pos++];
  }

  private isWord(tok: Token, word: string): boolean {
    return tok.t === 'word' && tok.v.toLowerCase() === word;
  }

  private describe(tok: Token): string {
    if (tok.t === 'end') return 'the end of the filter';
    if (tok.t === 'string') return `'${tok.v}' at position ${tok.at}`;
    return `'${tok.v}' at position ${tok.at}`;
  }

  private expectPunct(v: string, what: string): void {
    const tok = this.next();
    if (tok.t !== 'punct' || tok.v !== v) throw invalidFilter(`expected ${what} but found ${this.describe(tok)}.`);
  }

  parse(): FilterExpr {
    const expr = this.orExpr();
    const tok = this.peek();
    if (tok.t !== 'end') throw invalidFilter(`unexpected ${this.describe(tok)}; join clauses with 'and' or 'or'.`);
    return expr;
  }

  private nested<T>(f: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) throw invalidFilter(`the filter is nested more than ${MAX_FILTER_DEPTH} levels deep.`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private orExpr(): FilterExpr {
    return this.nested(() => {
      let left = this.andExpr();
      while (this.isWord(this.peek(), 'or')) {
        this.next();
        left = { kind: 'or', left, right: this.andExpr() };
      }
      return left;
    });
  }

  private andExpr(): FilterExpr {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterExpr {
    if (this.isWord(this.peek(), 'not')) {
      this.next();
      return this.nested(() => ({ kind: 'not', expr: this.unary() }));
    }
    return this.primary();
  }

  private clause<T>(expr: T): T {
    if (++this.clauses > MAX_FILTER_CLAUSES)
      throw new ApiError(400, 'Request_UnsupportedQuery', `The filter has more than ${MAX_FILTER_CLAUSES} clauses. Split the query.`, '$filter');
    return expr;
  }

  private primary(): FilterExpr {
    const tok = this.peek();
    if (tok.t === 'punct' && tok.v === '(') {
      this.next();
      const inner = this.orExpr();
      this.expectPunct(')', "')'");
      return inner;
    }
    if (tok.t !== 'word' || RESERVED.has(tok.v.toLowerCase())) throw invalidFilter(`expected a property or a function but found ${this.describe(tok)}.`);
    this.next();
    const after = this.peek();
    if (after.t === 'punct' && after.v === '(') return this.call(tok.v);
    const property = tok.v;
    if (after.t === 'punct' && after.v === '/') return this.collection(property);
    const op = this.next();
    if (op.t === 'word' && op.v.toLowerCase() === 'in') return this.clause(this.inList(property));
    if (op.t !== 'word' || !COMPARE.has(op.v.toLowerCase()))
      throw invalidFilter(`expected an operator (eq, ne, in...) after '${property}' but found ${this.describe(op)}.`);
    return this.clause({ kind: 'compare', property, op: op.v.toLowerCase() as CompareOp, value: this.literal() });
  }

  private call(name: string): FilterExpr {
    if (name.toLowerCase() !== 'startswith') {
      throw new ApiError(
        400,
        'Request_UnsupportedQuery',
        `The function '${name}' is not supported in $filter here; use startswith(property, 'text').`,
        '$filter',
      );
    }
    this.expectPunct('(', "'('");
    const prop = this.next();
    if (prop.t !== 'word' || RESERVED.has(prop.v.toLowerCase())) throw invalidFilter(`startswith takes a property first, not ${this.describe(prop)}.`);
    this.expectPunct(',', "','");
    const value = this.next();
    if (value.t !== 'string') throw invalidFilter(`startswith takes a quoted string second, not ${this.describe(value)}.`);
    this.expectPunct(')', "')'");
    return this.clause({ kind: 'startswith', property: prop.v, value: value.v });
  }

  private collection(collection: string): FilterExpr {
    this.expectPunct('/', "'/'");
    const seg = this.next();
    if (seg.t === 'word' && seg.v.toLowerCase() === '$count') {
      const op = this.next();
      if (op.t !== 'word' || !COMPARE.has(op.v.toLowerCase()))
        throw invalidFilter(`expected an operator after '${collection}/$count' but found ${this.describe(op)}.`);
      const n = this.next();
      if (n.t !== 'integer' || n.v < 0) throw invalidFilter(`'${collection}/$count' is compared with a whole number, not ${this.describe(n)}.`);
      return this.clause({ kind: 'count', collection, op: op.v.toLowerCase() as CompareOp, value: n.v });
    }
    // a complex property's field compared (signInActivity/lastSignInDateTime le 2026-01-01T00:00:00Z)
    const cmp = this.peek();
    if (seg.t === 'word' && !seg.v.startsWith('$') && !RESERVED.has(seg.v.toLowerCase()) && cmp.t === 'word' && COMPARE.has(cmp.v.toLowerCase())) {
      this.next();
      return this.clause({ kind: 'compare', property: `${collection}/${seg.v}`, op: cmp.v.toLowerCase() as CompareOp, value: this.literal() });
    }
    if (seg.t === 'word' && seg.v.toLowerCase() === 'all')
      throw new ApiError(400, 'Request_UnsupportedQuery', "The 'all' lambda operator is not supported (nor is it in Microsoft Graph); use 'any'.", '$filter');
    if (!(seg.t === 'word' && seg.v.toLowerCase() === 'any')) {
      throw new ApiError(
        400,
        'Request_UnsupportedQuery',
        `'${collection}/${seg.t === 'end' ? '' : String((seg as { v: unknown }).v)}' is not supported in $filter; use ${collection}/any(x:x/property eq value) or ${collection}/$count.`,
        '$filter',
      );
    }
    this.expectPunct('(', "'(' after any");
    const variable = this.next();
    if (variable.t !== 'word' || RESERVED.has(variable.v.toLowerCase()))
      throw invalidFilter(`any( takes a range variable, like any(x:x/skuId eq ...), not ${this.describe(variable)}.`);
    this.expectPunct(':', "':' after the range variable");
    const again = this.next();
    if (again.t !== 'word' || again.v !== variable.v) throw invalidFilter(`the lambda must use its range variable '${variable.v}', like ${variable.v}/skuId.`);
    this.expectPunct('/', `'/' after '${variable.v}'`);
    const property = this.next();
    if (property.t !== 'word' || RESERVED.has(property.v.toLowerCase()))
      throw invalidFilter(`expected a property after '${variable.v}/' but found ${this.describe(property)}.`);
    const op = this.next();
    if (op.t !== 'word' || !COMPARE.has(op.v.toLowerCase()))
      throw invalidFilter(`expected an operator after '${variable.v}/${property.v}' but found ${this.describe(op)}.`);
    const value = this.literal();
    this.expectPunct(')', "')' closing any(");
    return this.clause({ kind: 'any', collection, property: property.v, op: op.v.toLowerCase() as CompareOp, value });
  }

  private inList(property: string): FilterExpr {
    this.expectPunct('(', "'(' after in");
    const values = [this.literal()];
    for (;;) {
      const tok = this.next();
      if (tok.t === 'punct' && tok.v === ')') break;
      if (tok.t !== 'punct' || tok.v !== ',') throw invalidFilter(`expected ',' or ')' in the 'in' list but found ${this.describe(tok)}.`);
      values.push(this.literal());
      if (values.length > MAX_FILTER_CLAUSES)
        throw new ApiError(400, 'Request_UnsupportedQuery', `An 'in' list takes at most ${MAX_FILTER_CLAUSES} values.`, '$filter');
    }
    return { kind: 'in', property, values };
  }

  private literal(): Literal {
    const tok = this.next();
    switch (tok.t) {
      case 'string':
        return { kind: 'string', value: tok.v };
      case 'guid':
        return { kind: 'guid', value: tok.v };
      case 'integer':
        return { kind: 'integer', value: tok.v };
      case 'dateTime':
        return { kind: 'dateTime', value: tok.v };
      case 'word': {
        const w = tok.v.toLowerCase();
        if (w === 'true' || w === 'false') return { kind: 'boolean', value: w === 'true' };
        if (w === 'null') return { kind: 'null' };
      }
    }
    throw invalidFilter(`expected a value ('text', true, false, null, a number, a GUID or a date and time) but found ${this.describe(tok)}.`);
  }
}

/** Parses a $filter value. Throws 400 (BadRequest or Request_UnsupportedQuery) for anything else. */
export function parseFilter(text: string, steps: { n: number } = { n: 0 }): FilterExpr {
  if (text.length > MAX_FILTER_LENGTH)
    throw new ApiError(400, 'Request_UnsupportedQuery', `$filter is longer than ${MAX_FILTER_LENGTH} characters.`, '$filter');
  if (!text.trim()) throw invalidFilter('the filter is empty.');
  return new Parser(tokenize(text, steps), steps).parse();
}

/** The clauses a filter ANDs together, in order (`a and (b and c)`: a, b, c); anything else is one clause. */
export function andClauses(expr: FilterExpr): FilterExpr[] {
  return expr.kind === 'and' ? [...andClauses(expr.left), ...andClauses(expr.right)] : [expr];
}

/** A parsed filter written back as OData text (for messages that name a clause). */
export function formatFilter(expr: FilterExpr): string {
  const lit = (l: Literal) => (l.kind === 'string' ? `'${l.value.replace(/'/g, "''")}'` : l.kind === 'null' ? 'null' : String(l.value));
  const inner = (e: FilterExpr) => (e.kind === 'and' || e.kind === 'or' ? `(${formatFilter(e)})` : formatFilter(e));
  switch (expr.kind) {
    case 'and':
    case 'or':
      return `${inner(expr.left)} ${expr.kind} ${inner(expr.right)}`;
    case 'not':
      return `not ${inner(expr.expr)}`;
    case 'compare':
      return `${expr.property} ${expr.op} ${lit(expr.value)}`;
    case 'in':
      return `${expr.property} in (${expr.values.map(lit).join(', ')})`;
    case 'startswith':
      return `startswith(${expr.property}, ${lit({ kind: 'string', value: expr.value })})`;
    case 'any':
      return `${expr.collection}/any(x:x/${expr.property} ${expr.op} ${lit(expr.value)})`;
    case 'count':
      return `${expr.collection}/$count ${expr.op} ${expr.value}`;
  }
}
