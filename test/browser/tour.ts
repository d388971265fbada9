/**
 * The console's pages toured as a Global Administrator (two files, so that they run side by side): axe-core
 * finds no serious or critical accessibility violation on any page or open panel, each is photographed for
 * the README, and every request goes to the one origin the console is served from (so one certificate,
 * one warning at most).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CONSOLE_URL, launch, Org, screenshot, seedOrg, seriousViolations, signedIn } from './harness';

export interface Tour {
  admin: BrowserContext;
  org: Org;
  /** Checks the page as it is now (axe) and keeps its picture. */
  check(page: Page, name: string): Promise<void>;
  /** No page had a serious or critical violation, and every request went to the console's origin. */
  expectClean(): void;
}

export function tour(): Tour {
  let browser: Browser;
  const found: Record<string, string[]> = {};
  const origins = new Set<string>();
  const t = {
    async check(page: Page, name: string) {
      found[name] = await seriousViolations(page);
      await screenshot(page, name);
    },
    expectClean() {
      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
      expect([...origins]).toEqual([new URL(CONSOLE_URL).origin]);
    },
  } as Tour;
  beforeAll(async () => {
    [browser, t.org] = await Promise.all([launch(), seedOrg()]);
    t.admin = await signedIn(browser, 'GlobalAdministrator', t.org.id);
    t.admin.on('request', (r) => origins.add(new URL(r.url()).origin));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return t;
}
