/**
 * The reporter that puts the README's screenshots in place (test/screenshots.reporter.cjs), on a repository
 * of its own in a temporary directory: only a run of every browser test that passes replaces
 * docs/screenshots, with that run's pictures alone, and only if every image the README shows was taken.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Reporter {
  onTestFileStart(test: { path: string }): void;
  onRunComplete(contexts: unknown, results: { testResults: object[] }): void;
  getLastError(): Error | undefined;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the reporter is CommonJS, as jest loads it
const ScreenshotsReporter = require('../screenshots.reporter.cjs') as new (globalConfig: unknown, options: { root: string }) => Reporter;

const TESTS = ['a.test.ts', 'b.test.ts'];
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A repository: README showing `shown`, docs/screenshots holding `docs`, two browser test files. */
function repo(shown: string[], docs: string[]) {
  const root = mkdtempSync(join(tmpdir(), 'screenshots-'));
  roots.push(root);
  for (const d of ['docs/screenshots', 'test/browser']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'README.md'), shown.map((s) => `![${s}](docs/screenshots/${s})`).join('\n'));
  writeFileSync(join(root, 'docs', 'other.md'), 'no pictures here');
  for (const f of docs) writeFileSync(join(root, 'docs', 'screenshots', f), 'old picture');
  for (const t of TESTS) writeFileSync(join(root, 'test', 'browser', t), '');
  return root;
}

/** A picture the harness took: its PNG and the test that took it. */
function taken(root: string, name: string, test: string) {
  mkdirSync(join(root, '.local', 'screenshots'), { recursive: true });
  writeFileSync(join(root, '.local', 'screenshots', `${name}.png`), `new ${name}`);
  writeFileSync(join(root, '.local', 'screenshots', `${name}.json`), JSON.stringify({ test: `test/browser/${test}`, title: `takes ${name}` }));
}

/** The run's browser test files start (jest tells the reporter before each runs). */
const start = (reporter: Reporter, root: string, files = TESTS) => files.forEach((f) => reporter.onTestFileStart({ path: join(root, 'test', 'browser', f) }));

const results = (root: string, files: { name: string; failing?: number; pending?: number }[]) => ({
  testResults: files.map((f) => ({
    testFilePath: join(root, 'test', 'browser', f.name),
    numFailingTests: f.failing ?? 0,
    numPendingTests: f.pending ?? 0,
    numTodoTests: 0,
  })),
});

const docsOf = (root: string) => readdirSync(join(root, 'docs', 'screenshots')).sort();
const content = (root: string, f: string) => readFileSync(join(root, 'docs', 'screenshots', f), 'utf8');
const quietly = <T>(f: () => T) => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    return f();
  } finally {
    log.mockRestore();
  }
};

test("a run of every browser test that passes: docs/screenshots becomes that run's pictures, listed with their tests", () => {
  const root = repo(['one.png', 'two.png'], ['one.png', 'two.png', 'gone.png']);
  const reporter = new ScreenshotsReporter({}, { root });
  taken(root, 'stale', 'a.test.ts'); // left by an earlier run of some files: not this run's
  start(reporter, root);
  taken(root, 'one', 'a.test.ts');
  taken(root, 'two', 'b.test.ts');
  taken(root, 'three', 'b.test.ts');
  quietly(() =>
    reporter.onRunComplete(
      [],
      results(
        root,
        TESTS.map((name) => ({ name })),
      ),
    ),
  );
  expect(reporter.getLastError()).toBeUndefined();
  expect(docsOf(root)).toEqual(['one.png', 'screenshots.json', 'three.png', 'two.png']);
  expect(content(root, 'one.png')).toBe('new one');
  expect(JSON.parse(content(root, 'screenshots.json'))).toEqual({
    'one.png': { test: 'test/browser/a.test.ts', title: 'takes one' },
    'three.png': { test: 'test/browser/b.test.ts', title: 'takes three' },
    'two.png': { test: 'test/browser/b.test.ts', title: 'takes two' },
  });
});

test.each([
  ['some of the browser test files', [{ name: 'a.test.ts' }]],
  ['a failing test', [{ name: 'a.test.ts' }, { name: 'b.test.ts', failing: 1 }]],
  ['tests left out by a filter', [{ name: 'a.test.ts', pending: 2 }, { name: 'b.test.ts' }]],
])('a run of %s leaves docs/screenshots as it was', (_, files) => {
  const root = repo(['one.png'], ['one.png', 'gone.png']);
  const reporter = new ScreenshotsReporter({}, { root });
  start(
    reporter,
    root,
    files.map((f) => f.name),
  );
  taken(root, 'one', 'a.test.ts');
  quietly(() => reporter.onRunComplete([], results(root, files)));
  expect(reporter.getLastError()).toBeUndefined();
  expect(docsOf(root)).toEqual(['gone.png', 'one.png']);
  expect(content(root, 'one.png')).toBe('old picture');
});

test('a passing run that did not take an image the README or a docs page shows fails, names the pages, and changes nothing', () => {
  const root = repo(['one.png', 'missing.png'], ['one.png', 'missing.png']);
  writeFileSync(join(root, 'docs', 'other.md'), '![Missing](screenshots/missing.png) ![Also](screenshots/also.png)');
  const reporter = new ScreenshotsReporter({}, { root });
  taken(root, 'missing', 'a.test.ts'); // by an earlier run: does not count
  start(reporter, root);
  taken(root, 'one', 'a.test.ts');
  quietly(() =>
    reporter.onRunComplete(
      [],
      results(
        root,
        TESTS.map((name) => ({ name })),
      ),
    ),
  );
  expect(reporter.getLastError()?.message).toMatch(
    /^docs\/other\.md shows also\.png, README\.md and docs\/other\.md show missing\.png from docs\/screenshots, but no browser test took it in this run/,
  );
  expect(docsOf(root)).toEqual(['missing.png', 'one.png']);
  expect(content(root, 'one.png')).toBe('old picture');
});

test('a run without browser tests (the unit and integration tests) does nothing', () => {
  const root = repo(['one.png'], ['one.png']);
  const reporter = new ScreenshotsReporter({}, { root });
  taken(root, 'one', 'a.test.ts');
  reporter.onTestFileStart({ path: join(root, 'test', 'unit', 'x.test.ts') });
  reporter.onRunComplete([], { testResults: [{ testFilePath: join(root, 'test', 'unit', 'x.test.ts'), numFailingTests: 0 }] });
  expect(reporter.getLastError()).toBeUndefined();
  expect(existsSync(join(root, 'docs', 'screenshots', 'screenshots.json'))).toBe(false);
  expect(existsSync(join(root, '.local', 'screenshots', 'one.png'))).toBe(true);
});
