/**
 * Launcher for the local Cosmos DB emulator (@vercel/cosmosdb-server), used instead of its `cosmosdb-server`
 * bin by emulators.ts:   node dist/local/cosmosEmulator.js --port N [--host H]
 *
 * Why this exists (fidelity, not features):
 * - On Cosmos DB a conditional patch (`patch({ condition: 'from c where …', operations })`) is a point
 *   operation: the condition is a predicate on the ONE document being patched. The emulator (1.0.1,
 *   lib/handler/_patch-operations.js `patchOperation`) instead runs the condition as a query
 *   `SELECT * FROM c WHERE c.id = @id AND (…)` over every document of the container, all tenants and
 *   partitions, so each conditional patch costs O(container size): the app's seat reservation and job
 *   progress patches got slower as data grew (39/s at 4,000 documents against 4,880/s for a plain patch),
 *   which no real account does. It also lower-cased the whole condition text before running it (string
 *   literals and field names included), which Cosmos DB does not do either.
 *   Here `patchOperation` is replaced on the module object the handler calls it through
 *   (lib/handler/patch-document.js calls `(0, _patch_operations_1.patchOperation)(…)`, i.e. looks it up on
 *   the required module's exports at call time): the condition is evaluated with the emulator's own query
 *   engine (@zeit/cosmosdb-query, through the collection's compiled-query cache) against [that document]
 *   only, as written (no lower-casing; keywords and system functions are case-insensitive in the engine
 *   as on Cosmos DB). When it does not hold the answer is the emulator's own 412 body; when the condition
 *   is not valid, the emulator's own 400 body; otherwise the original `patchOperation` runs with the
 *   condition removed, so 404, If-Match, the patch operations themselves, validation and the write are
 *   exactly the emulator's. Patches without a condition go straight to the original. The condition's
   string literals are passed as parameters (withLiteralParameters), so that one compiled query serves
   every patch of its form, whatever date or id it names.
 * - The emulator's CLI answers every request with `Connection: close`, so the SDK opened a TCP connection
 *   per request. The server is started through the package API with `keepAlive: true` instead (the
 *   option the API has for this), as a Cosmos DB gateway keeps connections open.
 * Nothing else changes: same routes, handlers, storage (in memory), key handling and responses.
 */
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { Server } from 'node:http';
import { Readable } from 'node:stream';

/** The emulator's collection object, as far as this file uses it (lib/account/collection.js). */
interface EmulatorCollection {
  document(id: string, partitionKey: unknown): { read(): Record<string, unknown> | undefined | null };
  documents: {
    /** Compiled-query cache of the emulator (LRU of 100) around @zeit/cosmosdb-query. */
    _getQuery?(sql: string): CompiledQuery;
    _userDefinedFunctions?(): Record<string, unknown> | null;
  };
}
interface CompiledQuery {
  exec(docs: object[], options?: { parameters?: { name: string; value: unknown }[]; udf?: Record<string, unknown> | null }): { result: unknown[] };
}
interface PatchInput {
  id: string;
  partitionKey: string | undefined;
  ifMatch?: string;
  operations: unknown[];
  condition?: string;
}
interface PatchResult {
  statusCode: number;
  body: unknown;
}
type PatchOperation = (collection: EmulatorCollection, input: PatchInput) => PatchResult;

/** The emulator's answers, verbatim from _patch-operations.js. */
const CONDITION_NOT_MET: PatchResult = {
  statusCode: 412,
  body: { code: 'PreconditionFailed', message: 'Condition specified in the patch request is not satisfied.' },
};
const INVALID_CONDITION: PatchResult = {
  statusCode: 400,
  body: { code: 'BadRequest', message: 'Invalid condition in patch request.' },
};

/**
 * The condition as a query over one document. Cosmos DB's format is `from <alias> where <predicate>`;
 * a bare `where <predicate>` and a full `select …` are accepted as the emulator accepted them.
 */
export function conditionQuery(condition: string): string {
  const text = condition.trim();
  if (/^select\b/i.test(text)) return text;
  if (/^from\b/i.test(text)) return `SELECT * ${text}`;
  if (/^where\b/i.test(text)) return `SELECT * FROM c ${text}`;
  return `SELECT * FROM c WHERE (${text})`;
}

let engine: ((sql: string) => CompiledQuery) | undefined;
function compile(collection: EmulatorCollection, sql: string): CompiledQuery {
  const docs = collection.documents;
  if (typeof docs._getQuery === 'function') return docs._getQuery(sql);
  // the engine the emulator itself depends on (resolved from its package, so the same version)
  const enginePath = require.resolve('@zeit/cosmosdb-query', { paths: [dirname(require.resolve('@vercel/cosmosdb-server'))] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from another package's folder at run time
  engine ??= (require(enginePath) as { default: (sql: string) => CompiledQuery }).default;
  return engine(sql);
}

/**
 * The query with its single-quoted string literals taken out as parameters (`@literal0`, ...; a literal
 * with an escape stays in place). Cosmos DB evaluates a patch condition on its one document at no cost
 * that depends on the condition's text; the emulator's engine compiles each distinct query text (about
 * 60 ms on a busy 2-core machine) and keeps the last 100 compiled, so a condition naming a time (a
 * sign-in's date, moved forward only) was compiled anew by every patch and each such patch cost the
 * emulator tens of milliseconds. With its literals as parameters the text repeats and the compiled query
 * is reused; the values compared are the same.
 */
export function withLiteralParameters(sql: string): { sql: string; parameters: { name: string; value: string }[] } {
  const parameters: { name: string; value: string }[] = [];
  let out = '';
  for (let i = 0; i < sql.length;) {
    const quote = sql[i];
    if (quote !== "'" && quote !== '"') {
      out += sql[i++];
      continue;
    }
    let j = i + 1;
    while (j < sql.length && sql[j] !== quote) j += sql[j] === '\\' ? 2 : 1;
    const literal = sql.slice(i, j + 1);
    const value = literal.slice(1, -1);
    // double-quoted names a property (c.seat.holds["..."]); an escaped literal is left to the engine
    if (quote === "'" && j < sql.length && !value.includes('\\')) {
      const name = `@literal${parameters.length}`;
      parameters.push({ name, value });
      out += name;
    } else out += literal;
    i = j + 1;
  }
  return { sql: out, parameters };
}

/** Whether `condition` holds for `doc`, evaluated on that document alone. Throws when the condition is invalid. */
export function conditionHolds(collection: EmulatorCollection, condition: string, doc: Record<string, unknown>): boolean {
  const udf = collection.documents._userDefinedFunctions?.() ?? undefined;
  const { sql, parameters } = withLiteralParameters(conditionQuery(condition));
  const { result } = compile(collection, sql).exec([doc], { parameters: [{ name: '@id', value: doc.id }, ...parameters], udf });
  return result.length > 0;
}

/** Replaces the emulator's patchOperation by the point-evaluated one. Idempotent. */
export function installPointConditionPatch(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('@vercel/cosmosdb-server/lib/handler/_patch-operations') as { patchOperation: PatchOperation & { pointCondition?: true } };
  if (mod.patchOperation.pointCondition) return;
  const original = mod.patchOperation;
  const patched: PatchOperation & { pointCondition?: true } = (collection, input) => {
    if (!input.condition) return original(collection, input);
    // Same lookup as the original (it throws on a malformed partition key header the same way).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const header = require('@vercel/cosmosdb-server/lib/utils/get-partition-from-header') as {
      parsePartitionKey(this: void, header: string | undefined, fallback: string): unknown;
    };
    const doc = collection.document(input.id, header.parsePartitionKey(input.partitionKey, input.id)).read();
    // missing document or stale If-Match: the original answers (404 / 412), the condition never runs
    if (!doc || (input.ifMatch && input.ifMatch !== doc._etag)) return original(collection, { ...input, condition: undefined });
    let holds: boolean;
    try {
      holds = conditionHolds(collection, input.condition, doc);
    } catch {
      return INVALID_CONDITION;
    }
    if (!holds) return CONDITION_NOT_MET;
    // synchronous from the read above to the write in the original: no other request runs in between
    return original(collection, { ...input, condition: undefined });
  };
  patched.pointCondition = true;
  mod.patchOperation = patched;
}

/**
 * Fault injection for tests of what the app does when Cosmos DB fails (`--faults`, off by default):
 * `POST /_faults {"operation":"replace","collection":"directory","status":429,"count":30,"skip":1}` makes
 * the next `count` matching requests (after `skip` of them; only on documents `ids`, when given) answer
 * `status`; `DELETE /_faults` clears. With `"drop": true` instead of a status, a matching request gets no answer:
 * its connection is closed (what the SDK sees when the network or the service goes away mid-request); a bulk
 * request with a dropped operation is dropped whole, none of it applied.
 * Operations: read, replace, patch, create, upsert, query, delete. Inside a bulk request each operation
 * counts on its own (a Replace of the bulk is a `replace`): a faulted one answers `status` in the bulk's
 * results and is not applied, the others are, as Cosmos DB answers a bulk operation by operation.
 */
interface Fault {
  operation: string;
  collection?: string;
  /** Only operations on these document ids (any document when absent). */
  ids?: string[];
  status: number;
  /** Close the connection instead of answering. */
  drop?: boolean;
  count: number;
  skip?: number;
}

function classify(req: import('node:http').IncomingMessage): { operation: string; collection: string; id?: string } | undefined {
  const m = /^\/dbs\/[^/]+\/colls\/([^/]+)\/docs(\/[^/?]+)?/.exec(req.url ?? '');
  if (!m) return undefined;
  const [, collection, id] = m;
  const method = req.method ?? 'GET';
  if (id)
    return {
      collection,
      id: decodeURIComponent(id.slice(1)),
      operation: method === 'GET' ? 'read' : method === 'PUT' ? 'replace' : method === 'PATCH' ? 'patch' : 'delete',
    };
  if (req.headers['x-ms-documentdb-isquery']) return { collection, operation: 'query' };
  return { collection, operation: /true/i.test(String(req.headers['x-ms-documentdb-is-upsert'] ?? '')) ? 'upsert' : 'create' };
}

export function installFaults(server: Server): void {
  const faults: Fault[] = [];
  const handlers = server.listeners('request') as ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (req.url === '/_faults') {
      if (req.method === 'DELETE') {
        faults.splice(0);
        res.writeHead(204).end();
        return;
      }
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        faults.push(JSON.parse(body) as Fault);
        res.writeHead(201).end();
      });
      return;
    }
    if (/true/i.test(String(req.headers['x-ms-cosmos-is-batch-request'] ?? ''))) {
      bulkWithFaults(req, res, faults, (r, w) => {
        for (const h of handlers) h.call(server, r, w);
      });
      return;
    }
    const op = classify(req);
    const fault = op && takeFault(faults, op.operation, op.collection, op.id);
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault) {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', 'x-ms-retry-after-ms': '1', 'x-ms-activity-id': 'fault' });
      res.end(JSON.stringify({ code: fault.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', message: 'injected fault' }));
      return;
    }
    for (const h of handlers) h.call(server, req, res);
  });
}

/** The fault an operation takes, if one matches (a skip used up first); consumes it. */
function takeFault(faults: Fault[], operation: string, collection: string, id?: string): Fault | undefined {
  const fault = faults.find(
    (f) => f.count > 0 && f.operation === operation && (!f.collection || f.collection === collection) && (!f.ids || (!!id && f.ids.includes(id))),
  );
  if (!fault) return undefined;
  if (fault.skip && fault.skip > 0) {
    fault.skip--;
    return undefined;
  }
  fault.count--;
  return fault;
}

/** A bulk request with per-operation faults: the faulted operations answer their status, the rest go to the emulator. */
function bulkWithFaults(
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
  faults: Fault[],
  forward: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void,
): void {
  const collection = /^\/dbs\/[^/]+\/colls\/([^/]+)\/docs/.exec(req.url ?? '')?.[1] ?? '';
  const chunks: Buffer[] = [];
  req.on('data', (d: Buffer) => chunks.push(d));
  req.on('end', () => {
    let ops: { operationType?: string; id?: string; resourceBody?: { id?: string } }[];
    try {
      ops = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof ops;
    } catch {
      ops = [];
    }
    const faulted = Array.isArray(ops)
      ? ops.map((o) => takeFault(faults, String(o?.operationType ?? '').toLowerCase(), collection, o?.id ?? o?.resourceBody?.id))
      : [];
    if (faulted.some((f) => f?.drop)) {
      req.socket.destroy();
      return;
    }
    const kept = Array.isArray(ops) ? ops.filter((_, i) => !faulted[i]) : ops;
    const body = Buffer.from(JSON.stringify(kept));
    const fake = Object.assign(Readable.from([body]), {
      headers: { ...req.headers, 'content-length': String(body.length) },
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
    });
    if (!faulted.some(Boolean)) {
      forward(fake as unknown as import('node:http').IncomingMessage, res);
      return;
    }
    // merge the emulator's answers for the kept operations with the faulted ones, in the request's order
    const end = res.end.bind(res);
    res.end = ((chunk?: unknown) => {
      let answered: unknown[] = [];
      try {
        answered = JSON.parse(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : typeof chunk === 'string' ? chunk : '[]') as unknown[];
      } catch {
        /* not a list: answer the faults alone */
      }
      const merged = faulted.map((f) => (f ? { statusCode: f.status, requestCharge: 0, retryAfterMilliseconds: 1 } : answered.shift()));
      return end(JSON.stringify(merged));
    }) as typeof res.end;
    forward(fake as unknown as import('node:http').IncomingMessage, res);
  });
}

function parseArgs(argv: string[]): { port: number; host?: string; faults?: boolean } {
  let port = 8081;
  let host: string | undefined;
  let faults = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--port' || flag === '-p') port = Number(value());
    else if (flag === '--host') host = value();
    else if (flag === '--faults') faults = true;
    else if (flag === '-h' || flag === '--help') {
      console.log('usage: node dist/local/cosmosEmulator.js [--port N (default 8081)] [--host H]   (plain HTTP, keep-alive)');
      process.exit(0);
    } else {
      console.error(`unknown argument ${argv[i]}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port needs a port number`);
    process.exit(2);
  }
  return { port, host, faults };
}

/** The generated start of every query: the container's documents wrapped one by one by copying the array (O(n^2)). */
const QUADRATIC_SCAN = /\.reduce\(\(\$, (\w+)\) => typeof \1 !== "undefined" \? \[\.\.\.\$, \{\s*\1: \1\s*\}\] : \$, \[\]\)/g;

/**
 * Fidelity, as the point conditions: the emulator's query engine (@zeit/cosmosdb-query) starts every query
 * by wrapping the container's documents one by one while copying the whole array each time, so a query
 * got quadratically slower as the container grew (3.2 s at 21,000 documents); Cosmos DB's query cost grows
 * with what the query reads, not with its square. The engine's generated code gets that one pattern
 * rewritten to the equivalent linear filter + map; parsing, filtering, sorting, paging and continuation
 * stay the engine's own.
 */
export function installLinearQueryScan(): void {
  const server = require.resolve('@vercel/cosmosdb-server');
  const executorPath = require.resolve('@zeit/cosmosdb-query/lib/executor', { paths: [server] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const executor = require(executorPath) as { default: ((collection: unknown[], o: { code: string }) => unknown) & { linear?: true } };
  if (executor.default.linear) return;
  const original = executor.default;
  const linear = Object.assign(
    (collection: unknown[], o: { code: string }) =>
      original(collection, {
        ...o,
        code: o.code.replace(QUADRATIC_SCAN, (_: string, a: string) => `.filter((${a}) => typeof ${a} !== "undefined").map((${a}) => ({ ${a}: ${a} }))`),
      }),
    { linear: true as const },
  );
  executor.default = linear;
}

export function startCosmosEmulator(o: { port: number; host?: string; faults?: boolean }): Promise<Server> {
  installPointConditionPatch();
  installLinearQueryScan();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHttpServer } = require('@vercel/cosmosdb-server') as typeof import('@vercel/cosmosdb-server');
  // keepAlive: the emulator then answers `Connection: keep-alive` (its default is `close`)
  const server = createHttpServer({ keepAlive: true });
  if (o.faults) installFaults(server);
  // longer than the SDK agent keeps an idle socket, so the server never closes one the client is reusing
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

if (require.main === module) {
  const o = parseArgs(process.argv.slice(2));
  startCosmosEmulator(o).then(
    (server) => {
      const { address, port } = server.address() as AddressInfo;
      console.log(`Ready to accept HTTP connections at ${o.host ?? address}:${port} (keep-alive, point-evaluated patch conditions)`);
      const stop = () => {
        server.close(() => process.exit(0));
        server.closeAllConnections();
        setTimeout(() => process.exit(0), 1000).unref();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (e) => {
      console.error(`Cosmos DB emulator could not start: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
