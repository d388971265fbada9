/** The benchmarks' command lines: `--name N` / `--name=N` whole numbers, bare switches, `-h`. */

/** A flag: a positive whole number into `int` (with an extra check that returns the problem), or a switch that sets options. */
export type FlagSpec<O> = { int: keyof O; check?: (n: number) => string | undefined } | { set: Partial<O> } | { list: keyof O; values: readonly string[] };

/** Prints the usage; exits 0 (asked for) or 2 (a bad argument, said first). */
export function usage(text: string, problem?: string): never {
  if (problem) console.error(`${problem}\n${text}`);
  else console.log(text);
  process.exit(problem ? 2 : 0);
}

export function parseArgs<O extends object>(argv: string[], usageText: string, defaults: O, flags: Record<string, FlagSpec<O>>): O {
  const o = { ...defaults } as Record<keyof O, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') usage(usageText);
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    const spec = m ? flags[m[1]] : undefined;
    if (!m || !spec) usage(usageText, `unknown argument ${arg}`);
    if ('set' in spec) {
      if (m[2] !== undefined) usage(usageText, `--${m[1]} takes no value`);
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
      if (!items.length || bad.length) usage(usageText, `--${m[1]} takes a comma-separated list of ${spec.values.join(', ')} (got ${raw ?? 'nothing'})`);
      o[spec.list] = [...new Set(items)];
      continue;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) usage(usageText, `--${m[1]} needs a positive whole number (got ${raw ?? 'nothing'})`);
    const problem = spec.check?.(n);
    if (problem) usage(usageText, problem);
    o[spec.int] = n;
  }
  return o as O;
}
