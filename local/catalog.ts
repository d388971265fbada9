/**
 * `npm run catalog -- import <file.csv> [--dry-run] [--replace] [--json]`: sends Microsoft's table
 * ("Product names and service plan identifiers for licensing.csv", or a file in its format) to the running
 * service's `POST /v1.0/catalog/import` as `text/csv` (`?dryRun=true`, `?mode=replace`), streamed from disk,
 * and prints the service's answer readably: what was added, renamed or removed, the version made or "no
 * change". `npm run catalog -- rules <rules.json> [--json]` sends a rules document to `POST /v1.0/catalog/rules`.
 *
 * The service is LICENSE_API (default http://localhost:7071/api, what `npm start` runs); the token is
 * LICENSE_API_TOKEN when set (a real operator token, for a deployed service), else a dev token of the
 * operator's app, minted as `npm run token -- Operator` does. A refusal (4xx/5xx) prints the service's error
 * (code, message, target, details) and exits 1; a usage error or a file that is not there exits 2.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { parseArgs } from 'node:util';

export const DEFAULT_API = 'http://localhost:7071/api';
const USAGE = `usage: npm run catalog -- import <file.csv> [--dry-run] [--replace] [--json]
       npm run catalog -- rules <rules.json> [--json]
  import   send Microsoft's table "Product names and service plan identifiers for licensing.csv" (or a file in
           its format) to POST /v1.0/catalog/import; --dry-run (?dryRun=true) shows what would change and
           changes nothing, --replace (?mode=replace) makes the file the whole catalog
  rules    send a rules document ({"servicePlans":[{"servicePlanId","conflictsWith","dependsOn","notOfferedIn",
           "isAutoAssigned","apps"}]}) to POST /v1.0/catalog/rules
  --json   print the service's answer as it is
The service: LICENSE_API (default ${DEFAULT_API}); the token: LICENSE_API_TOKEN, else a dev operator token.`;
/** The answer is read whole to print it: a catalog change summary, well under this. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** Items of a list printed before "... and N more". */
const LIST_ITEMS = 20;

export interface CatalogCliIo {
  /** Where relative file names are from (npm runs scripts in the package's folder; INIT_CWD is where npm was run). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  /** The bearer token when LICENSE_API_TOKEN is not set. */
  operatorToken: () => Promise<string>;
  /** Extra CA certificates for https (the local host's dev CA). */
  ca?: string;
}

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

class UsageError extends Error {}

function parse(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean' }, replace: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const [command, file, ...rest] = parsed.positionals;
  const { values } = parsed;
  if (values.help) return undefined;
  if (command !== 'import' && command !== 'rules') throw new UsageError(command ? `unknown command '${command}'` : 'no command');
  if (!file) throw new UsageError(`name the file to ${command === 'import' ? 'import' : 'send'}`);
  if (rest.length) throw new UsageError(`one file at a time (got also ${rest.join(' ')})`);
  if (command === 'rules' && (values['dry-run'] || values.replace)) throw new UsageError('--dry-run and --replace are options of import');
  return { command, file, dryRun: !!values['dry-run'], replace: !!values.replace, json: !!values.json };
}

/** The request to the service, the body streamed in; the answer read whole (it is a summary). */
function send(url: URL, headers: Record<string, string | number>, body: NodeJS.ReadableStream | Buffer, ca?: string): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const https = url.protocol === 'https:';
    const options = { method: 'POST', headers, ...(https && ca ? { ca: [...rootCertificates, ca] } : {}) };
    const onAnswer = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = undefined;
        try {
          parsed = raw ? JSON.parse(raw) : undefined;
        } catch {
          // not JSON: printed as text
        }
        resolvePromise({ status: res.statusCode ?? 0, body: parsed, text: raw });
      });
    };
    const req = https ? httpsRequest(url, options, onAnswer) : httpRequest(url, options, onAnswer);
    req.on('error', reject);
    if (Buffer.isBuffer(body)) req.end(body);
    // the service may answer (and close) before the whole file is sent, a refusal of its first lines: the answer counts, not the pipe
    else pipeline(body, req, () => undefined);
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A value of the answer as text: strings as they are, null as "none", objects as JSON. */
const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null || v === undefined ? 'none' : JSON.stringify(v);

/** One item of a list: a product or plan by its name and id, a rename as from -> to, anything else as JSON. */
function item(v: unknown): string {
  if (!isRecord(v)) return text(v);
  const name = v.displayName ?? v.skuPartNumber ?? v.servicePlanName ?? v.name;
  const id = v.skuId ?? v.servicePlanId ?? v.id;
  if ('from' in v && 'to' in v) return `${typeof id === 'string' ? `${id}: ` : ''}${item(v.from)} -> ${item(v.to)}`;
  const parts = [name, id].filter((x) => typeof x === 'string' || typeof x === 'number');
  if (!parts.length) return JSON.stringify(v);
  const rest = Object.entries(v).filter(([k]) => !['displayName', 'skuPartNumber', 'servicePlanName', 'name', 'skuId', 'servicePlanId', 'id'].includes(k));
  const more = rest.map(([k, x]) => `${k}: ${text(x)}`);
  return `${parts.length === 2 ? `${String(parts[0])} (${String(parts[1])})` : String(parts[0])}${more.length ? `; ${more.join('; ')}` : ''}`;
}

const isNote = (v: unknown) => isRecord(v) && typeof v.code === 'string' && typeof v.message === 'string';

/** The answer as indented lines: lists shortened, notes as sentences, the rest as key: value. */
function describe(key: string, value: unknown, indent: string, lines: string[]) {
  if (Array.isArray(value)) {
    if (!value.length) return void lines.push(`${indent}${key}: none`);
    lines.push(`${indent}${key} (${value.length}):`);
    for (const v of value.slice(0, LIST_ITEMS)) {
      if (isNote(v)) {
        const n = v as { message: string; count?: number; examples?: string[] };
        lines.push(
          `${indent}  - ${n.message}${n.count !== undefined ? ` (${n.count})` : ''}${n.examples?.length ? ` e.g. ${n.examples.slice(0, 2).join('; ')}` : ''}`,
        );
      } else lines.push(`${indent}  - ${item(v)}`);
    }
    if (value.length > LIST_ITEMS) lines.push(`${indent}  ... and ${value.length - LIST_ITEMS} more (--json prints all)`);
  } else if (isRecord(value)) {
    lines.push(`${indent}${key}:`);
    for (const [k, v] of Object.entries(value)) describe(k, v, `${indent}  `, lines);
  } else lines.push(`${indent}${key}: ${text(value)}`);
}

/** A service's answer to an import or a rules document, for a person: what it did (or would do), then the details. */
export function readableAnswer(body: unknown): string[] {
  if (!isRecord(body)) return [text(body)];
  const lines: string[] = [];
  const dryRun = body.dryRun === true;
  if (dryRun) lines.push('Dry run: nothing was changed. This is what the import would do:');
  let version = isRecord(body.version) ? (body.version.version ?? body.version.id) : body.version;
  // the service's answer says `published` (a version was made) and the version in force before (`previousVersion`):
  // a dry run that would change something would make the next one
  const counts = isRecord(body.summary) ? Object.values(body.summary).reduce<number>((n, v) => n + (typeof v === 'number' ? v : 0), 0) : undefined;
  const published = typeof body.published === 'boolean' ? body.published : undefined;
  if (dryRun && published === false && counts && typeof body.previousVersion === 'number') version = body.previousVersion + 1;
  // no change: said outright, or (not in a dry run, which makes no version anyway) no version made
  const unchanged =
    body.changed === false ||
    body.noChange === true ||
    (dryRun ? counts === 0 : published === false) ||
    (!dryRun && published === undefined && 'version' in body && (version === null || version === undefined));
  if (unchanged) lines.push('No change: the catalog already says what this file says.');
  else if (version !== null && version !== undefined) lines.push(`${dryRun ? 'Would make' : 'Made'} catalog version ${text(version)}.`);
  const said = ['dryRun', 'changed', 'noChange', 'published', 'previousVersion', ...(isRecord(body.version) ? [] : ['version'])];
  for (const [k, v] of Object.entries(body)) if (!said.includes(k)) describe(k, v, '', lines);
  return lines;
}

/** A refusal of the service, in Graph's error shape: code, message, target, details. */
function readableError(answer: Answer): string[] {
  const error = isRecord(answer.body) && isRecord(answer.body.error) ? answer.body.error : undefined;
  if (!error) return [`The service answered ${answer.status}: ${answer.text.slice(0, 2000) || '(no body)'}`];
  const lines = [`The service refused (${answer.status} ${text(error.code)}): ${text(error.message)}`];
  if (error.target !== undefined) lines.push(`  target: ${text(error.target)}`);
  if (Array.isArray(error.details))
    for (const d of error.details) lines.push(`  - ${isRecord(d) ? `${text(d.code)}: ${text(d.message)}${d.target ? ` (${text(d.target)})` : ''}` : text(d)}`);
  return lines;
}

/** The command line, run; resolves to the exit code. */
export async function runCatalogCli(args: string[], io: CatalogCliIo): Promise<number> {
  let cmd: ReturnType<typeof parse>;
  try {
    cmd = parse(args);
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!cmd) {
    io.out(USAGE);
    return 0;
  }
  const path = isAbsolute(cmd.file) ? cmd.file : resolve(io.cwd, cmd.file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    io.err(`No file ${path}.`);
    return 2;
  }
  const api = (io.env.LICENSE_API ?? DEFAULT_API).replace(/\/+$/, '');
  const url = new URL(`${api}/v1.0/catalog/${cmd.command === 'import' ? 'import' : 'rules'}`);
  if (cmd.dryRun) url.searchParams.set('dryRun', 'true');
  if (cmd.replace) url.searchParams.set('mode', 'replace');
  let body: NodeJS.ReadableStream | Buffer;
  let type: string;
  if (cmd.command === 'rules') {
    const bytes = readFileSync(path); // a rules document is small JSON: checked here for a clear message before it is sent
    try {
      JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      io.err(`${path} is not JSON: ${(e as Error).message}`);
      return 2;
    }
    body = bytes;
    type = 'application/json';
  } else {
    body = createReadStream(path);
    type = 'text/csv';
  }
  const size = statSync(path).size;
  const token = io.env.LICENSE_API_TOKEN || (await io.operatorToken());
  io.out(`POST ${url.href} (${path}, ${size} bytes)`);
  let answer: Answer;
  try {
    answer = await send(url, { 'content-type': type, 'content-length': size, authorization: `Bearer ${token}`, accept: 'application/json' }, body, io.ca);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(
      `Could not reach the service at ${api}: ${(e as Error).message}.${code === 'ECONNREFUSED' ? ' Is it running (npm start)? LICENSE_API names another address.' : ''}`,
    );
    return 1;
  }
  if (answer.status >= 400) {
    for (const line of readableError(answer)) io.err(line);
    return 1;
  }
  if (cmd.json) io.out(answer.text);
  else for (const line of readableAnswer(answer.body ?? answer.text)) io.out(line);
  return 0;
}

async function main() {
  const root = join(__dirname, '..', '..');
  const cwd = process.env.INIT_CWD ?? process.cwd();
  process.chdir(root);
  const { applyLocalSettings } = await import('./settingsFile');
  applyLocalSettings(root);
  const devCa = join(root, '.local', 'tls', 'dev-ca.pem');
  const code = await runCatalogCli(process.argv.slice(2), {
    cwd,
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    operatorToken: async () => {
      const { mintDevToken } = await import('./devTokens');
      const { settings } = await import('../shared/config');
      // the operator's token, as `npm run token -- Operator` mints it: from the operator's own tenant
      return mintDevToken({
        role: 'Operator',
        tenantId: (process.env.OPERATOR_TENANT_ID ?? '').toLowerCase(),
        issuer: process.env.AUTH_ISSUER!,
        audience: settings().AUTH_AUDIENCE[0],
      });
    },
    ca: existsSync(devCa) ? readFileSync(devCa, 'utf8') : undefined,
  });
  process.exitCode = code;
}

if (require.main === module) void main();
