/**
 * Route templates, once: the Functions runtime's syntax (`v1.0/users/{id}`, `{id:guid}`, `{id?}`,
 * `{*rest}`) compiled, matched against a path and ranked the way ASP.NET Core routing ranks them
 * (literal segments before constrained parameters before parameters; a catch-all has the lowest
 * precedence of all). The local host serves HTTP triggers with it, the pipeline's catch-all function
 * answers 404/405 from it and `$batch` dispatches its sub-requests with it, so the three cannot disagree
 * about which route a path belongs to.
 */

export type Segment =
  { kind: 'literal'; value: string } | { kind: 'param'; name: string; constraint?: string; optional: boolean } | { kind: 'catchAll'; name: string };

export interface RouteTemplate {
  template: string;
  segments: Segment[];
  /** Per segment: 0 literal, 1 constrained parameter, 2 parameter, 3 catch-all. */
  rank: number[];
  catchAll: boolean;
}

export function compileTemplate(template: string): RouteTemplate {
  const segments = template
    .split('/')
    .filter(Boolean)
    .map((seg): Segment => {
      const m = /^\{(\*)?(\w+)(?::([^}?]+))?(\?)?\}$/.exec(seg);
      if (!m) return { kind: 'literal', value: seg.toLowerCase() };
      if (m[1]) return { kind: 'catchAll', name: m[2] };
      return { kind: 'param', name: m[2], constraint: m[3], optional: !!m[4] };
    });
  const rank = segments.map((s) => (s.kind === 'literal' ? 0 : s.kind === 'catchAll' ? 3 : s.constraint ? 1 : 2));
  return { template, segments, rank, catchAll: segments.some((s) => s.kind === 'catchAll') };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function satisfies(constraint: string | undefined, value: string): boolean {
  switch (constraint?.toLowerCase()) {
    case undefined:
      return true;
    case 'guid':
      return GUID.test(value);
    case 'int':
    case 'long':
      return /^-?\d+$/.test(value);
    case 'alpha':
      return /^[a-z]+$/i.test(value);
    default:
      return true;
  }
}

/** The route parameters when the (decoded) path segments fit the template, else undefined. */
export function matchTemplate(route: RouteTemplate, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const { segments } = route;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const part = parts[i];
    if (s.kind === 'catchAll') {
      params[s.name] = parts.slice(i).join('/');
      return params;
    }
    if (part === undefined) {
      if (s.kind === 'param' && s.optional) continue;
      return undefined;
    }
    if (s.kind === 'literal') {
      if (s.value !== part.toLowerCase()) return undefined;
    } else {
      if (!satisfies(s.constraint, part)) return undefined;
      params[s.name] = part;
    }
  }
  return parts.length <= segments.length ? params : undefined;
}

/** ASP.NET Core's order: a catch-all last, then segment by segment literal < constrained < parameter. */
export function compareRoutes(a: RouteTemplate, b: RouteTemplate): number {
  if (a.catchAll !== b.catchAll) return a.catchAll ? 1 : -1;
  for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
    const d = (a.rank[i] ?? -1) - (b.rank[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

/**
 * A path's segments, each percent-decoded (a segment that is not valid percent-encoding stays as sent).
 * Empty segments (doubled or trailing slashes) are dropped by the split itself: no pattern runs on the path
 * (an unanchored `/\/+$/` took time quadratic in a run of slashes, from any caller's URL).
 */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
}

export interface RouteEntry<T> {
  route: RouteTemplate;
  methods: string[];
  value: T;
}

export type RouteMatch<T> =
  | { kind: 'found'; entry: RouteEntry<T>; params: Record<string, string> }
  /** The path exists, not with this method: the methods it has (for 405 and Allow). */
  | { kind: 'methodNotAllowed'; allow: string[] }
  | { kind: 'notFound' };

/** Routes with their methods, kept in precedence order. */
export class RouteTable<T> {
  private readonly entries: RouteEntry<T>[] = [];

  add(template: string, methods: string[], value: T): void {
    this.entries.push({ route: compileTemplate(template), methods: methods.map((m) => m.toUpperCase()), value });
    this.entries.sort((a, b) => compareRoutes(a.route, b.route));
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The best-ranked route whose template fits the path and that takes the method. `skip` leaves entries out
   * (the catch-all itself, when it asks which real routes a path has).
   */
  match(method: string, parts: string[], skip?: (value: T) => boolean): RouteMatch<T> {
    const allow = new Set<string>();
    for (const entry of this.entries) {
      if (skip?.(entry.value)) continue;
      const params = matchTemplate(entry.route, parts);
      if (!params) continue;
      if (entry.methods.includes(method.toUpperCase())) return { kind: 'found', entry, params };
      for (const m of entry.methods) allow.add(m);
    }
    return allow.size ? { kind: 'methodNotAllowed', allow: [...allow].sort() } : { kind: 'notFound' };
  }
}
