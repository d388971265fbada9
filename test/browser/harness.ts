/**
 * The console's browser tests: Debian's Chromium driven by playwright-core (no browser download), against
 * the test stack that test/globalSetup.ts starts (emulators + local host, the console built into dist/web
 * and served at / over https). Each test file works in an organization of its own, a copy of the demo
 * organization (local/seed.ts), so files can run side by side and assert exact seat counts.
 *
 * Waits are on conditions (a locator's state, a text, a count); timeouts only bound a failure.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { SIGN_IN_ROLES } from '../../local/devSignIn';
import { DevRole, mintDevToken } from '../../local/devTokens';
import type { DirectoryRoleName } from '../../shared/domain/roles';
import { TEST_PORTS, testStackEnv } from '../env';
import { call, tokenFor } from '../helpers';

export const CONSOLE_URL = `https://localhost:${TEST_PORTS.host + 1}/`;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');
/** This run's pictures; a run of every browser test that passes puts them in docs/screenshots (test/screenshots.reporter.cjs). */
const SCREENSHOTS = join(ROOT, '.local', 'screenshots');

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // as root Chromium needs --no-sandbox; the rest keeps it from calling out on a closed network
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
}

export interface Org {
  id: string;
  /** The demo users by alias (adelev, alexw, isaiahl, ...). */
  users: Record<string, { id: string; displayName: string; userPrincipalName: string }>;
}

/** A fresh copy of the demo organization (Contoso: 24 users, 6 products, the Sales team group). */
export async function seedOrg(): Promise<Org> {
  const { seedDemo } = await import('../../local/seed');
  const id = randomUUID();
  const { users } = await seedDemo({ tenantId: id });
  return {
    id,
    users: Object.fromEntries(
      Object.entries(users).map(([alias, u]) => [alias, { id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName }]),
    ),
  };
}

/**
 * A browser context signed in to the console as `role` in `tenantId`: the dev token the sign-in page
 * would get from the local host, placed where the console keeps it (this tab's session storage).
 */
export async function signedIn(browser: Browser, role: DirectoryRoleName, tenantId: string, o: { locale?: string } = {}): Promise<BrowserContext> {
  // the same dev admin (name, object id) the sign-in page would sign in with this role
  const token = await mintDevToken({ role, tenantId, issuer: testStackEnv.AUTH_ISSUER, audience: testStackEnv.AUTH_AUDIENCE, ...SIGN_IN_ROLES[role] });
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    locale: o.locale ?? 'en-US',
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  await context.addInitScript((t) => window.sessionStorage.setItem('licensing-console.devToken', t), token);
  return context;
}

/** One test file's console: its own browser and copy of the demo organization, an admin signed in (`role`). */
export function consoleFor(role: DirectoryRoleName): { browser: Browser; org: Org; admin: BrowserContext } {
  const c = {} as { browser: Browser; org: Org; admin: BrowserContext };
  beforeAll(async () => {
    [c.browser, c.org] = await Promise.all([launch(), seedOrg()]);
    c.admin = await signedIn(c.browser, role, c.org.id);
  });
  afterAll(async () => {
    await c.browser?.close();
  });
  return c;
}

/** Opens a console page (`/licenses`, `/users`, ...) and waits for its heading. */
export async function open(context: BrowserContext, path: string, heading?: string | RegExp): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${CONSOLE_URL}#${path}`);
  if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  return page;
}

/** A picture of the page for the README (docs/screenshots), with the test that took it. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // let Fluent's entrance motions settle, so the picture shows the page at rest
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const { testPath, currentTestName } = expect.getState();
  writeFileSync(join(SCREENSHOTS, `${name}.json`), JSON.stringify({ test: relative(ROOT, testPath ?? ''), title: currentTestName }));
}

/**
 * axe-core on the page as it is now: the serious and critical violations (there must be none).
 * One known false positive is set aside, node by node: Fluent's focus manager (tabster) places
 * `<i data-tabster-dummy aria-hidden tabindex=0>` guards that only pass the focus on; axe reads them as
 * "aria-hidden-focus" (microsoft/tabster#288; Accessibility Insights suppresses them the same way).
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  // a panel still sliding or fading in is half transparent: axe would measure the contrast of its text
  // mid-way. Wait for the page's finite animations to end (spinners loop forever: not waited for).
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity));
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ ...v, nodes: v.id === 'aria-hidden-focus' ? v.nodes.filter((n) => !/data-tabster-dummy/.test(n.html)) : v.nodes }))
    .filter((v) => v.nodes.length > 0)
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(' | ')}`,
    );
}

/**
 * Keyboard only: presses Tab until `target` has the focus (at most `max` times), as someone without a
 * mouse would; fails if it never gets there.
 */
export async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement)).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

/** The number in an element (available licenses, a count), once it shows one. */
export async function numberIn(locator: Locator): Promise<number> {
  await locator.filter({ hasText: /\d/ }).waitFor();
  return Number((await locator.innerText()).replace(/[^\d]/g, ''));
}

/**
 * Waits (bounded) until the service shows a state it reaches in the background (a group's licenses
 * processed for a member): the test goes on from that state, not from a guess at how long it takes.
 */
export async function until(what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  for (const started = Date.now(); !(await probe());) {
    if (Date.now() - started > ms) throw new Error(`${what}: not reached within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A user's license paths are in error (a group license that failed for them). */
export const inError = async (tenantId: string, userId: string) =>
  ((await api('GlobalReader', tenantId, 'GET', `/v1.0/users/${userId}`)).body.licenseAssignmentStates as { state: string }[]).some((a) => a.state === 'Error');

/** Through the API, as the test's own check of what the console did. */
export async function api(role: DevRole, tenantId: string, method: string, path: string, body?: unknown) {
  return call(method, path, { token: await tokenFor(role, tenantId), body });
}

export { PLAN, SKU } from '../helpers';
