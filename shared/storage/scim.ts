/**
 * SCIM provisioning's documents in the `directory` container: the organization's SCIM credentials and its
 * provisioning settings.
 *
 * A credential is stored under an id derived from its secret's hash (`scimCredential-{sha256}`): the
 * secret itself is never stored, and authenticating a request is one point read in the tenant's partition
 * (the secret carries its tenant, shared/auth/scim.ts). The credential's public id (`credentialId`, a
 * GUID) is what lists show and what DELETE names.
 */
import type { SqlParameter } from '@azure/cosmos';
import { container, createDoc, deleteIfPresent, patchDoc, putIfMatch, readOf, setFields, tracked } from './cosmos';
import { queryAll, queryPage } from './queries';

export interface ScimCredentialDoc {
  /** `scimCredential-{base64url sha256 of the secret}`. */
  id: string;
  tenantId: string;
  type: 'scimCredential';
  credentialId: string;
  displayName: string;
  /** The same hash as in the id, compared in constant time after the read. */
  secretHash: string;
  /** The secret's last four characters, to tell credentials apart. */
  hint: string;
  startDateTime: string;
  endDateTime: string;
  createdBy: { id: string; displayName: string };
  /** The last request made with it (recorded at most once a minute per instance). */
  lastRequest?: { dateTime: string; method: string; path: string; status: number } | null;
  _etag?: string;
}

export interface ScimSettingsDoc {
  id: typeof SETTINGS_ID;
  tenantId: string;
  type: 'scimSettings';
  /** The domain a userName without one gets (`UserName123` -> `UserName123@{domain}`). */
  userPrincipalNameDomain: string | null;
  _etag?: string;
}

export const credentialDocId = (secretHash: string) => `scimCredential-${secretHash}`;
const SETTINGS_ID = 'scimSettings';

export const scimCredentials = {
  byHash: (tenantId: string, secretHash: string) => readOf<ScimCredentialDoc>('directory', credentialDocId(secretHash), tenantId, 'scimCredential'),

  /** Creates the credential; undefined if one with that secret exists (a 256-bit secret never repeats). */
  create: (doc: ScimCredentialDoc) => createDoc('directory', doc),

  /** The organization's credentials, oldest first (a handful: at most MAX_CREDENTIALS). */
  async list(tenantId: string): Promise<ScimCredentialDoc[]> {
    const docs = await queryAll<ScimCredentialDoc>('directory', tenantId, `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'scimCredential'`);
    return docs.sort((a, b) => a.startDateTime.localeCompare(b.startDateTime) || a.credentialId.localeCompare(b.credentialId));
  },

  remove: (tenantId: string, docId: string) => deleteIfPresent('directory', docId, tenantId),

  /** Records the last request made with the credential (a patch of one field; nothing when it was revoked meanwhile). */
  recordRequest: (tenantId: string, docId: string, lastRequest: NonNullable<ScimCredentialDoc['lastRequest']>) =>
    patchDoc<ScimCredentialDoc>('directory', docId, tenantId, setFields({ lastRequest }), `c.type = 'scimCredential'`),
};

export const scimSettings = {
  get: (tenantId: string) => readOf<ScimSettingsDoc>('directory', SETTINGS_ID, tenantId, 'scimSettings'),
  /** Writes the settings over the version read (If-Match), or creates them: undefined when another write came first. */
  put: (tenantId: string, change: Pick<ScimSettingsDoc, 'userPrincipalNameDomain'>, current: ScimSettingsDoc | undefined) =>
    putIfMatch<ScimSettingsDoc>('directory', { ...(current ?? { id: SETTINGS_ID, tenantId, type: 'scimSettings' }), ...change }, current?._etag),
};

/**
 * SCIM's paging (`startIndex`, `count`) over a query's results in a stable order (by id). Cosmos DB pages
 * by continuation token, not by position, so the token where a page ended is kept (per instance, a few
 * minutes) under the position it leads to: a provider reading page after page (Okta's count=100,
 * startIndex=1, 101, 201, ...) reads each page once. A position with no token here (another instance
 * served the page before, or the client jumps) is reached by reading through the results before it.
 */
const CONTINUATIONS_KEPT = 1000;
const CONTINUATION_MS = 10 * 60_000;
const continuations = new Map<string, { token: string; at: number }>();

function keepContinuation(key: string, token: string): void {
  if (continuations.size >= CONTINUATIONS_KEPT) continuations.delete(continuations.keys().next().value!);
  continuations.set(key, { token, at: Date.now() });
}

export interface ScimQuery {
  /** A condition to AND after the tenant and type (parameters only; none names @tenantId). */
  where?: { sql: string; parameters: SqlParameter[] };
}

export const scimLists = {
  async page<T>(docType: 'user' | 'group', tenantId: string, q: ScimQuery, startIndex: number, count: number): Promise<{ items: T[]; total: number }> {
    const where = q.where ? ` AND ${q.where.sql}` : '';
    const query = `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = @docType${where} ORDER BY c.id`;
    const parameters: SqlParameter[] = [{ name: '@docType', value: docType }, ...(q.where?.parameters ?? [])];
    const countAll = async () => {
      const res = await tracked(() =>
        container('directory')
          .items.query<number>(
            {
              query: `SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @tenantId AND c.type = @docType${where}`,
              parameters: [{ name: '@tenantId', value: tenantId }, ...parameters],
            },
            { partitionKey: tenantId },
          )
          .fetchAll(),
      );
      return res.resources.reduce((a, b) => a + b, 0);
    };
    if (count === 0) return { items: [], total: await countAll() };
    const keyOf = (position: number) => `${tenantId}|${query}|${JSON.stringify(parameters)}|${position}`;
    const kept = continuations.get(keyOf(startIndex));
    let token = kept && Date.now() - kept.at < CONTINUATION_MS ? kept.token : undefined;
    let position = token ? startIndex : 1;
    const items: T[] = [];
    // read through what comes before startIndex (none when a token was kept), then the page
    while (items.length < count) {
      const want = position < startIndex ? Math.min(startIndex - position, 1000) : count - items.length;
      const page = await queryPage<T>('directory', tenantId, query, parameters, want, token);
      if (position >= startIndex) items.push(...page.items);
      else {
        const skip = startIndex - position;
        items.push(...page.items.slice(skip));
      }
      position += page.items.length;
      token = page.continuationToken;
      if (!token) break;
    }
    const shown = items.slice(0, count);
    if (token && items.length === shown.length) keepContinuation(keyOf(startIndex + shown.length), token);
    // the first page holding every match needs no count
    const total = startIndex === 1 && !token && items.length <= count ? items.length : await countAll();
    return { items: shown, total };
  },
};
