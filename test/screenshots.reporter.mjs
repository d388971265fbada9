/**
 * The README's screenshots come from one passing run of the browser tests, so they cannot fall behind the
 * console. The harness saves each picture in .local/screenshots/ with the test that took it; when a run of
 * every browser test passes (`npm test`, or `npm run screenshots` alone), this reporter replaces
 * docs/screenshots/ with that run's pictures (a picture no test takes any more goes), after checking that
 * every image the README and docs/ show was taken in it, and lists them in docs/screenshots/screenshots.json
 * with the test that takes each. Any other run (some files, a filter, a failure) leaves docs/screenshots as
 * it is. A jest reporter, because only it sees the whole run's outcome; plain JavaScript, because jest loads
 * reporters with Node's own loader (no ts-jest there).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const RUN_DIR = join(ROOT, '.local', 'screenshots');
const DOCS_DIR = join(ROOT, 'docs', 'screenshots');
const BROWSER_DIR = join(ROOT, 'test', 'browser');

/** The docs/screenshots images the README and the docs/ pages show. */
function shownImages() {
  const pages = [
    join(ROOT, 'README.md'),
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(ROOT, 'docs', f)),
  ];
  const names = new Set();
  for (const page of pages) for (const m of readFileSync(page, 'utf8').matchAll(/screenshots\/([\w.-]+\.png)/g)) names.add(m[1]);
  return [...names].sort();
}

export default class ScreenshotsReporter {
  constructor() {
    this.started = Date.now();
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const ran = results.testResults.filter((r) => r.testFilePath.startsWith(BROWSER_DIR + sep));
    if (!ran.length) return;
    const all = readdirSync(BROWSER_DIR)
      .filter((f) => f.endsWith('.test.ts'))
      .every((f) => ran.some((r) => r.testFilePath === join(BROWSER_DIR, f)));
    const passed = ran.every((r) => !r.testExecError && r.numFailingTests === 0 && r.numPendingTests === 0 && r.numTodoTests === 0);
    if (!all || !passed) {
      console.log(`docs/screenshots unchanged: only a run of every browser test that passes replaces them (this run's pictures are in .local/screenshots).`);
      return;
    }
    // this run's pictures only (an earlier partial run may have left others there)
    const taken = (existsSync(RUN_DIR) ? readdirSync(RUN_DIR) : [])
      .filter((f) => f.endsWith('.png') && statSync(join(RUN_DIR, f)).mtimeMs >= this.started)
      .sort();
    const missing = shownImages().filter((name) => !taken.includes(name));
    if (missing.length) {
      this.error = new Error(
        `The README shows ${missing.join(', ')} from docs/screenshots, but no browser test took it in this run: take it in a test (screenshot(page, name)) or stop showing it. docs/screenshots was left as it was.`,
      );
      return;
    }
    for (const f of readdirSync(DOCS_DIR)) if (f.endsWith('.png') && !taken.includes(f)) rmSync(join(DOCS_DIR, f));
    const manifest = {};
    for (const f of taken) {
      copyFileSync(join(RUN_DIR, f), join(DOCS_DIR, f));
      manifest[f] = JSON.parse(readFileSync(join(RUN_DIR, f.replace(/\.png$/, '.json')), 'utf8'));
    }
    writeFileSync(join(DOCS_DIR, 'screenshots.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`docs/screenshots: the ${taken.length} pictures of this passing run of every browser test.`);
  }

  getLastError() {
    return this.error;
  }
}
