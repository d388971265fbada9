/**
 * The README's screenshots are the pictures of one passing run of every browser test (test/screenshots.reporter.cjs
 * puts them in docs/screenshots with screenshots.json, the test that takes each): every image the README and
 * docs/ show is one of them, and docs/screenshots holds no picture that no test takes, which would fall behind.
 * `npm run screenshots` (or a passing `npm test`) refreshes them all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DOCS = join(ROOT, 'docs', 'screenshots');
const manifest = JSON.parse(readFileSync(join(DOCS, 'screenshots.json'), 'utf8')) as Record<string, { test: string; title: string }>;
const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const shown = [
  ...new Set(
    pages.flatMap((p) =>
      [...readFileSync(join(ROOT, p), 'utf8').matchAll(/docs\/screenshots\/([\w.-]+\.png)|\(screenshots\/([\w.-]+\.png)\)/g)].map((m) => m[1] ?? m[2]),
    ),
  ),
];

test('the README shows screenshots, each taken by a browser test in the run that made docs/screenshots', () => {
  expect(shown.length).toBeGreaterThan(5);
  expect(shown.filter((name) => !manifest[name] || !existsSync(join(DOCS, name)))).toEqual([]);
});

test('docs/screenshots holds the pictures of that run and nothing else, each from a browser test that exists', () => {
  expect(
    readdirSync(DOCS)
      .filter((f) => f.endsWith('.png'))
      .sort(),
  ).toEqual(Object.keys(manifest).sort());
  const tests = [...new Set(Object.values(manifest).map((m) => m.test))];
  expect(tests.filter((t) => !/^test\/browser\/[\w-]+\.test\.ts$/.test(t) || !existsSync(join(ROOT, t)))).toEqual([]);
});
