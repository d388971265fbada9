/**
 * The benchmarks' command lines: `--name N` / `--name=N` whole numbers, bare switches, `-h`, and `--smoke`:
 * every benchmark's tiny run (sizes of its own, seconds rather than minutes) that checks it still works from
 * its set-up to its last figure. test/bench/smoke.test.ts runs each so in `npm test`; its figures mean
 * nothing. Flags given beside `--smoke` override its sizes.
 */

/** A flag: a positive whole number into `int` (with an extra check that returns the problem), or a switch that sets options. */
export type FlagSpec<O> = { int: keyof O; check?: (n: number) => string | undefined } | { set: Partial<O> } | { list: keyof O; values: readonly string[] };

/** Prints the usage; exits 0 (asked for) or 2 (a bad argument, said first). */
export function usage(text: string, problem?: string): never {
  if (problem) console.error(`${problem}\n${text}`);
  else console.log(text);
  process.exit(problem ? 2 : 0);
}

/** `--smoke`'s line of the usage, its sizes as the flags that would set them. */
function smokeUsage<O extends object>(flags: Record<string, FlagSpec<O>>, smoke: Partial<O>): string {
  const flagOf = (key: string) => Object.entries(flags).find(([, spec]) => ('int' in spec && spec.int === key) || ('list' in spec && spec.list === key))?.[0];
  const sizes = Object.entries(smoke).map(([key, value]) => `--${flagOf(key) ?? key} ${Array.isArray(value) ? value.join(',') : String(value)}`);
  return `  --smoke: a tiny run that checks the benchmark works end to end, in seconds (${sizes.join(' ')}); its figures mean nothing`;
}

/** Parses `argv` over `defaults`; with `smoke` (the benchmark's tiny sizes), `--smoke` puts those under the flags given. */
export function parseArgs<O extends object>(argv: string[], usageText: string, defaults: O, flags: Record<string, FlagSpec<O>>, smoke?: Partial<O>): O {
  const text = smoke ? `${usageText}\n${smokeUsage(flags, smoke)}` : usageText;
  const o = { ...defaults, ...(smoke && argv.includes('--smoke') ? smoke : {}) } as Record<keyof O, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') usage(text);
    if (arg === '--smoke' && smoke) continue;
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    const spec = m ? flags[m[1]] : undefined;
    if (!m || !spec) usage(text, `unknown argument ${arg}`);
    if ('set' in spec) {
      if (m[2] !== undefined) usage(text, `--${m[1]} takes no value`);
      Object.assign(o, spec.set);
      continue;
    }
    const raw = m[2] ?? argv[++i];
    if ('list' in spec) {
      const items = (raw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = items.filter((s) => !spec.values.includes(s));
      if (!items.length || bad.length) usage(text, `--${m[1]} takes a comma-separated list of ${spec.values.join(', ')} (got ${raw ?? 'nothing'})`);
      o[spec.list] = [...new Set(items)];
      continue;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) usage(text, `--${m[1]} needs a positive whole number (got ${raw ?? 'nothing'})`);
    const problem = spec.check?.(n);
    if (problem) usage(text, problem);
    o[spec.int] = n;
  }
  return o as O;
}
