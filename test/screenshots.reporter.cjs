/**
 * The README's screenshots come from one passing run of the browser tests, so they cannot fall behind the
 * console. The harness saves each picture in .local/screenshots/ with the test that took it; when a run of
 * every browser test passes (`npm test`, or `npm run screenshots` alone), this reporter replaces
 * docs/screenshots/ with that run's pictures (a picture no test takes any more goes), after checking that
 * every image the README and docs/ show was taken in it, and lists them in docs/screenshots/screenshots.json
 * with the test that takes each. Any other run (some files, a filter, a failure) leaves docs/screenshots as
 * it is. A jest reporter, because only it sees the whole run's outcome; plain JavaScript, because jest loads
 * reporters with Node's own require (no ts-jest there), CommonJS so that a unit test can load it too.
 */
const { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join, sep } = require('node:path');

/** The docs/screenshots images the README and the docs/ pages show, each with the pages that show it. */
function shownImages(root) {
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
  ];
  const shown = new Map();
  for (const page of pages)
    for (const m of readFileSync(join(root, page), 'utf8').matchAll(/screenshots\/([\w.-]+\.png)/g))
      shown.set(m[1], [...new Set([...(shown.get(m[1]) ?? []), page.split(sep).join('/')])]);
  return new Map([...shown].sort(([a], [b]) => (a < b ? -1 : 1)));
}

class ScreenshotsReporter {
  /** `options.root`: the repository (a test points it elsewhere). */
  constructor(_globalConfig, options = {}) {
    const root = options.root ?? join(__dirname, '..');
    this.dirs = { root, run: join(root, '.local', 'screenshots'), docs: join(root, 'docs', 'screenshots'), browser: join(root, 'test', 'browser') };
    this.cleared = false;
    this.error = undefined;
  }

  /** Before the run's first browser test: the pictures of an earlier run (of some files) go. */
  onTestFileStart(test) {
    if (this.cleared || !test.path.startsWith(this.dirs.browser + sep)) return;
    rmSync(this.dirs.run, { recursive: true, force: true });
    this.cleared = true;
  }

  onRunComplete(_contexts, results) {
    const { root, run: RUN_DIR, docs: DOCS_DIR, browser: BROWSER_DIR } = this.dirs;
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
    const taken = (existsSync(RUN_DIR) ? readdirSync(RUN_DIR) : []).filter((f) => f.endsWith('.png')).sort();
    const missing = [...shownImages(root)].filter(([name]) => !taken.includes(name));
    if (missing.length) {
      this.error = new Error(
        `${missing.map(([name, pages]) => `${pages.join(' and ')} ${pages.length > 1 ? 'show' : 'shows'} ${name}`).join(', ')} from docs/screenshots, but no browser test took it in this run: take it in a test (screenshot(page, name)) or stop showing it. docs/screenshots was left as it was.`,
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

module.exports = ScreenshotsReporter;
