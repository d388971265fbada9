/**
 * The README is the entry and docs/ the manual, so a reader moves between them by links: every relative link
 * and image of README.md, docs/*.md, infra/README.md and local/catalog/README.md must lead to a file that
 * exists, and every `#anchor` (on the same page or another) to a heading of the target page, with the anchor
 * GitHub gives that heading: its text lowercased, punctuation other than '-' and '_' removed, each space a
 * '-', and the second, third ... heading of the same anchor suffixed -1, -2 (an `<a id>`/`<a name>` counts
 * too). Links inside code blocks and code spans are text, not links, and are not checked; absolute URLs are
 * left to the reader. Each docs page starts with its title and a link back to the README, whose
 * Documentation section lists every page.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The pages whose links are checked, relative to `root`. */
function pagesOf(root: string): string[] {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  return ['README.md', ...docs, 'infra/README.md', 'local/catalog/README.md'].filter((p) => existsSync(join(root, p)));
}

/** The text outside fenced code blocks, fenced lines blanked (so offsets keep their line numbers). */
function withoutFences(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      if (fence === undefined && open) {
        fence = open[1];
        return '';
      }
      if (fence !== undefined) {
        if (new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(line)) fence = undefined;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** Code spans blanked (a span may wrap onto the next line), newlines kept. */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)[\s\S]*?\1/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** The anchor GitHub gives a heading's text (before the -1, -2 of repeated ones). */
export function githubAnchor(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link or image: its text
    .replace(/<[^>]+>/g, '') // HTML tags
    .split(/(`+[^`]*`+)/) // emphasis markers go outside code spans only (`A_B` keeps its '_')
    .map((part, i) => (i % 2 ? part : part.replace(/(^|[^\p{L}\p{N}])_+([^_]+?)_+(?=[^\p{L}\p{N}]|$)/gu, '$1$2')))
    .join('');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page has: its headings' (repeated ones -1, -2, ...) and explicit `<a id>`/`<a name>`. */
export function anchorsOf(markdown: string): Set<string> {
  const text = withoutFences(markdown);
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of text.split('\n')) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (!heading) continue;
    const base = githubAnchor(heading[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  for (const m of withoutCodeSpans(text).matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

interface Link {
  target: string;
  line: number;
}

/** The links and images of a page (inline, reference definitions, HTML src/href), outside code. */
export function linksOf(markdown: string): { links: Link[]; undefinedReferences: Link[] } {
  const text = withoutCodeSpans(withoutFences(markdown));
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const links: Link[] = [];
  for (const m of text.matchAll(/!?\[(?:[^[\]]|\[[^[\]]*\])*\]\(\s*<?([^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g))
    links.push({ target: m[1], line: lineAt(m.index) });
  const definitions = new Set<string>();
  for (const m of text.matchAll(/^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s|$)/gm)) {
    definitions.add(m[1].toLowerCase());
    links.push({ target: m[2], line: lineAt(m.index) });
  }
  for (const m of text.matchAll(/<(?:a|img)\s[^>]*\b(?:href|src)="([^"]+)"/g)) links.push({ target: m[1], line: lineAt(m.index) });
  const undefinedReferences: Link[] = [];
  for (const m of text.matchAll(/\[((?:[^[\]]|\[[^[\]]*\])+)\]\[([^\]]*)\]/g)) {
    const label = (m[2] || m[1]).toLowerCase();
    if (!definitions.has(label)) undefinedReferences.push({ target: `[${m[2] || m[1]}]`, line: lineAt(m.index) });
  }
  return { links, undefinedReferences };
}

/** What is wrong with the pages' links, one line each ("page:line: target: why"); empty when every link leads somewhere. */
export function brokenLinks(root: string, pages: string[]): string[] {
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(file, 'utf8')));
    return anchorCache.get(file)!;
  };
  const problems: string[] = [];
  for (const page of pages) {
    const file = join(root, page);
    const { links, undefinedReferences } = linksOf(readFileSync(file, 'utf8'));
    for (const ref of undefinedReferences) problems.push(`${page}:${ref.line}: ${ref.target}: a reference link with no definition`);
    for (const { target, line } of links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:, ...
      const hash = target.indexOf('#');
      const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const to = path === '' ? file : path.startsWith('/') ? join(root, path) : resolve(dirname(file), path);
      const where = `${page}:${line}: ${target}`;
      if (!existsSync(to)) {
        problems.push(`${where}: no such file (${relative(root, to)})`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!to.endsWith('.md') || !statSync(to).isFile()) {
        if (!/^L\d+(-L\d+)?$/.test(anchor)) problems.push(`${where}: an anchor into ${relative(root, to)}, which has no headings`);
        continue;
      }
      if (!anchors(to).has(anchor))
        problems.push(`${where}: ${relative(root, to)} has no heading with the anchor #${anchor} (it has: ${[...anchors(to)].join(', ')})`);
    }
  }
  return problems;
}

test('GitHub heading anchors: lowercase, punctuation but - and _ removed, spaces to -', () => {
  expect(githubAnchor('Provisioning from Entra ID or Okta (SCIM 2.0)')).toBe('provisioning-from-entra-id-or-okta-scim-20');
  expect(githubAnchor('Reports: what licenses cost and who does not use them')).toBe('reports-what-licenses-cost-and-who-does-not-use-them');
  expect(githubAnchor('Reclaim policy: immediate or ask first')).toBe('reclaim-policy-immediate-or-ask-first');
  expect(githubAnchor('`LICENSE_GROUP_COMMIT` and **group commit**')).toBe('license_group_commit-and-group-commit');
  expect(githubAnchor('The [catalog](catalog.md), *new* — Dutch: één')).toBe('the-catalog-new--dutch-één');
  expect(githubAnchor('Giant tenants, on paper')).toBe('giant-tenants-on-paper');
});

test('repeated headings get -1, -2; headings in code blocks are not headings', () => {
  const page = ['# Limits', '## Seats', '```bash', '# Seats', '```', '## Seats', '### Seats', '<a id="kept"></a>'].join('\n');
  expect([...anchorsOf(page)]).toEqual(['limits', 'seats', 'seats-1', 'seats-2', 'kept']);
});

test('the check fails on a missing file, a missing image, a wrong anchor on the same page or another, and an undefined reference', () => {
  const root = mkdtempSync(join(tmpdir(), 'docs-links-'));
  try {
    mkdirSync(join(root, 'docs', 'screenshots'), { recursive: true });
    writeFileSync(join(root, 'docs', 'screenshots', 'there.png'), '');
    writeFileSync(
      join(root, 'README.md'),
      [
        '# Service',
        '## Two commands',
        '[ok](docs/a.md#the-api) [ok](#two-commands) [ok](docs/a.md) ![ok](docs/screenshots/there.png) [web](https://example.com/x#y)',
        '[gone](docs/gone.md) ![gone](docs/screenshots/gone.png) [bad anchor](docs/a.md#the-apis) [bad here](#two-command)',
        'In code, not a link: `[x](docs/nothing.md)`',
        '```md',
        '[x](docs/nothing.md)',
        '```',
        '[defined][api] [undefined][nowhere]',
        '',
        '[api]: docs/a.md#errors-1',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'docs', 'a.md'),
      ['# The API', '## Errors', '## Errors', '[back](../README.md#two-commands) ![ok](screenshots/there.png) ![wrong](docs/screenshots/there.png)'].join('\n'),
    );
    expect(brokenLinks(root, pagesOf(root)).map((p) => p.replace(/ \(it has: .*\)$/, ''))).toEqual([
      'README.md:9: [nowhere]: a reference link with no definition',
      'README.md:4: docs/gone.md: no such file (docs/gone.md)',
      'README.md:4: docs/screenshots/gone.png: no such file (docs/screenshots/gone.png)',
      'README.md:4: docs/a.md#the-apis: docs/a.md has no heading with the anchor #the-apis',
      'README.md:4: #two-command: README.md has no heading with the anchor #two-command',
      'docs/a.md:4: docs/screenshots/there.png: no such file (docs/docs/screenshots/there.png)',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('every relative link and image of the README and docs/ leads to a file that exists and a heading that is there', () => {
  const pages = pagesOf(ROOT);
  expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/errors.md', 'infra/README.md', 'local/catalog/README.md']));
  expect(brokenLinks(ROOT, pages)).toEqual([]);
});

test('each docs page starts with its title and a link back to the README, whose Documentation lists every page', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const documentation = /^## Documentation\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const docs = pagesOf(ROOT).filter((p) => p.startsWith('docs/'));
  expect(docs.length).toBeGreaterThan(10);
  for (const page of docs) {
    const [title, , back] = readFileSync(join(ROOT, page), 'utf8').split('\n');
    expect({ page, title: /^# \S/.test(title), back: back.includes('(../README.md') }).toEqual({ page, title: true, back: true });
    expect({ page, listed: documentation.includes(`](${page})`) }).toEqual({ page, listed: true });
  }
});
