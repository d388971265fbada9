/**
 * Every benchmark run once at its tiny size, so that none of them rots unnoticed between the rare full runs
 * (bench:console once stopped at its search step: it still expected names to start with the search text
 * after search had moved on to any word of a name). Each package.json `bench*` script's own command (what
 * follows its build steps, which `npm test` has done) runs with `--smoke`, one after the other; each must
 * exit 0 and print its figure lines, which are parsed here: a benchmark whose output changes shape fails
 * this test until the patterns below follow it. No speed is asserted: a figure only has to be there and be
 * a number, and the counts the run itself verifies (calls answered, users licensed, rows) have to add up.
 *
 * Ports: BENCH_PORTS puts every run on this run's test ports + 160 (host + 1 is its https port, and
 * bench/assign-license.ts's second hosts take host + 2 to + 5), where no test stack listens: the shared
 * one is at + 0, the own stacks of test files at + 70 to + 151, + 172 to + 186 and + 210 to + 231
 * (test/ownStack.ts), and TEST_PORT_OFFSET moves them all alike. The runs get none of the test stack's
 * settings (test/setupEnv.ts puts them in
 * this worker's environment).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testStackEnv, TEST_PORTS } from '../env';

const ROOT = join(__dirname, '..', '..');
const SMOKE_OFFSET = 160;
const BENCH_PORTS = [TEST_PORTS.host, TEST_PORTS.cosmos, TEST_PORTS.queue].map((p) => p + SMOKE_OFFSET).join(',');
/** A hang guard, not a speed limit: a run still going after this long is interrupted (and the test fails). */
const HANG_MS = 9 * 60_000;

const NUM = String.raw`(-?\d+(?:\.\d+)?)`;
/** A figure line: a pattern whose captures are numbers (NaN or Infinity fail it). */
const line = (source: string) => new RegExp(`^${source.replaceAll('#', NUM)}$`, 'm');

/** What every benchmark prints in its header: the runtime it measured. */
const RUNTIME = /^runtime: Node (v\d+\.\d+\.\d+) \(V8 [^)]+\), (\w+) (\w+), (\d+) cores \(.+\), (\d+\.\d) GB memory$/m;

interface BenchSpec {
  /** Its figure lines; each capture is a number. */
  figures: Record<string, RegExp>;
  /** The outcomes the run's sizes fix, from the captures of `figures`. */
  check(f: Record<string, number[]>): void;
}

const SPECS: Record<string, BenchSpec> = {
  // two modes side by side: every figure line has a column per mode
  bench: {
    figures: {
      answered: line(String.raw`assignments at concurrency # +#/# answered 200 in # s +#/# answered 200 in # s`),
      rate: line(String.raw`assignments per second +# +#`),
      latency: line(String.raw`latency p50 / p99 +# ms / # ms +# ms / # ms`),
      requests: line(String.raw`Cosmos DB requests per assignment +# \(#; # metadata lookups, # retried\) +# \(#; # metadata lookups, # retried\)`),
      c1: line(String.raw`at concurrency 1 \(# calls\) +#/# answered 200 in # s +#/# answered 200 in # s`),
      consumed: line(String.raw`consumedUnits afterwards +# of #, # of # +# of #, # of #`),
      raw: line(String.raw`raw single-document writes/s +# \(# creates of # B in # s, # requests each\) +# \(# creates of # B in # s, # requests each\)`),
      ratio: line(String.raw`ratio assignment/raw rate +# +#`),
      refused: line(
        String.raw`the same calls refused at validation \(400\) +#/# answered 400 in # s: #/s, ratio # to raw writes +#/# answered 400 in # s: #/s, ratio # to raw writes`,
      ),
      hostCpu: line(String.raw`CPU per assignment: host process +# ms \(host \+ app \+ SDK, #% of a core\) +# ms \(host \+ app \+ SDK, #% of a core\)`),
      paired: line(
        String.raw`p50 at concurrency 1, group commit on within 10 % of off: (?:met|NOT met) \(on/off #: # ms vs # ms, p99 # vs # ms; # calls to each of two hosts on the same emulators, alternating, #/# answered 200\)`,
      ),
    },
    check(f) {
      const [c, offOk, offAll, , onOk, onAll] = f.answered;
      expect([c, offOk, offAll, onOk, onAll]).toEqual([4, 20, 20, 20, 20]);
      expect(f.c1).toEqual([10, 10, 10, expect.any(Number), 10, 10, expect.any(Number)]);
      expect(f.consumed).toEqual([20, 20, 10, 10, 20, 20, 10, 10]);
      expect(f.refused.filter((_, i) => i % 5 < 2)).toEqual([20, 20, 20, 20]);
      const [, , , , , calls, answered, of] = f.paired;
      expect([answered, of]).toEqual([2 * calls, 2 * calls]);
    },
  },
  'bench:jobs': {
    figures: {
      job: line(String.raw`job: +# users, completed, succeeded #, failed #, skipped #; # chunk runs`),
      endToEnd: line(String.raw`end to end: +# s from sending the POST to the completion write`),
      rate: line(String.raw`users per second: +# end to end; # over the processing phase alone \(first chunk start to completion, # s\)`),
      requests: line(String.raw`Cosmos DB requests: +# \(# per user; of them # SDK metadata lookups and # retried attempts\).*`),
      rss: line(String.raw`peak RSS of this process: +# MB \(kernel's lifetime peak.*`),
      verified: line(String.raw`verified: +consumedUnits # of #, # holds left, # users hold the product, # audit records of the job, no poison messages`),
      raw: line(String.raw`raw single-document upserts: # of # B .* at concurrency # in # s = # writes/s .*`),
      ratio: line(String.raw`ratio job users/s / raw writes/s: # \(end to end\).*`),
    },
    check(f) {
      expect(f.job.slice(0, 4)).toEqual([200, 200, 0, 0]); // its chunk runs: 2, or more when a chunk was delivered again
      expect(f.verified).toEqual([200, 200, 0, 200, 200]);
    },
  },
  'bench:reconcile': {
    figures: {
      users: line(String.raw`users: +# \(partition: # documents\)`),
      fullRead: line(String.raw`full read: +# s: # documents in # pages of up to #.*`),
      run: line(String.raw`full run \(reconciliation\): +# s \(report durationMs #\); # Cosmos DB requests \(# per user; .*`),
      ratio: line(String.raw`ratio full run / full read: +# \(target <= #: (?:met|NOT met)\)`),
      migration: line(String.raw`one-time migration, apart: +userQueryFields rewrote # users .*: # s, # Cosmos DB requests .*`),
      nothingChanged: line(String.raw` +incremental, nothing changed +# +# +# +# +# +# +# +# MB`),
      onePercent: line(String.raw` +incremental, 1 % changed +# +# +# +# +# +# +# +# MB`),
      tenPercent: line(String.raw` +incremental, 10 % changed +# +# +# +# +# +# +# +# MB`),
      target: line(
        String.raw`target, 1 % changed: at most # of a full read: time # \((?:met|NOT met)\), requests # \((?:met|NOT met); without the query-plan lookups #\)`,
      ),
      rss: line(String.raw`peak RSS of this process: +# MB .*`),
      verified: line(
        String.raw`verified: +both counters equal the true holders \(#, #; also by a COUNT query\), both stale holds gone, the # lost audit records re-created`,
      ),
    },
    check(f) {
      expect(f.users[0]).toBe(200);
      expect(f.verified[0] + f.verified[1]).toBe(200);
      expect(f.migration[0]).toBe(0); // the set-up writes users as the service does: nothing to migrate
      // changed users (every 100th and every 10th of the 196 written directly), each run's documents read
      expect([f.nothingChanged[0], f.onePercent[0], f.tenPercent[0]]).toEqual([0, 2, 20]);
    },
  },
  'bench:report': {
    figures: {
      setup: line(String.raw` +set-up: # users \(# assignments, # KB per user document\) in # s, written in bulk to the store`),
      read: line(String.raw` +plain read of the users +# s +# +# +# MB +# MB +# MB +# MB -> # MB +# MB`),
      json: line(String.raw` +report, JSON +# s +# +# s +# +# MB +# MB +# MB +# MB +# MB -> # MB +# MB`),
      csv: line(String.raw` +report, CSV +# s +# +# s +# +# MB +# MB +# MB +# MB +# MB -> # MB +# MB`),
      time: line(String.raw` +time: the slower report took #x the plain read \(target <= #x\): (?:met|NOT met)`),
      memory: line(String.raw` +memory: the host's peak RSS while streaming # MB \(target < # MB\): (?:met|NOT met)`),
    },
    check(f) {
      const [users, assignments] = f.setup;
      expect(users).toBe(200);
      expect(f.read[2]).toBe(users);
      expect(f.json[3]).toBe(assignments);
      expect(f.csv[3]).toBe(assignments);
    },
  },
  'bench:scim': {
    figures: {
      synced: line(String.raw`  synced # users \(in # s\) and # groups with # memberships in # s: # SCIM requests, # per second`),
      requests: line(String.raw`  Cosmos DB requests: # \(# per SCIM request, # per user synced\)`),
      verified: line(String.raw`  verified: # users, # groups, # memberships, read back through SCIM`),
      createUser: line(String.raw`  create user +# +# +#`),
      addMembers: line(String.raw`  add members +# +# +#`),
    },
    check(f) {
      const [users, , groups, memberships, , requests] = f.synced;
      expect([users, groups]).toEqual([200, 10]);
      expect(f.verified).toEqual([200, 10, memberships]);
      expect(f.createUser[0]).toBe(200);
      // a probe and a create per user and per group, then the members' PATCHes
      expect(requests).toBe(2 * users + 2 * groups + f.addMembers[0]);
    },
  },
  'bench:signin': {
    figures: {
      setup: line(String.raw`set-up: tenant [0-9a-f-]+, # users with Office 365 E1 and # without a license, in # s`),
      usual: line(String.raw` +tokenIssuanceStart, usual sign-in +# +# +# +# +# +# +#`),
      teams: line(String.raw` +tokenIssuanceStart, Teams \(has it\) +# +# +# +# +# +# +#`),
      claims: line(String.raw` +tokenIssuanceStart, Teams \(claims E3\) +# +# +# +# +# +# +#`),
      rights: line(String.raw` +GET /me/cloudLicensing/usageRights +# +# +# +# +# +# +-`),
      raw: line(String.raw` +raw point read \(the generator\) +# +# +# +# +# +- +-`),
      ratio: line(String.raw` +usage rights / raw point reads: # \(# against #/s\)`),
      p99: line(String.raw` +Entra ID waits about 2000 ms: sign-in p99 # ms, # ms, # ms`),
    },
    check(f) {
      const [users, unlicensed] = f.setup;
      expect([users, unlicensed]).toEqual([40, 10]);
      expect([f.usual[0], f.teams[0], f.claims[0], f.rights[0], f.raw[0]]).toEqual([users, users, unlicensed, users, users]);
    },
  },
  'bench:catalog': {
    figures: {
      read: line(String.raw` +1 +# +# +# [A-Za-z0-9_]+ \(#\) +# +# +#`),
      refused: line(String.raw`30 MB upload: 413 requestTooLarge after # MB read \(limit # MB\), # s, heap growth # MB`),
      targets: line(String.raw`Targets: a whole table in under # s: (?:met|NOT met) \(worst # s\); heap growth under # MB: (?:met|NOT met)`),
    },
    check(f) {
      expect(f.read[0]).toBe(1000); // the rows read are the rows generated
    },
  },
  'bench:catalog-changes': {
    figures: {
      imported: line(String.raw`import of # rows \(# products, # plans\) +# +# version #`),
      again: line(String.raw`the same file again +# +# no new version`),
      before: line(String.raw`with the demo catalog \(# products\) +# +#`),
      after: line(String.raw`with the full table loaded \(# products\) +# +#`),
      job: line(String.raw`bulk job \(add another product to every holder\) +# +# +#`),
      fanout: line(String.raw`new plan kept off for every holder \(PUT to job completed\) +# +# +#`),
      ratio: line(String.raw` +the fan-out's rate against the bulk job's: # \(target >= #: (?:met|NOT met)\)`),
    },
    check(f) {
      const [rows, products] = f.imported;
      expect([rows, products]).toEqual([6000, 620]);
      expect(f.after[0]).toBe(products + f.before[0]);
    },
  },
  'bench:console': {
    figures: {
      browser: /^browser: Chromium (\d+)\.[\d.]+ \(.+\)$/m,
      script: line(String.raw` +# KB  /assets/.+\.js`),
      total: line(String.raw` +# KB  total, budget # KB: within`),
      firstRows: line(String.raw` +first rows shown +# ms`),
      scrolled: line(String.raw` +scrolled to the end +# s \(# users loaded page by page, # a page\)`),
      dom: line(String.raw` +rows in the DOM at most +# \(virtualized\)`),
      search: line(String.raw` +search, keystroke to rows +median # ms, p95 # ms \(# searches\)`),
    },
    check(f) {
      expect(f.scrolled[1]).toBe(600);
      expect(f.dom[0]).toBeLessThanOrEqual(100);
      expect(f.search[2]).toBe(9);
    },
  },
};

/** The command a package.json bench script runs after its build steps: `node [flags] dist/bench/x.js`. */
function benchCommand(script: string): string[] {
  const steps = script.split('&&').map((s) => s.trim());
  const rest = steps.filter((s) => !/^npm run build(:web)?$/.test(s));
  if (rest.length !== 1 || !rest[0].startsWith('node ')) throw new Error(`expected build steps then one node command, got: ${script}`);
  return rest[0].split(/\s+/).slice(1);
}

function run(args: string[]): Promise<{ code: number | null; signal: string | null; out: string }> {
  const env: Record<string, string | undefined> = { ...process.env, BENCH_PORTS };
  for (const k of Object.keys(testStackEnv)) delete env[k];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // Ctrl-C first: the bench stops its stack (emulators included); a kill if it does not
  const interrupt = setTimeout(() => {
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  }, HANG_MS);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(interrupt);
      resolve({ code, signal, out });
    }),
  );
}

/** The figures of `out`, or an error that names the lines it lacks and shows the output. */
function figuresOf(out: string, spec: BenchSpec): Record<string, number[]> {
  const f: Record<string, number[]> = {};
  const missing: string[] = [];
  for (const [name, re] of Object.entries(spec.figures)) {
    const m = re.exec(out);
    const numbers = m?.slice(1).map(Number) ?? [];
    if (!m || numbers.some((n) => !Number.isFinite(n))) missing.push(`${name} ${re}`);
    else f[name] = numbers;
  }
  if (missing.length) throw new Error(`figure lines missing or not numbers:\n  ${missing.join('\n  ')}\n--- output:\n${out}`);
  return f;
}

const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const benchScripts = Object.keys(scripts).filter((name) => /^bench(:|$)/.test(name));

test('every bench script of package.json is smoke-tested here', () => {
  expect(benchScripts.sort()).toEqual(Object.keys(SPECS).sort());
});

describe.each(benchScripts)('npm run %s -- --smoke', (name) => {
  test(
    'runs to the end and prints its runtime and its figures',
    async () => {
      const spec = SPECS[name];
      const { code, signal, out } = await run([...benchCommand(scripts[name]), '--smoke']);
      if (code !== 0) throw new Error(`exited with ${code ?? signal}\n--- output:\n${out}`);
      const runtime = RUNTIME.exec(out);
      expect(runtime?.slice(1, 4)).toEqual([process.version, process.platform, process.arch]);
      expect(Number(runtime![4])).toBeGreaterThan(0);
      expect(out).not.toMatch(/^FAIL/m);
      spec.check(figuresOf(out, spec));
    },
    HANG_MS + 60_000,
  );
});
