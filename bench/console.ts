/**
 * Benchmark of the admin console (`npm run bench:console`), in Debian's Chromium against the local stack:
 *
 * 1. Initial JavaScript: the console is opened as a newcomer opens it (the sign-in page, sign in, the
 *    Licenses page) and every script the browser fetched until the Licenses page shows is gzipped
 *    (zlib, level 6, as a web server would) and summed. Budget: under 400 KB; over it, exit 1.
 * 2. Active users with 10,000 users in the organization (set up directly through the use-cases, not
 *    timed): the grid is virtualized, so it is scrolled to the end while the rows in the DOM are counted
 *    (they must stay a few dozen while 10,000 load); then the search box answers N searches, each timed
 *    from the keystroke (a keydown listener's timestamp in the page) to the grid showing only matching
 *    rows (checked every animation frame): median and p95 printed. A row matches as `$search` matches,
 *    when one of the words of its name starts with the text (shared/domain/searchWords.ts, the service's
 *    own split, run in the page), so 'Br' finds Brian Archie and Adele Braun alike.
 *
 *   npm run bench:console [-- --users 10000 --searches 40]
 *   npm run bench:console -- --smoke   (a tiny run that checks the bench works: --users 600 --searches 9,
 *   enough for 'Br' to find the Brauns beside Brian)
 *
 * The stack runs in this process (bench/lib) on ports of its own (27371 http, 27372 https, Cosmos DB 28381,
 * Azurite 30301; BENCH_PORTS moves them, see lib/env.ts), with a database of its own, so `npm start`, the tests and the other benchmarks can run
 * beside it. It fails (exit 1) on the JavaScript budget and on a grid that is not virtualized; the times
 * are printed, not asserted.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance as clock } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { searchWords } from '../shared/domain/searchWords';
import { parseArgs } from './lib/args';
import { applyBenchEnv, benchEnv, benchPorts, ROOT } from './lib/env';
import { runtime } from './lib/runtime';
import { startBenchStack } from './lib/stack';
import { percentile } from './lib/stats';

/** Ports of its own (the https port is the http port + 1), so npm start, the tests and the other benchmarks can run beside it. */
const PORTS = benchPorts({ host: 27371, cosmos: 28381, queue: 30301 });
const BUDGET_BYTES = 400 * 1024;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TENANT = randomUUID();
const USAGE = 'usage: npm run bench:console [-- --users N (default 10000) --searches N (default 40)]';

applyBenchEnv(
  benchEnv({
    ports: PORTS,
    database: 'licensing-bench-console',
    keyFile: 'bench-console-dev-signing-key.json',
    // the console's sign-in page signs in to the bench organization; the timer never fires during the run
    extra: { DEV_SIGNIN_TENANT_ID: TENANT, RECONCILIATION_SCHEDULE: '0 0 0 31 2 *' },
  }),
);

const FIRST = [
  'Adele',
  'Alex',
  'Brian',
  'Cameron',
  'Christie',
  'Debra',
  'Diego',
  'Emily',
  'Enrico',
  'Grady',
  'Henrietta',
  'Irvin',
  'Isaiah',
  'Johanna',
  'Joni',
  'Lee',
  'Lidia',
  'Lynne',
  'Megan',
  'Miriam',
  'Nestor',
  'Patti',
  'Pradeep',
  'Sanne',
  'Ravi',
];
const LAST = [
  'Vance',
  'Wilber',
  'Bowen',
  'Gu',
  'Langer',
  'Siciliani',
  'Lorenz',
  'Holloway',
  'Robbins',
  'Graham',
  'Wilke',
  'Fernandez',
  'Archie',
  'Mueller',
  'Sayers',
  'Sherman',
  'Cline',
  'Berger',
  'Cattaneo',
  'Deyoung',
  'Johnson',
  'White',
  'Braun',
  'Jansen',
  'Larsson',
  'Patel',
  'Smit',
  'Visser',
  'Bakker',
  'Janssen',
  'Dekker',
  'Mulder',
  'Bos',
  'Vos',
  'Peters',
  'Hendriks',
  'Dijkstra',
  'Kok',
  'Jacobs',
  'Meijer',
];

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function setUp(users: number) {
  const { createTenant, createSubscription } = await import('../shared/usecases/directory');
  const { createUser } = await import('../shared/usecases/users');
  await createTenant({ id: TENANT, displayName: 'Bench (10,000 users)', defaultUsageLocation: 'NL', cloud: 'Worldwide' });
  const { catalog } = await (await import('./lib/demoCatalog')).demoCatalog();
  await createSubscription(catalog, TENANT, { skuPartNumber: 'ENTERPRISEPACK', totalLicenses: users, purchaseChannel: 'admin' });
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (let i = next++; i < users; i = next++) {
        const first = FIRST[i % FIRST.length];
        const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
        await createUser(TENANT, {
          displayName: `${first} ${last} ${i}`,
          userPrincipalName: `user${i}@bench.dev`,
          usageLocation: 'NL',
          accountEnabled: true,
          userType: 'Member',
        });
      }
    }),
  );
}

async function main() {
  const { users, searches } = parseArgs(
    process.argv.slice(2),
    USAGE,
    { users: 10_000, searches: 40 },
    { users: { int: 'users' }, searches: { int: 'searches' } },
    // 600 users hold the Brauns (users 550-574), whom the ninth search, 'Br', finds beside Brian: search by any word
    { users: 600, searches: 9 },
  );
  if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('dist/web is missing: npm run build:web first (npm run bench:console does)');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

  console.log(
    `console benchmark: the initial JavaScript (budget ${kb(BUDGET_BYTES)}), then Active users with ${users} users: the grid scrolled to the end, ${searches} searches`,
  );
  console.log(runtime());
  const stack = await startBenchStack(PORTS);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
  console.log(`browser: Chromium ${browser.version()} (${CHROMIUM})\n`);
  let failed = false;
  try {
    const started = clock.now();
    await setUp(users);
    console.log(`set-up: ${users} users in ${((clock.now() - started) / 1000).toFixed(1)} s (not timed below)\n`);

    // ---- 1. initial JavaScript, as a newcomer's browser fetches it ----
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const scripts = new Map<string, number>();
    page.on('response', async (r) => {
      if (r.request().resourceType() !== 'script') return;
      const body = await r.body().catch(() => undefined);
      if (body) scripts.set(new URL(r.url()).pathname, gzipSync(body, { level: 6 }).length);
    });
    await page.goto(stack.consoleUrl!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Office 365 E3' }).waitFor();
    await page.waitForLoadState('networkidle');
    const total = [...scripts.values()].reduce((a, b) => a + b, 0);
    console.log('Initial JavaScript (sign-in page, then the Licenses page), gzipped:');
    for (const [path, size] of [...scripts].sort((a, b) => b[1] - a[1])) console.log(`  ${kb(size).padStart(10)}  ${path}`);
    console.log(`  ${kb(total).padStart(10)}  total, budget ${kb(BUDGET_BYTES)}: ${total < BUDGET_BYTES ? 'within' : 'OVER'}\n`);
    if (total >= BUDGET_BYTES) failed = true;

    // ---- 2. Active users with 10,000 users ----
    const t0 = clock.now();
    await page.goto(`${stack.consoleUrl}#/users`);
    await page.getByTestId('user-row').first().waitFor();
    const firstRows = clock.now() - t0;
    const scroller = page.getByTestId('users-scroller');
    let maxRows = 0;
    const scrollStart = clock.now();
    for (;;) {
      const state = await scroller.evaluate((el) => {
        el.scrollTop = el.scrollHeight;
        return {
          rows: el.querySelectorAll('[data-testid="user-row"]').length,
          loaded: Number(el.querySelector('[role="grid"]')!.getAttribute('aria-rowcount')) - 1,
        };
      });
      maxRows = Math.max(maxRows, state.rows);
      if (state.loaded >= users) break;
      if (clock.now() - scrollStart > 300_000) throw new Error(`scrolling stopped at ${state.loaded} of ${users} users`);
      await page.waitForTimeout(50); // a scroll step; the grid asks for the next page as the end nears
    }
    const scrolled = clock.now() - scrollStart;
    console.log(`Active users, ${users} users in the organization:`);
    console.log(`  first rows shown              ${firstRows.toFixed(0)} ms`);
    console.log(`  scrolled to the end           ${(scrolled / 1000).toFixed(1)} s (${users} users loaded page by page, 200 a page)`);
    console.log(`  rows in the DOM at most       ${maxRows} (virtualized)`);
    if (maxRows > 100) failed = true;

    // search: from the keystroke to the grid showing that search's answer (its request has come back and
    // every row shown matches), checked every animation frame
    await scroller.evaluate((el) => (el.scrollTop = 0));
    const box = page.getByRole('searchbox', { name: 'Search active users list' });
    const timings: number[] = [];
    // the search matches a name one of whose words starts with the text: the page gets the service's own
    // split into words (a function without imports, so its source runs there as it is)
    await page.evaluate(`window.__searchWords = ${searchWords.toString()}`);
    // each term is a first name's prefix, typed one more letter than the previous one, so every measured
    // keystroke asks the service something new (and 'Br' also finds the Brauns: a last name's word)
    const terms = FIRST.flatMap((name) => Array.from({ length: name.length - 1 }, (_, k) => name.slice(0, k + 2))).slice(0, searches);
    for (const term of terms) {
      const before = term.slice(0, -1);
      await box.fill(before);
      await page.waitForFunction((t) => {
        const words = (window as unknown as { __searchWords: (name: string) => string[] }).__searchWords;
        const names = Array.from(document.querySelectorAll('[data-testid="user-row"] button')).map((b) => b.textContent ?? '');
        return names.length > 0 && names.every((n) => words(n).some((w) => w.startsWith(t)));
      }, before.toLowerCase());
      const measured = page.evaluate((t) => {
        performance.clearResourceTimings();
        const input = document.querySelector<HTMLInputElement>('input[type="search"]')!;
        const pressed = new Promise<number>((resolve) => input.addEventListener('keydown', (e) => resolve(e.timeStamp), { once: true }));
        const answered = () =>
          performance.getEntriesByType('resource').some((e) => e.name.includes('/users?') && decodeURIComponent(e.name).includes(`displayName:${t}"`));
        const words = (window as unknown as { __searchWords: (name: string) => string[] }).__searchWords;
        const shown = new Promise<number>((resolve) => {
          const check = () => {
            const names = Array.from(document.querySelectorAll('[data-testid="user-row"] button')).map((b) => b.textContent ?? '');
            if (answered() && names.length && names.every((n) => words(n).some((w) => w.startsWith(t.toLowerCase())))) resolve(performance.now());
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        });
        (window as unknown as { __armed: boolean }).__armed = true;
        return Promise.all([pressed, shown]).then(([from, to]) => to - from);
      }, term);
      measured.catch(() => undefined); // awaited below; a failure is reported there, not as an unhandled rejection
      await page.waitForFunction(() => (window as unknown as { __armed?: boolean }).__armed === true);
      await page.evaluate(() => ((window as unknown as { __armed: boolean }).__armed = false));
      await box.press(term[term.length - 1]);
      timings.push(await measured);
    }
    timings.sort((a, b) => a - b);
    console.log(
      `  search, keystroke to rows     median ${percentile(timings, 50).toFixed(0)} ms, p95 ${percentile(timings, 95).toFixed(0)} ms (${timings.length} searches)`,
    );
  } finally {
    await browser.close();
    await stack.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
