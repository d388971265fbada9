/**
 * Node.js 22 is the runtime: package.json's engines.node, the check `npm start` and `npm test` run first
 * (local/checkNode.cjs), the README's first command and the Bicep's Functions runtime say the same version.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };
const { nodeProblem } = createRequire(__filename)('../../local/checkNode.cjs') as { nodeProblem: (version: string, range: string) => string | undefined };

test('engines.node asks for Node.js 22.12 or later (22 cannot require() an ES module such as jose 6 before 22.12)', () => {
  expect(pkg.engines.node).toBe('>=22.12');
});

test('the check refuses an older Node.js with the version needed and the way to get it, and lets 22.12 and later through', () => {
  for (const old of ['v20.20.2', 'v21.7.3', 'v22.11.0', 'v18.0.0']) {
    const problem = nodeProblem(old, '>=22.12');
    expect(problem).toContain(`this is Node.js ${old}`);
    expect(problem).toContain('Node.js 22.12 or later');
    expect(problem).toContain('export PATH="$(bash .ci/get-node):$PATH"');
    expect(problem).toContain('nvm install 22');
  }
  for (const ok of ['v22.12.0', 'v22.23.5', 'v23.0.0', 'v24.1.0', '22.12.1']) expect(nodeProblem(ok, '>=22.12')).toBeUndefined();
  expect(nodeProblem('v22.0.0', '^22')).toMatch(/engines.node must read ">=<version>"/);
});

test('npm start and npm test run the check before anything else, and it passes on the Node.js running these tests', () => {
  for (const script of ['start', 'test']) expect(pkg.scripts[script]).toMatch(/^node local\/checkNode\.cjs && /);
  const run = spawnSync(process.execPath, [join(ROOT, 'local', 'checkNode.cjs')], { encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
});

test("the README's first commands and the Bicep's Functions runtime name the same Node.js", () => {
  const major = /^>=(\d+)/.exec(pkg.engines.node)![1];
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain(`On a fresh clone (Node.js ${major}`);
  const main = readFileSync(join(ROOT, 'infra', 'main.bicep'), 'utf8');
  expect(main).toMatch(new RegExp(`^param nodeVersion string = '${major}'$`, 'm'));
});
