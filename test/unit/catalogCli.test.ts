/**
 * `npm run catalog -- import|rules <file>` against a stand-in of the service (an HTTP server that records
 * what it gets and answers what each test gives it): the method, path and query, content type and length,
 * the body byte for byte (streamed: the CSV is never read whole), the operator's token (verified with the
 * dev key), the answer printed readably, and the exit codes of a refusal, a usage error and no service.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, jwtVerify } from 'jose';
import { generateMicrosoftTable } from '../../bench/lib/microsoftTableFixture';
import { AppRole } from '../../shared/domain/roles';

// the CLI streams a CSV: readFileSync is watched to show it never reads one whole
jest.mock('node:fs', () => {
  const actual = jest.requireActual<typeof import('node:fs')>('node:fs');
  return { ...actual, readFileSync: jest.fn(actual.readFileSync) };
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { devKey, mintDevToken, DEV_CLIENT } = require('../../local/devTokens') as typeof import('../../local/devTokens');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runCatalogCli, readableAnswer } = require('../../local/catalog') as typeof import('../../local/catalog');

const DEMO = join(__dirname, '..', '..', 'local', 'catalog');
const OPERATOR_TENANT = process.env.OPERATOR_TENANT_ID!;

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  chunks: number;
}

let server: Server;
let api: string;
let received: Received[] = [];
let answer: { status: number; body: string; type?: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks), chunks: chunks.length });
      res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  answer = { status: 200, body: '{}' };
  jest.mocked(fs.readFileSync).mockClear();
});

async function run(args: string[], env: Record<string, string> = {}, cwd = DEMO) {
  const out: string[] = [];
  const err: string[] = [];
  const operatorToken = () =>
    mintDevToken({ role: 'Operator', tenantId: OPERATOR_TENANT, issuer: process.env.AUTH_ISSUER!, audience: process.env.AUTH_AUDIENCE!.split(',')[0] });
  const code = await runCatalogCli(args, { cwd, env: { LICENSE_API: api, ...env }, out: (l) => out.push(l), err: (l) => err.push(l), operatorToken });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function verifiedClaims(authorization: string | undefined) {
  const key = await devKey();
  const { payload } = await jwtVerify(authorization!.replace(/^Bearer /, ''), await importJWK(key.publicJwk, 'RS256'), {
    issuer: process.env.AUTH_ISSUER!.replace('{tenantid}', OPERATOR_TENANT),
    audience: process.env.AUTH_AUDIENCE!.split(',')[0],
  });
  return payload;
}

describe('npm run catalog -- import', () => {
  test("posts the file as text/csv to /v1.0/catalog/import with the operator's token; --dry-run and --replace as the query", async () => {
    answer = {
      status: 200,
      body: JSON.stringify({
        dryRun: true,
        changed: true,
        version: null,
        products: { added: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', displayName: 'Office 365 E3' }], renamed: [], removed: [] },
      }),
    };
    const { code, out, err } = await run(['import', 'demo-products.csv', '--dry-run', '--replace']);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(received).toHaveLength(1);
    const [r] = received;
    const file = jest.requireActual<typeof import('node:fs')>('node:fs').readFileSync(join(DEMO, 'demo-products.csv'));
    expect({ method: r.method, url: r.url, type: r.headers['content-type'], length: r.headers['content-length'] }).toEqual({
      method: 'POST',
      url: '/api/v1.0/catalog/import?dryRun=true&mode=replace',
      type: 'text/csv',
      length: String(file.length),
    });
    expect(r.body.equals(file)).toBe(true); // byte for byte, the BOM too
    const claims = await verifiedClaims(r.headers.authorization);
    expect(claims).toMatchObject({ tid: OPERATOR_TENANT, idtyp: 'app', azp: DEV_CLIENT.operator, roles: [AppRole.TenantsManage] });
    expect(out.split('\n')).toEqual([
      `POST ${api}/v1.0/catalog/import?dryRun=true&mode=replace (${join(DEMO, 'demo-products.csv')}, ${file.length} bytes)`,
      'Dry run: nothing was changed. This is what the import would do:',
      'products:',
      '  added (1):',
      '    - Office 365 E3 (6fd2c87f-b296-42f0-b197-1e91e994b900)',
      '  renamed: none',
      '  removed: none',
    ]);
  });

  test('without options: no query; the version made, renames, notes and long lists printed readably', async () => {
    const plans = Array.from({ length: 25 }, (_, i) => ({
      servicePlanId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      servicePlanName: `PLAN_${i}`,
    }));
    answer = {
      status: 200,
      body: JSON.stringify({
        version: 3,
        products: { added: 0, renamed: [{ skuId: 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', from: 'Microsoft Teams Phone', to: 'Microsoft 365 Phone System' }] },
        servicePlans: { added: plans },
        notes: [
          {
            code: 'duplicateRows',
            message: 'Rows that repeat an earlier row (once tidied) were read once.',
            count: 4,
            examples: ['line 1624 repeats line 1617'],
          },
        ],
      }),
    };
    const { code, out } = await run(['import', join(DEMO, 'demo-products.csv')]);
    expect(code).toBe(0);
    expect(received[0].url).toBe('/api/v1.0/catalog/import');
    const lines = out.split('\n').slice(1);
    expect(lines.slice(0, 7)).toEqual([
      'Made catalog version 3.',
      'products:',
      '  added: 0',
      '  renamed (1):',
      '    - e43b5b99-8dfb-405f-9987-dc307f34bcbd: Microsoft Teams Phone -> Microsoft 365 Phone System',
      'servicePlans:',
      '  added (25):',
    ]);
    expect(lines).toContain('    - PLAN_19 (00000000-0000-4000-8000-000000000019)');
    expect(lines).not.toContain('    - PLAN_20 (00000000-0000-4000-8000-000000000020)');
    expect(lines).toContain('    ... and 5 more (--json prints all)');
    expect(lines.slice(-2)).toEqual(['notes (1):', '  - Rows that repeat an earlier row (once tidied) were read once. (4) e.g. line 1624 repeats line 1617']);
  });

  test("the service's own answer (published, version, previousVersion, summary): made, no change, and a dry run's next version", async () => {
    const summary = (n: number) => ({
      productsAdded: n,
      productsRemoved: 0,
      productsRenamed: 0,
      productsChanged: 0,
      plansAdded: 0,
      plansRemoved: 0,
      plansRenamed: 0,
      rulesChanged: 0,
    });
    const say = async (body: object, args: string[] = []) => {
      answer = { status: 200, body: JSON.stringify(body) };
      return (await run(['import', 'demo-products.csv', ...args])).out.split('\n');
    };
    expect((await say({ published: true, dryRun: false, version: 4, previousVersion: 3, summary: summary(620) }))[1]).toBe('Made catalog version 4.');
    const same = await say({ published: false, dryRun: false, version: 4, previousVersion: 4, summary: summary(0) });
    expect(same[1]).toBe('No change: the catalog already says what this file says.');
    expect(same.join('\n')).not.toMatch(/published|previousVersion/);
    expect((await say({ published: false, dryRun: true, version: 3, previousVersion: 3, summary: summary(620) }, ['--dry-run'])).slice(1, 3)).toEqual([
      'Dry run: nothing was changed. This is what the import would do:',
      'Would make catalog version 4.',
    ]);
    expect((await say({ published: false, dryRun: true, version: 4, previousVersion: 4, summary: summary(0) }, ['--dry-run']))[2]).toBe(
      'No change: the catalog already says what this file says.',
    );
  });

  test('"no change", and --json prints the answer as it is', async () => {
    answer = { status: 200, body: '{"version":null,"changed":false}' };
    expect((await run(['import', 'demo-products.csv'])).out.split('\n')[1]).toBe('No change: the catalog already says what this file says.');
    expect((await run(['import', 'demo-products.csv', '--json'])).out.split('\n')[1]).toBe('{"version":null,"changed":false}');
  });

  test('streams the file: a full-size table (about 1 MB) arrives whole, in many chunks, and is never read whole by the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-cli-'));
    const bytes = generateMicrosoftTable().bytes;
    writeFileSync(join(dir, 'Product names and service plan identifiers for licensing.csv'), bytes);
    const { code } = await run(['import', 'Product names and service plan identifiers for licensing.csv'], {}, dir);
    expect(code).toBe(0);
    expect(received[0].body.equals(bytes)).toBe(true);
    expect(received[0].chunks).toBeGreaterThan(1);
    expect(jest.mocked(fs.readFileSync).mock.calls.filter(([p]) => String(p).endsWith('.csv'))).toEqual([]);
  });

  test("a refusal: the service's error (code, message, target, details) on stderr, exit 1", async () => {
    answer = {
      status: 400,
      body: JSON.stringify({
        error: {
          code: 'invalidCatalogFile',
          message: 'Line 3: GUID "x" is not a GUID.',
          target: 'GUID',
          details: [{ code: 'invalidCatalogFile', message: 'the first', target: 'line 3' }],
          innerError: {},
        },
      }),
    };
    const { code, out, err } = await run(['import', 'demo-products.csv']);
    expect(code).toBe(1);
    expect(out).not.toMatch(/Made|No change/);
    expect(err.split('\n')).toEqual([
      'The service refused (400 invalidCatalogFile): Line 3: GUID "x" is not a GUID.',
      '  target: GUID',
      '  - invalidCatalogFile: the first (line 3)',
    ]);
    answer = { status: 502, body: 'Bad Gateway', type: 'text/plain' };
    const gateway = await run(['import', 'demo-products.csv']);
    expect([gateway.code, gateway.err]).toEqual([1, 'The service answered 502: Bad Gateway']);
  });

  test('LICENSE_API_TOKEN, when set, is the token sent (a deployed service)', async () => {
    await run(['import', 'demo-products.csv'], { LICENSE_API_TOKEN: 'a-real-operator-token' });
    expect(received[0].headers.authorization).toBe('Bearer a-real-operator-token');
  });
});

describe('npm run catalog -- rules', () => {
  test('posts the rules document as application/json to /v1.0/catalog/rules', async () => {
    answer = { status: 200, body: '{"version":4}' };
    const { code, out } = await run(['rules', 'demo-rules.json']);
    expect(code).toBe(0);
    const file = jest.requireActual<typeof import('node:fs')>('node:fs').readFileSync(join(DEMO, 'demo-rules.json'));
    expect({ method: received[0].method, url: received[0].url, type: received[0].headers['content-type'] }).toEqual({
      method: 'POST',
      url: '/api/v1.0/catalog/rules',
      type: 'application/json',
    });
    expect(received[0].body.equals(file)).toBe(true);
    expect((await verifiedClaims(received[0].headers.authorization)).roles).toEqual([AppRole.TenantsManage]);
    expect(out.split('\n')[1]).toBe('Made catalog version 4.');
  });

  test('a file that is not JSON is not sent: exit 2', async () => {
    const { code, err } = await run(['rules', 'demo-products.csv']);
    expect(code).toBe(2);
    expect(err).toMatch(/demo-products\.csv is not JSON/);
    expect(received).toEqual([]);
  });
});

describe('npm run catalog: usage and reach', () => {
  test.each([
    [[], /no command/],
    [['export', 'x.csv'], /unknown command 'export'/],
    [['import'], /name the file to import/],
    [['import', 'a.csv', 'b.csv'], /one file at a time/],
    [['import', 'demo-products.csv', '--force'], /Unknown option '--force'/],
    [['rules', 'demo-rules.json', '--dry-run'], /options of import/],
    [['import', 'no-such-file.csv'], /No file .*no-such-file\.csv/],
  ])('%j: exit 2, nothing sent', async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(received).toEqual([]);
  });

  test('--help prints the usage, exit 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/npm run catalog -- import <file\.csv> \[--dry-run\] \[--replace\]/);
  });

  test('no service there: says so and where, exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, err } = await run(['import', 'demo-products.csv'], { LICENSE_API: `http://127.0.0.1:${port}/api` });
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`Could not reach the service at http://127.0.0.1:${port}/api: .*ECONNREFUSED.* Is it running \\(npm start\\)\\?`));
  });
});

test('readableAnswer: a product or plan by name and id, a rename as from -> to, nested summaries indented', () => {
  expect(
    readableAnswer({
      version: { version: 7, createdDateTime: '2026-01-01T00:00:00Z' },
      organizations: { affected: 2 },
      renamed: [{ from: { servicePlanId: 'p1', servicePlanName: 'A' }, to: { servicePlanId: 'p1', servicePlanName: 'B' } }],
    }),
  ).toEqual([
    'Made catalog version 7.',
    'version:',
    '  version: 7',
    '  createdDateTime: 2026-01-01T00:00:00Z',
    'organizations:',
    '  affected: 2',
    'renamed (1):',
    '  - A (p1) -> B (p1)',
  ]);
});
