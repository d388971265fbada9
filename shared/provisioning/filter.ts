/**
 * SCIM filters (RFC 7644 section 3.4.2.2) and PATCH paths (section 3.5.2): a recursive-descent parser
 * giving an AST that query.ts turns into parameterised Cosmos DB SQL and patch.ts applies.
 *
 *   filter    = orExpr
 *   orExpr    = andExpr *( "or" andExpr )
 *   andExpr   = unary *( "and" unary )
 *   unary     = "not" unary / primary
 *   primary   = "(" orExpr ")"
 *             / attrPath "[" valFilter "]" [ "." subAttr ( "pr" / compareOp compValue ) ]
 *             / attrPath "pr"
 *             / attrPath compareOp compValue
 *   valFilter = the same grammar, its attribute paths relative to the multi-valued attribute, no "[...]"
 *   compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "ge" / "lt" / "le"
 *   compValue = JSON string / number / true / false / null / a bare word (read as a string)
 *   attrPath  = [ schema URN ":" ] attrName [ "." subAttr ]
 *   PATH      = attrPath [ "[" valFilter "]" [ "." subAttr ] ]            (PATCH)
 *
 * Operators, keywords and attribute names are case-insensitive (RFC 7643 section 2.1). Two leniencies,
 * each for a request a real provider sends: `emails[type eq "work"].value eq "x"` (a filter Microsoft's
 * documentation tells endpoints to answer; the RFC's grammar has the sub-attribute after "]" only in
 * PATCH paths) reads as `emails[type eq "work" and value eq "x"]`; and a bare word as a value
 * (`externalId eq jyoung`, as Microsoft's tutorial writes it) is a string.
 *
 * Why not a library: the maintained npm parser (scim2-parse-filter, also what scim-patch builds on)
 * re-slices the rest of the text for every token (time quadratic in the filter's length), refuses a bare
 * value, and rewrites `emails[type eq "work"].value eq "x"` into an `and` of two conditions that may hold
 * on different emails; and a filter here must become an indexed query over the attributes this service
 * keeps, which only a table of our own can say. So, like shared/odata's, this grammar is small,
 * single-token lookahead without backtracking (linear in the input), bounded in length, depth and
 * clauses before any work, and its errors say what is wrong and where, as SCIM's `invalidFilter`.
 */
import { scimError } from './errors';

export const MAX_FILTER_LENGTH = 2048;
export const MAX_FILTER_DEPTH = 16;
export const MAX_FILTER_CLAUSES = 40;

export interface AttrPath {
  /** The schema URN, lower-cased, when the path names one (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:user`). */
  uri?: string;
  /** The attribute, lower-cased. */
  attr: string;
  /** A sub-attribute, lower-cased (`name.givenName` -> `givenname`). */
  sub?: string;
  /** The path as written, for messages. */
  text: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type ScimValue = string | number | boolean | null;

export type ScimFilter =
  | { kind: 'and' | 'or'; left: ScimFilter; right: ScimFilter }
  | { kind: 'not'; expr: ScimFilter }
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: ScimValue }
  | { kind: 'present'; path: AttrPath }
  /** `emails[type eq "work"]`: some value of the multi-valued attribute `path` matches `filter` (its paths are sub-attributes). */
  | { kind: 'valuePath'; path: AttrPath; filter: ScimFilter };

/** A PATCH operation's target: an attribute, or some values of a multi-valued one, and maybe their sub-attribute. */
export interface PatchPath {
  path: AttrPath;
  filter?: ScimFilter;
  /** After `[...]`: `emails[type eq "work"].value` -> `value`. */
  sub?: string;
}

type Token =
  | { t: 'punct'; v: '(' | ')' | '[' | ']'; at: number }
  | { t: 'word'; v: string; at: number }
  /** `.value` right after `]`. */
  | { t: 'sub'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'number'; v: number; at: number }
  | { t: 'end'; at: number };

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.:$-])/y;
const WORD = /[A-Za-z_$][\w$:.-]*/y;
const SUB = /\.[A-Za-z_$][\w$-]*/y;

const invalid = (what: 'filter' | 'path', detail: string) =>
  what === 'filter'
    ? scimError('invalidFilter', `The filter is not valid: ${detail} See RFC 7644 section 3.4.2.2 for the syntax.`, 'filter')
    : scimError('invalidPath', `The PATCH path is not valid: ${detail}`, 'path');

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Splits the text into tokens in one pass. `steps` counts the work done (tests check it is linear). */
export function tokenize(text: string, what: 'filter' | 'path', steps: { n: number } = { n: 0 }): Token[] {
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
    if ('()[]'.includes(ch)) {
      out.push({ t: 'punct', v: ch as '(' | ')' | '[' | ']', at: i });
      i++;
      if (ch === ']') {
        const sub = sticky(SUB);
        if (sub) {
          out.push({ t: 'sub', v: sub[0].slice(1), at: i });
          i += sub[0].length;
        }
      }
      continue;
    }
    if (ch === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        steps.n++;
        if (j >= text.length) throw invalid(what, `the string starting at position ${i} has no closing quote.`);
        const c = text[j];
        if (c === '"') break;
        if (c === '\\') {
          const e = text[j + 1];
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) {
            value += String.fromCharCode(parseInt(text.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          if (e === undefined || !(e in ESCAPES)) throw invalid(what, `the escape '\\${e ?? ''}' at position ${j} is not valid in a JSON string.`);
          value += ESCAPES[e];
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      out.push({ t: 'string', v: value, at: i });
      i = j + 1;
      continue;
    }
    const number = sticky(NUMBER);
    if (number) {
      out.push({ t: 'number', v: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const word = sticky(WORD);
    if (word) {
      out.push({ t: 'word', v: word[0], at: i });
      i += word[0].length;
      continue;
    }
    throw invalid(what, `the character '${ch}' at position ${i} is not expected.`);
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

const COMPARE = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const RESERVED = new Set<string>(['and', 'or', 'not', 'pr', 'true', 'false', 'null', ...COMPARE]);

/** `urn:...:User:name.givenName` -> uri, attr, sub (lower-cased); undefined when it is not an attribute path. */
export function attrPath(text: string): AttrPath | undefined {
  const colon = text.lastIndexOf(':');
  const uri = colon >= 0 ? text.slice(0, colon).toLowerCase() : undefined;
  if (uri !== undefined && !uri.startsWith('urn:')) return undefined;
  const parts = text.slice(colon + 1).split('.');
  if (parts.length > 2 || parts.some((p) => !/^[A-Za-z_$][\w$-]*$/.test(p))) return undefined;
  return { ...(uri ? { uri } : {}), attr: parts[0].toLowerCase(), ...(parts[1] ? { sub: parts[1].toLowerCase() } : {}), text };
}

class Parser {
  private pos = 0;
  private depth = 0;
  private clauses = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly what: 'filter' | 'path',
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
    if (tok.t === 'end') return 'the end of the text';
    if (tok.t === 'string') return `"${tok.v}" at position ${tok.at}`;
    if (tok.t === 'sub') return `'.${tok.v}' at position ${tok.at}`;
    return `'${tok.v}' at position ${tok.at}`;
  }

  private fail(detail: string): never {
    throw invalid(this.what, detail);
  }

  private expect(v: string, what: string): void {
    const tok = this.next();
    if (tok.t !== 'punct' || tok.v !== v) this.fail(`expected ${what} but found ${this.describe(tok)}.`);
  }

  private nested<T>(f: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) this.fail(`it is nested more than ${MAX_FILTER_DEPTH} levels deep.`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private clause(): void {
    if (++this.clauses > MAX_FILTER_CLAUSES) this.fail(`it has more than ${MAX_FILTER_CLAUSES} conditions.`);
  }

  filter(): ScimFilter {
    const expr = this.orExpr(false);
    const tok = this.peek();
    if (tok.t !== 'end') this.fail(`unexpected ${this.describe(tok)}; join conditions with 'and' or 'or'.`);
    return expr;
  }

  path(): PatchPath {
    const path = this.attr(this.next());
    const tok = this.peek();
    if (tok.t === 'end') return { path };
    if (tok.t !== 'punct' || tok.v !== '[') this.fail(`unexpected ${this.describe(tok)} after '${path.text}'.`);
    if (path.sub) this.fail(`a filter '[...]' follows an attribute, not a sub-attribute ('${path.text}').`);
    this.next();
    const filter = this.nested(() => this.orExpr(true));
    this.expect(']', "']'");
    const after = this.next();
    if (after.t === 'end') return { path, filter };
    if (after.t !== 'sub') this.fail(`unexpected ${this.describe(after)} after ']'.`);
    if (this.peek().t !== 'end') this.fail(`unexpected ${this.describe(this.peek())} after '.${after.v}'.`);
    return { path, filter, sub: after.v.toLowerCase() };
  }

  private orExpr(inValue: boolean): ScimFilter {
    let left = this.andExpr(inValue);
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.andExpr(inValue) };
    }
    return left;
  }

  private andExpr(inValue: boolean): ScimFilter {
    let left = this.unary(inValue);
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary(inValue) };
    }
    return left;
  }

  private unary(inValue: boolean): ScimFilter {
    if (this.isWord(this.peek(), 'not')) {
      this.next();
      return this.nested(() => ({ kind: 'not', expr: this.unary(inValue) }));
    }
    return this.primary(inValue);
  }

  private attr(tok: Token): AttrPath {
    if (tok.t !== 'word' || RESERVED.has(tok.v.toLowerCase())) this.fail(`expected an attribute name but found ${this.describe(tok)}.`);
    const path = attrPath(tok.v);
    if (!path) this.fail(`'${tok.v}' at position ${tok.at} is not an attribute path (name, name.subAttribute, or urn:...:name).`);
    return path;
  }

  private primary(inValue: boolean): ScimFilter {
    const tok = this.peek();
    if (tok.t === 'punct' && tok.v === '(') {
      this.next();
      const inner = this.nested(() => this.orExpr(inValue));
      this.expect(')', "')'");
      return inner;
    }
    const path = this.attr(this.next());
    const op = this.peek();
    if (op.t === 'punct' && op.v === '[') {
      if (inValue) this.fail(`a filter '[...]' cannot be nested inside another (position ${op.at}).`);
      if (path.sub) this.fail(`a filter '[...]' follows an attribute, not a sub-attribute ('${path.text}').`);
      this.next();
      const filter = this.nested(() => this.orExpr(true));
      this.expect(']', "']'");
      const sub = this.peek();
      if (sub.t !== 'sub') return { kind: 'valuePath', path, filter };
      // emails[type eq "work"].value eq "x": the value's condition joins the filter inside the brackets
      this.next();
      const subPath: AttrPath = { attr: sub.v.toLowerCase(), text: sub.v };
      return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: this.condition(subPath) } };
    }
    return this.condition(path);
  }

  private condition(path: AttrPath): ScimFilter {
    this.clause();
    const op = this.next();
    if (this.isWord(op, 'pr')) return { kind: 'present', path };
    if (op.t !== 'word' || !COMPARE.has(op.v.toLowerCase()))
      this.fail(`expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after '${path.text}' but found ${this.describe(op)}.`);
    return { kind: 'compare', path, op: op.v.toLowerCase() as CompareOp, value: this.value() };
  }

  private value(): ScimValue {
    const tok = this.next();
    if (tok.t === 'string' || tok.t === 'number') return tok.v;
    if (tok.t === 'word') {
      const w = tok.v.toLowerCase();
      if (w === 'true' || w === 'false') return w === 'true';
      if (w === 'null') return null;
      if (!RESERVED.has(w)) return tok.v;
    }
    return this.fail(`expected a value ("text", a number, true, false or null) but found ${this.describe(tok)}.`);
  }
}

/** Parses a `filter` query parameter (SCIM invalidFilter when it is not one). */
export function parseFilter(text: string, steps: { n: number } = { n: 0 }): ScimFilter {
  if (text.length > MAX_FILTER_LENGTH) throw invalid('filter', `it is longer than ${MAX_FILTER_LENGTH} characters.`);
  if (!text.trim()) throw invalid('filter', 'it is empty.');
  return new Parser(tokenize(text, 'filter', steps), 'filter', steps).filter();
}

/** Parses a PATCH operation's `path` (SCIM invalidPath when it is not one). */
export function parsePath(text: string): PatchPath {
  if (text.length > MAX_FILTER_LENGTH) throw invalid('path', `it is longer than ${MAX_FILTER_LENGTH} characters.`);
  if (!text.trim()) throw invalid('path', 'it is empty.');
  return new Parser(tokenize(text, 'path'), 'path', { n: 0 }).path();
}
