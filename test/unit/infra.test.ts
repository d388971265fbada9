/**
 * Keeps the Azure deployment (infra/*.bicep, azd files) and local.settings.sample.json in step with the
 * code. Every list is derived from the code, never copied: the settings from shared/config.ts
 * (settingsSchema), the containers and partition key from shared/storage/cosmos.ts, the queues and
 * binding-expression settings from functions/, the index paths from the queries in
 * every module of shared/storage/. No Bicep compiler runs here, so the Bicep is read with a small parser
 * that understands the subset infra/ uses (resources, nested objects and arrays, strings, comments).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { settingsSchema } from '../../shared/config';
import { CONTAINERS, PARTITION_KEY_PATH } from '../../shared/storage/cosmos';
import { QUEUES } from '../../shared/storage/queues';
import { groupSchema, queriedPaths as odataQueriedPaths, userSchema } from '../../shared/odata/resources';
import { scimQueriedPaths } from '../../shared/provisioning/query';

const ROOT = join(__dirname, '..', '..');
const INFRA = join(ROOT, 'infra');

// ---------------- reading Bicep ----------------

/** Index just past the string literal starting at i (single quotes, `\` escapes, `${...}` with nested strings). */
function skipString(src: string, i: number): number {
  if (src.startsWith("'''", i)) {
    const end = src.indexOf("'''", i + 3);
    return end < 0 ? src.length : end + 3;
  }
  let j = i + 1;
  while (j < src.length) {
    if (src[j] === '\\') j += 2;
    else if (src[j] === "'") return j + 1;
    else if (src.startsWith('${', j)) {
      let depth = 1;
      j += 2;
      while (j < src.length && depth > 0) {
        if (src[j] === "'") {
          j = skipString(src, j);
          continue;
        }
        if (src[j] === '{') depth++;
        if (src[j] === '}') depth--;
        j++;
      }
    } else j++;
  }
  return j;
}

/** The source with comments blanked out (strings untouched, line breaks kept). */
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    if (src[i] === "'") {
      const j = skipString(src, i);
      out += src.slice(i, j);
      i = j;
    } else if (src.startsWith('//', i)) {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      const j = end < 0 ? src.length : end + 2;
      out += src.slice(i, j).replace(/[^\n]/g, ' ');
      i = j;
    } else out += src[i++];
  }
  return out;
}

/** Index of the bracket closing the one at `open` ({, [ or (). */
function matchEnd(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length;) {
    const ch = src[i];
    if (ch === "'") {
      i = skipString(src, i);
      continue;
    }
    if ('{[('.includes(ch)) depth++;
    if ('}])'.includes(ch) && --depth === 0) return i;
    i++;
  }
  throw new Error(`unbalanced ${src[open]} at ${open}`);
}

/** Items of an object (`{...}`: key -> raw value) or an array (`[...]`: index -> raw value), one level deep. */
function members(block: string): Map<string, string> {
  const isObject = block.startsWith('{');
  const out = new Map<string, string>();
  const end = block.length - 1;
  let i = 1;
  while (i < end) {
    while (i < end && /[\s,]/.test(block[i])) i++;
    if (i >= end) break;
    let key = String(out.size);
    if (isObject) {
      if (block[i] === "'") {
        const j = skipString(block, i);
        key = block.slice(i + 1, j - 1);
        i = j;
      } else {
        const m = /^[A-Za-z_$][\w$]*/.exec(block.slice(i));
        if (!m) throw new Error(`cannot read a key at: ${block.slice(i, i + 40)}`);
        key = m[0];
        i += key.length;
      }
      while (block[i] === ' ' || block[i] === '\t') i++;
      if (block[i] !== ':') throw new Error(`expected ':' after ${key}`);
      i++;
      while (block[i] === ' ' || block[i] === '\t') i++;
    }
    const start = i;
    while (i < end && block[i] !== '\n' && block[i] !== ',') {
      if (block[i] === "'") i = skipString(block, i);
      else if ('{[('.includes(block[i])) i = matchEnd(block, i) + 1;
      else i++;
    }
    out.set(key, block.slice(start, i).trim());
  }
  return out;
}

/** Follows a dotted path of object keys, e.g. get(body, 'properties.resource.id'). */
function get(block: string | undefined, path: string): string | undefined {
  let cur = block;
  for (const key of path.split('.')) {
    if (cur === undefined || !/^[{[]/.test(cur)) return undefined;
    cur = members(cur).get(key);
  }
  return cur;
}

/** The value of a plain string literal; undefined for an expression or an interpolated string. */
function literal(raw: string | undefined): string | undefined {
  const m = raw === undefined ? null : /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(raw);
  return m ? m[1].replace(/\\(.)/g, '$1') : undefined;
}

const items = (raw: string | undefined) => (raw?.startsWith('[') ? [...members(raw).values()] : []);

interface Resource {
  file: string;
  symbol: string;
  type: string;
  existing: boolean;
  body: string;
}

function bicepFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return bicepFiles(path);
    return name.endsWith('.bicep') ? [path] : [];
  });
}

function resourcesIn(file: string, src: string): Resource[] {
  const found: Resource[] = [];
  const re = /\bresource\s+(\w+)\s+'([^'@]+)@[^']+'\s+(existing\s+)?=\s*/g;
  for (let m; (m = re.exec(src));) {
    let i = re.lastIndex;
    if (src.startsWith('if', i)) i = matchEnd(src, src.indexOf('(', i)) + 1; // conditional resource
    const open = src.indexOf('{', i); // also the body of a `[for ...: {...}]` loop
    found.push({ file: relative(ROOT, file), symbol: m[1], type: m[2], existing: !!m[3], body: src.slice(open, matchEnd(src, open) + 1) });
  }
  return found;
}

const bicep = bicepFiles(INFRA).map((file) => ({ file, src: stripComments(readFileSync(file, 'utf8')) }));
const resources = bicep.flatMap(({ file, src }) => resourcesIn(file, src));
const ofType = (type: string) => resources.filter((r) => r.type.toLowerCase() === type.toLowerCase() && !r.existing);

/** Names of the Function App's application settings: sites/config 'appsettings' and siteConfig.appSettings. */
function appSettings(): Map<string, string> {
  const settings = new Map<string, string>();
  for (const r of ofType('Microsoft.Web/sites/config')) {
    if (literal(get(r.body, 'name')) !== 'appsettings') continue;
    for (const [k, v] of members(get(r.body, 'properties') ?? '{}')) settings.set(k, v);
  }
  for (const r of ofType('Microsoft.Web/sites')) {
    for (const item of items(get(r.body, 'properties.siteConfig.appSettings'))) {
      const name = literal(get(item, 'name'));
      if (name) settings.set(name, get(item, 'value') ?? '');
    }
  }
  return settings;
}

const resourceName = (r: Resource) => literal(get(r.body, 'name'));

// ---------------- reading the code ----------------

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(name) ? [path] : [];
  });
}

const functionsSource = sourceFiles(join(ROOT, 'functions'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

/** Settings of settingsSchema: every one the app validates at start-up. */
const SCHEMA_SETTINGS = Object.keys(settingsSchema.shape);
/** App settings named in trigger/binding properties as `%NAME%` (e.g. schedule: '%RECONCILIATION_SCHEDULE%'). */
const BINDING_SETTINGS = [...new Set([...functionsSource.matchAll(/%([A-Za-z_]\w*)%/g)].map((m) => m[1]))];
/** Connections named by triggers/bindings (`connection: 'X'`); AzureWebJobsStorage is the default. */
const CONNECTIONS = [...new Set(['AzureWebJobsStorage', ...[...functionsSource.matchAll(/\bconnection\s*:\s*['"`]([^'"`%]+)['"`]/g)].map((m) => m[1])])];
/** Literal queue names of queue triggers and outputs. */
const CODE_QUEUES = [
  ...new Set([
    ...Object.values(QUEUES),
    ...[...functionsSource.matchAll(/\bqueueName\s*:\s*['"`]([^'"`]+)['"`]/g)].map((m) => m[1]).filter((q) => !q.includes('%') && !q.includes('${')),
  ]),
].filter((q) => !q.endsWith('-poison'));

const sample = JSON.parse(readFileSync(join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
/** Local-only entries of the sample that the code does not read itself: the Functions runtime and host storage, the emulator key. */
const SAMPLE_EXEMPT = ['FUNCTIONS_WORKER_RUNTIME', 'AzureWebJobsStorage', 'COSMOS_KEY'];

/**
 * Document paths each container's queries filter or sort on, from every module of shared/storage/: each file
 * is split into its `export const x = {...}` objects; a path `c.a.b` in an object belongs to the
 * containers that object queries with queryPage('<container>', ...). Method calls on a container
 * variable named c (`c.items.create(`) and conditional-patch conditions (lines naming `condition` or a patch helper: they
 * are evaluated on one document and use no index) are not queries.
 */
/** The source without the arguments of conditional patches (their predicates run on one document: no index), however they are wrapped over lines. */
function withoutPatchCalls(src: string): string {
  let out = '';
  let from = 0;
  for (const m of src.matchAll(/\b(patchDoc|patchIfMatch)\b(<[^>(]*>)?\(/g)) {
    if (m.index < from) continue;
    let depth = 0;
    let i = m.index + m[0].length - 1;
    for (; i < src.length; i++) {
      if (src[i] === '(') depth++;
      else if (src[i] === ')' && --depth === 0) break;
    }
    out += src.slice(from, m.index) + m[1] + '()';
    from = i + 1;
  }
  return out + src.slice(from);
}

function queriedPaths(): Map<string, Map<string, { array: boolean }>> {
  // every storage module: each is split into its `export const x = {` objects below
  const dir = join(ROOT, 'shared', 'storage');
  const src = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => withoutPatchCalls(readFileSync(join(dir, f), 'utf8')))
    .join('\n');
  const byContainer = new Map<string, Map<string, { array: boolean }>>();
  for (const segment of src.split(/^export const \w+ = \{/m)) {
    const containers = [...segment.matchAll(/query(?:Page|Pages|All)<[^>]*>\(\s*'(\w+)'/g)].map((m) => m[1]);
    if (!containers.length) continue;
    for (const whole of segment.split('\n')) {
      if (/condition|patchDoc|patchIfMatch/i.test(whole)) continue; // a conditional patch's predicate: evaluated on one document, no index
      if (/\b(fields|projection)\s*=/.test(whole)) continue; // a projection list built apart from its SELECT
      // a SELECT's projection needs no index: only what follows WHERE (or ORDER BY) is filtered or sorted on
      const at = /SELECT/i.test(whole) ? whole.search(/\b(WHERE|ORDER BY)\b/i) : 0;
      if (at < 0) continue;
      const line = whole.slice(at);
      for (const m of line.matchAll(/(?<![\w.])c\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/g)) {
        const after = line.slice(m.index + m[0].length).trimStart();
        if (after.startsWith('(')) continue;
        const array = /ARRAY_CONTAINS\(\s*$/i.test(line.slice(0, m.index));
        for (const c of containers) {
          const paths = byContainer.get(c) ?? new Map<string, { array: boolean }>();
          paths.set(m[1], { array: array || !!paths.get(m[1])?.array });
          byContainer.set(c, paths);
        }
      }
    }
  }
  // the OData list queries (shared/storage/odata.ts) are built from the resources' tables: every path a
  // $filter, $search or $orderby can name is queried in the directory container
  const directory = byContainer.get('directory') ?? new Map<string, { array: boolean }>();
  for (const schema of [userSchema, groupSchema]) {
    for (const { path, array } of odataQueriedPaths(schema)) directory.set(path, { array: array || !!directory.get(path)?.array });
  }
  // and the SCIM filters' (shared/provisioning/query.ts), built from its tables too
  for (const path of scimQueriedPaths()) directory.set(path, { array: !!directory.get(path)?.array });
  byContainer.set('directory', directory);
  return byContainer;
}

// ---------------- the tests ----------------

describe('infra/ matches the code', () => {
  const settings = appSettings();

  test('the Bicep is readable: it declares a Function App with application settings', () => {
    expect(bicep.length).toBeGreaterThan(0);
    expect(ofType('Microsoft.Web/sites')).toHaveLength(1);
    expect(settings.size).toBeGreaterThan(0);
  });

  test('every setting the code reads is an app setting in Azure (COSMOS_KEY excepted: key auth is off)', () => {
    const needed = [...SCHEMA_SETTINGS.filter((s) => s !== 'COSMOS_KEY'), ...BINDING_SETTINGS];
    expect(needed.filter((s) => !settings.has(s))).toEqual([]);
  });

  test("a reconciliation's clock cannot be moved in Azure: RECONCILIATION_ALLOW_AS_OF is 'false', and off unless set", () => {
    expect(literal(settings.get('RECONCILIATION_ALLOW_AS_OF'))).toBe('false');
    expect(settingsSchema.shape.RECONCILIATION_ALLOW_AS_OF.parse(undefined)).toBe(false);
  });

  test('COSMOS_KEY is not set in Azure, and no key or connection string with a secret appears in the Bicep', () => {
    expect(SCHEMA_SETTINGS).toContain('COSMOS_KEY');
    expect(settings.has('COSMOS_KEY')).toBe(false);
    expect(settings.has('AzureWebJobsStorage')).toBe(false); // the connection-string form carries a key
    const code = bicep.map((b) => b.src).join('\n');
    expect(code).not.toMatch(/\blist(Keys|ConnectionStrings|AccountSas|ServiceSas)\s*\(/i);
    expect(code).not.toMatch(/AccountKey=/i);
  });

  test('the app signs in with its user-assigned identity everywhere', () => {
    const problems: string[] = [];
    for (const connection of CONNECTIONS) {
      const names = [...settings.keys()].filter((k) => k.startsWith(`${connection}__`));
      if (!names.some((n) => /__(accountName|queueServiceUri|blobServiceUri|serviceUri)$/.test(n)))
        problems.push(`${connection}__accountName (or __queueServiceUri) is missing`);
      if (literal(settings.get(`${connection}__credential`)) !== 'managedidentity') problems.push(`${connection}__credential must be 'managedidentity'`);
      if (!settings.has(`${connection}__clientId`)) problems.push(`${connection}__clientId is missing`);
    }
    if (!settings.has('AZURE_CLIENT_ID')) problems.push('AZURE_CLIENT_ID is missing'); // DefaultAzureCredential's choice of identity
    expect(problems).toEqual([]);
    const site = ofType('Microsoft.Web/sites')[0];
    expect(literal(get(site.body, 'identity.type'))).toBe('UserAssigned');
  });

  test('Flex Consumption: FC1 plan, Node.js runtime in functionAppConfig, no settings Flex forbids', () => {
    const plan = ofType('Microsoft.Web/serverfarms')[0];
    expect(literal(get(plan.body, 'sku.name'))).toBe('FC1');
    const site = ofType('Microsoft.Web/sites')[0];
    expect(literal(get(site.body, 'properties.functionAppConfig.runtime.name'))).toBe('node');
    expect(literal(get(site.body, 'properties.functionAppConfig.deployment.storage.type'))).toBe('blobContainer');
    for (const forbidden of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_NODE_DEFAULT_VERSION']) {
      expect(settings.has(forbidden)).toBe(false);
    }
  });

  test('the Storage account disables shared key access', () => {
    const accounts = ofType('Microsoft.Storage/storageAccounts');
    expect(accounts.length).toBeGreaterThan(0);
    for (const a of accounts) expect(get(a.body, 'properties.allowSharedKeyAccess')).toBe('false');
  });

  test('the Cosmos DB account has local (key) auth disabled', () => {
    const accounts = ofType('Microsoft.DocumentDB/databaseAccounts');
    expect(accounts).toHaveLength(1);
    expect(get(accounts[0].body, 'properties.disableLocalAuth')).toBe('true');
  });

  const containers = ofType('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
  const containerNamed = (name: string) => containers.find((r) => resourceName(r) === name);

  test.each(Object.values(CONTAINERS))('container %s exists with partition key PARTITION_KEY_PATH', (name) => {
    const c = containerNamed(name);
    expect(c).toBeDefined();
    expect(literal(get(c!.body, 'properties.resource.id'))).toBe(name);
    expect(items(get(c!.body, 'properties.resource.partitionKey.paths')).map(literal)).toEqual([PARTITION_KEY_PATH]);
  });

  test('each container indexes every path its queries filter or sort on, and excludes the rest', () => {
    const queried = queriedPaths();
    expect([...queried.keys()].sort()).toEqual(Object.values(CONTAINERS).sort());
    const problems: string[] = [];
    for (const [name, paths] of queried) {
      const c = containerNamed(name);
      const policy = get(c?.body, 'properties.resource.indexingPolicy');
      const included = items(get(policy, 'includedPaths')).map((p) => literal(get(p, 'path')));
      const excluded = items(get(policy, 'excludedPaths')).map((p) => literal(get(p, 'path')));
      if (!excluded.includes('/*')) problems.push(`${name}: '/*' is not excluded`);
      if (!excluded.includes('/"_etag"/?')) problems.push(`${name}: '/"_etag"/?' is not excluded`);
      for (const [path, { array }] of paths) {
        const segments = path.split('.');
        const own = '/' + segments.join('/');
        const covering = [array ? `${own}/[]/?` : `${own}/?`, `${own}/*`];
        for (let n = segments.length - 1; n >= 0; n--) covering.push(`/${segments.slice(0, n).join('/')}${n ? '/' : ''}*`);
        if (!included.some((p) => p !== undefined && covering.includes(p))) problems.push(`${name}: c.${path} is queried but not indexed (add ${covering[0]})`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('the OData tables name paths (a user filter on assignedLicenses, their count, license errors, department)', () => {
    const paths = queriedPaths().get('directory')!;
    for (const p of ['assignedSkuIds', 'assignedLicenseCount', 'hasLicenseErrors', 'search.department', 'accountEnabled', 'usageLocation', 'userType'])
      expect(paths.has(p)).toBe(true);
    expect(paths.get('assignedSkuIds')!.array).toBe(true);
  });

  test("CORS is the platform's: siteConfig.cors from parameters surfaced through azd; Node 22, the only runtime allowed", () => {
    const site = ofType('Microsoft.Web/sites')[0];
    expect(get(site.body, 'properties.siteConfig.cors.allowedOrigins')).toBe('corsAllowedOrigins');
    expect(get(site.body, 'properties.siteConfig.cors.supportCredentials')).toBe('corsSupportCredentials');
    const main = stripComments(readFileSync(join(INFRA, 'main.bicep'), 'utf8'));
    expect(main).toMatch(/^param corsAllowedOrigins string = ''$/m);
    expect(main).toMatch(/^param nodeVersion string = '22'$/m);
    expect(main).toMatch(/@allowed\(\['22'\]\)\s*\n(?:@description\(.*\)\s*\n)?param nodeVersion/);
    const parameterFile = readFileSync(join(INFRA, 'main.parameters.json'), 'utf8');
    expect(parameterFile).toContain('${CORS_ALLOWED_ORIGINS=}');
    expect(parameterFile).toContain('${CORS_SUPPORT_CREDENTIALS=false}');
  });

  const bicepQueues = ofType('Microsoft.Storage/storageAccounts/queueServices/queues').map(resourceName);

  test('every queue the functions use is declared with its -poison twin', () => {
    expect(bicepQueues).not.toContain(undefined);
    const missing = CODE_QUEUES.flatMap((q) => [q, `${q}-poison`]).filter((q) => !bicepQueues.includes(q));
    expect(missing).toEqual([]);
  });

  test('the declared queues come in pairs: <queue> and <queue>-poison', () => {
    expect(bicepQueues.length).toBeGreaterThan(0);
    const names = bicepQueues as string[];
    const unpaired = names.filter((q) => (q.endsWith('-poison') ? !names.includes(q.slice(0, -'-poison'.length)) : !names.includes(`${q}-poison`)));
    expect(unpaired).toEqual([]);
  });
});

describe('local.settings.sample.json matches the code', () => {
  const values = Object.keys(sample.Values);

  test('it has every setting the code reads', () => {
    const needed = [...SCHEMA_SETTINGS, ...BINDING_SETTINGS, ...CONNECTIONS];
    expect(needed.filter((s) => !values.includes(s))).toEqual([]);
  });

  test('it has no setting the code does not read', () => {
    const read = new Set([...SCHEMA_SETTINGS, ...BINDING_SETTINGS, ...CONNECTIONS, ...SAMPLE_EXEMPT]);
    expect(values.filter((v) => !read.has(v))).toEqual([]);
  });
});

describe('azd files', () => {
  const main = stripComments(readFileSync(join(INFRA, 'main.bicep'), 'utf8'));
  const params = new Map([...main.matchAll(/^param\s+(\w+)\s+\w+(?:\s*=\s*(.+))?$/gm)].map((m) => [m[1], m[2]?.trim()]));
  const parameterFile = JSON.parse(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };

  test('main.parameters.json passes every required parameter and only parameters main.bicep declares', () => {
    const passed = Object.keys(parameterFile.parameters);
    expect(passed.filter((p) => !params.has(p))).toEqual([]);
    expect([...params].filter(([p, def]) => def === undefined && !passed.includes(p)).map(([p]) => p)).toEqual([]);
    expect(params.has('authAudience') && params.get('authAudience') === undefined).toBe(true);
  });

  test('defaults in main.parameters.json (${VAR=default}) are the Bicep defaults', () => {
    for (const [name, { value }] of Object.entries(parameterFile.parameters)) {
      const m = typeof value === 'string' ? /^\$\{\w+=(.*)\}$/.exec(value) : null;
      if (!m) continue;
      const bicepDefault = params.get(name);
      expect([name, literal(bicepDefault) ?? bicepDefault]).toEqual([name, m[1]]);
    }
  });

  test('azure.yaml deploys this project as the Function App service "api"', () => {
    const yaml = readFileSync(join(ROOT, 'azure.yaml'), 'utf8');
    expect(yaml).toMatch(/^services:\s*\n\s+api:\s*\n(?:\s+\w+:.*\n)*?\s+host:\s*function\s*$/m);
    expect(yaml).toMatch(/^\s+language:\s*ts\s*$/m);
    expect(yaml).toMatch(/^\s+project:\s*\.\s*$/m);
    const site = ofType('Microsoft.Web/sites')[0];
    expect(get(site.body, 'tags')).toMatch(/'azd-service-name':\s*'api'/);
  });
});

describe('sovereign clouds: the Bicep deploys into any Azure cloud', () => {
  const settings = appSettings();

  test("no endpoint is written by hand: no host name of Azure's or Entra ID's (nor any .com, .net, .us, .cn name) in the Bicep or its parameters", () => {
    const hosts = /[\w-]+(?:\.[\w-]+)*\.(?:com|net|us|cn)\b/g;
    const found: string[] = [];
    for (const { file, src } of bicep) for (const m of src.matchAll(hosts)) found.push(`${relative(ROOT, file)}: ${m[0]}`);
    const { $schema, ...parameters } = JSON.parse(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')) as Record<string, unknown>;
    void $schema; // the JSON schema of the file, not an endpoint of the deployment
    for (const m of JSON.stringify(parameters).matchAll(hosts)) found.push(`main.parameters.json: ${m[0]}`);
    expect(found).toEqual([]);
  });

  test("the app's cloud is the deployment's: AZURE_CLOUD is environment().name, and Entra ID's issuers and keys follow it unless set", () => {
    expect(settings.get('AZURE_CLOUD')).toBe('environment().name');
    const main = stripComments(readFileSync(join(INFRA, 'main.bicep'), 'utf8'));
    expect(main).toMatch(/^param authIssuer string = ''$/m);
    expect(main).toMatch(/^param authJwksUri string = ''$/m);
    expect(main).toMatch(/^param authEventsAudience string = ''$/m);
    // the console's Entra ID (infra/console-config.mjs) reads the same name from the azd environment
    expect(main).toMatch(/^output AZURE_CLOUD string = environment\(\)\.name$/m);
  });

  test("the Cosmos DB private DNS zone is named after the account's own endpoint host (documents.azure.com, .us, .cn)", () => {
    const network = stripComments(readFileSync(join(INFRA, 'modules', 'network.bicep'), 'utf8'));
    expect(network).toMatch(/zone: 'privatelink\.\$\{cosmosSuffix\}'/);
    expect(network).toMatch(/var cosmosHost = split\(split\(cosmosEndpoint, '\/'\)\[2\], ':'\)\[0\]/);
    expect(network).toMatch(/zone: 'privatelink\.blob\.\$\{environment\(\)\.suffixes\.storage\}'/);
    expect(network).toMatch(/zone: 'privatelink\.queue\.\$\{environment\(\)\.suffixes\.storage\}'/);
    const main = stripComments(readFileSync(join(INFRA, 'main.bicep'), 'utf8'));
    expect(main).toMatch(/cosmosEndpoint: cosmos\.outputs\.endpoint/);
  });
});
