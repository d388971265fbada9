/**
 * The console's pages toured as a Global Administrator (two files, so that they run side by side): axe-core
 * finds no serious or critical accessibility violation on any page or open panel, each is photographed for
 * the README, and every request goes to the one origin the console is served from (so one certificate,
 * one warning at most).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { consoleFor, CONSOLE_URL, Org, screenshot, seriousViolations } from './harness';

export interface Tour {
  admin: BrowserContext;
  org: Org;
  /** Checks the page as it is now (axe) and keeps its picture. */
  check(page: Page, name: string): Promise<void>;
  /** No page had a serious or critical violation, and every request went to the console's origin. */
  expectClean(): void;
}

export function tour(): Tour {
  const c = consoleFor('GlobalAdministrator');
  const found: Record<string, string[]> = {};
  const origins = new Set<string>();
  const t = {
    get admin() {
      return c.admin;
    },
    get org() {
      return c.org;
    },
    async check(page: Page, name: string) {
      found[name] = await seriousViolations(page);
      await screenshot(page, name);
    },
    expectClean() {
      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
      expect([...origins]).toEqual([new URL(CONSOLE_URL).origin]);
    },
  } as Tour;
  beforeAll(() => {
    c.admin.on('request', (r) => origins.add(new URL(r.url()).origin));
  });
  return t;
}
