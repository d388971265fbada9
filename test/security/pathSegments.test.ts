/**
 * Second read, finding A1 (medium): every path a request names (the local host's routing, the catch-all's
 * 404/405, each `$batch` request) was split by pathSegments, which first ran the unanchored pattern
 * `/\/+$/` over it: quadratic in a run of slashes (a 16 KB request line of slashes held the event loop for
 * most of a second; a batch of 20 such URLs for seconds). The split now drops empty segments itself.
 *
 * The check runs the built module in a child process with a generous deadline as the failure bound: a linear
 * split of a megabyte of slashes takes milliseconds, the quadratic pattern would take most of an hour.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathSegments } from '../../shared/http/routes';

test('segments as before: decoded, empty ones (doubled, leading, trailing slashes) dropped', () => {
  expect(pathSegments('/api//v1.0/users/a%40b.dev///')).toEqual(['api', 'v1.0', 'users', 'a@b.dev']);
  expect(pathSegments('/users/%E0%A4%A')).toEqual(['users', '%E0%A4%A']);
  expect(pathSegments('////')).toEqual([]);
});

test('a megabyte of slashes is split in one pass (child process, 30 s deadline as the failure bound)', () => {
  const routes = join(__dirname, '..', '..', 'dist', 'shared', 'http', 'routes.js');
  const script = `const { pathSegments } = require(${JSON.stringify(routes)}); process.stdout.write(JSON.stringify(pathSegments('/'.repeat(1_000_000) + 'x' + '/'.repeat(1_000_000))));`;
  const out = execFileSync(process.execPath, ['-e', script], { timeout: 30_000, encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual(['x']);
});
