import { Cron } from 'croner';
import { z } from 'zod';
import { AZURE_CLOUDS, CLOUDS, jwksUriOf } from './domain/clouds';

/**
 * Every setting the app reads, validated once at start-up. In Azure they come from the Function App's
 * application settings (see infra/); locally from local.settings.json (Values), which `npm start` applies.
 */
const settingsFields = z.object({
  COSMOS_ENDPOINT: z.url({ message: 'COSMOS_ENDPOINT must be the Cosmos DB account endpoint, e.g. https://<account>.documents.azure.com:443/' }),
  /** Only for the local emulator. In Azure leave it unset: the app signs in with its managed identity. */
  COSMOS_KEY: z.string().min(1).optional(),
  COSMOS_DATABASE: z.string().min(1).default('licensing'),
  /**
   * The Azure cloud this deployment lives in (shared/domain/clouds.ts): it picks the Entra ID authority, the
   * token issuers the service accepts (a token from another cloud's issuer is refused, saying so), the
   * signing keys' default address and the products an organization here can buy. Azure: the Bicep's
   * environment().name.
   */
  AZURE_CLOUD: z.enum(AZURE_CLOUDS, { message: `AZURE_CLOUD must be one of ${AZURE_CLOUDS.join(', ')} (Bicep: environment().name)` }).default('AzureCloud'),
  /**
   * A token issuer other than the cloud's own (a local stack's dev issuer); `{tenantid}` is replaced by the
   * token's `tid`. Empty or unset: the v2 and v1 issuers of AZURE_CLOUD, as Entra ID signs them there.
   */
  AUTH_ISSUER: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
  /**
   * The audiences a token may carry, comma-separated, parsed once here: Entra ID's v2 access tokens name the
   * API by its client id, v1 tokens by its Application ID URI (api://...), so a registration may list both.
   * The first is the one dev tokens carry and the console asks a token for.
   */
  AUTH_AUDIENCE: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1, 'AUTH_AUDIENCE must be the API app registration (its client id, api://..., or both, comma-separated)')),
  /** Signing keys of the issuer. Empty or unset: Entra ID's keys in AZURE_CLOUD (<authority>/common/discovery/v2.0/keys). */
  AUTH_JWKS_URI: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .pipe(z.url({ message: 'AUTH_JWKS_URI must be the JWKS address, e.g. https://login.microsoftonline.com/common/discovery/v2.0/keys' }).optional()),
  /**
   * The custom authentication extension's app registration (POST /v1.0/authenticationEvents/tokenIssuanceStart):
   * the audiences Entra ID's token for it may carry (its client id, its Application ID URI, or both,
   * comma-separated). None of them may be an AUTH_AUDIENCE: a token for the API never calls the extension,
   * nor the other way round. Empty: the extension is not set up and refuses every call.
   */
  AUTH_EVENTS_AUDIENCE: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    ),
  /**
   * How long the token issuance extension works on a sign-in before it answers the claims it has (none):
   * Entra ID waits about 2 s for it and fails the sign-in after that. What was started goes on.
   */
  AUTH_EVENTS_DEADLINE_MS: z.coerce.number().int().min(100).max(1900).default(1500),
  /**
   * The operator's own Entra ID tenant: only app-only tokens issued there (and by an allow-listed client)
   * may create organizations and provision their purchases. Unset: nobody may.
   */
  OPERATOR_TENANT_ID: z
    .union([z.literal(''), z.guid({ message: 'OPERATOR_TENANT_ID must be the operator tenant id (a GUID)' })])
    .optional()
    .transform((v) => v?.toLowerCase() || undefined),
  /** Client (application) ids, comma-separated, whose app-only tokens from OPERATOR_TENANT_ID may call the operator routes. */
  OPERATOR_CLIENT_IDS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine((ids) => ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)), {
      message: 'OPERATOR_CLIENT_IDS must be client ids (GUIDs), comma-separated',
    }),
  /** How long an instance may reuse a tenant's subscription list for rule checks (seats are always checked at the write). */
  SUBSCRIPTION_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  /**
   * How often an instance checks whether a new catalog version was published (one small point read; the
   * catalog is read from memory in between): every instance uses a new version within this many seconds.
   */
  CATALOG_REFRESH_SECONDS: z.coerce.number().min(0).max(300).default(5),
  /**
   * When the catalog timer runs ('%CATALOG_SCHEDULE%'): it applies catalog changes whose effectiveDateTime
   * has come, and announces a version its publisher did not get to. NCRONTAB, six fields, UTC.
   */
  CATALOG_SCHEDULE: z.string().trim().default('0 * * * * *').refine(isSixFieldCron, {
    message: "CATALOG_SCHEDULE must be an NCRONTAB expression with six fields, seconds first, e.g. '0 * * * * *' (every minute)",
  }),
  /** Per tenant and instance: sustained requests per second, and the burst allowed above it (429 beyond). */
  THROTTLE_TENANT_REQUESTS_PER_SECOND: z.coerce.number().positive().default(50),
  THROTTLE_TENANT_BURST: z.coerce.number().int().positive().default(500),
  /**
   * Group commit (shared/licensing/groupCommit.ts): concurrent interactive license changes of a tenant are
   * written together. 'false' writes each request on its own (same outcomes, more Cosmos DB requests).
   */
  LICENSE_GROUP_COMMIT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** Bulk jobs a tenant may have queued or running at once (429 for one more). */
  MAX_ACTIVE_JOBS_PER_TENANT: z.coerce.number().int().positive().default(5),
  /** Local development and tests only: lets alert webhooks point at http://localhost (Azure: https only). */
  ALERTS_ALLOW_HTTP_LOCALHOST: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** How long one health check result answers every caller of the anonymous /health (backend calls bounded). */
  HEALTH_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  /** Telemetry to Application Insights (OpenTelemetry) when set; nothing is sent when empty. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().optional(),
  /** When the license reconciliation runs (timer '%RECONCILIATION_SCHEDULE%'): NCRONTAB, six fields, seconds first, UTC. */
  RECONCILIATION_SCHEDULE: z.string().trim().default('0 0 2 * * *').refine(isSixFieldCron, {
    message: "RECONCILIATION_SCHEDULE must be an NCRONTAB expression with six fields, seconds first, e.g. '0 0 2 * * *' (02:00 UTC daily)",
  }),
  /**
   * The reconciliation lowers a seat counter only after it has not moved for this long: longer than any
   * request can hold a reserved seat before its user write lands (see shared/usecases/reconciliation.ts).
   */
  RECONCILIATION_SEAT_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(900),
  /**
   * Where an incremental reconciliation finds what changed since the last run (shared/storage/changes.ts):
   * 'timestamp', range queries on the users' write stamp and the documents' `_ts` (reads only what the app
   * wrote; the local emulator has no change feed); 'changeFeed', Cosmos DB's change feed of the tenant's
   * partition (exact, but it also returns every user a sign-in patched).
   */
  RECONCILIATION_CHANGES: z.enum(['timestamp', 'changeFeed'], { message: "RECONCILIATION_CHANGES must be 'timestamp' or 'changeFeed'" }).default('timestamp'),
  /**
   * The `_ts` source reads again what was written this long before the last run's start: more than the
   * store's clocks can differ between partitions. (The change feed needs none.)
   */
  RECONCILIATION_CHANGE_MARGIN_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /**
   * Every tenant gets a full run (every user read, every counter recounted) once per this many days, at a
   * time of its own within the period (from a hash of its id); the other runs are incremental.
   */
  RECONCILIATION_FULL_EVERY_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  /**
   * Test stacks only: POST /v1.0/reconciliations?asOf=<date> runs the reconciliation as of that time (tests
   * move the reclaim policy's clock instead of sleeping). Azure sets it 'false' (test/unit/infra.test.ts).
   */
  RECONCILIATION_ALLOW_AS_OF: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

/** The settings, and what must hold between them. */
export const settingsSchema = settingsFields.superRefine((s, ctx) => {
  const shared = s.AUTH_EVENTS_AUDIENCE.filter((a) => s.AUTH_AUDIENCE.some((b) => b.toLowerCase() === a.toLowerCase()));
  if (shared.length)
    ctx.addIssue({
      code: 'custom',
      path: ['AUTH_EVENTS_AUDIENCE'],
      message: `${shared.join(', ')} is also in AUTH_AUDIENCE: the authentication extension needs an app registration of its own, so that a token for the API cannot call it`,
    });
});

/** Six whitespace-separated fields that croner (the local host's scheduler) can parse. */
function isSixFieldCron(expression: string): boolean {
  if (expression.split(/\s+/).length !== 6) return false;
  try {
    new Cron(expression, { paused: true, timezone: 'UTC' }).stop();
    return true;
  } catch {
    return false;
  }
}

export type Settings = z.infer<typeof settingsSchema>;

/** The issuer templates tokens may carry: AUTH_ISSUER when set, else the cloud's own (v2 first). */
export const issuerTemplates = (s: Settings): readonly string[] => (s.AUTH_ISSUER ? [s.AUTH_ISSUER] : CLOUDS[s.AZURE_CLOUD].issuers);

/** The issuer a token made here carries (dev tokens of the local host): AUTH_ISSUER, else the cloud's v2 issuer. */
export const tokenIssuer = (s: Settings): string => issuerTemplates(s)[0];

/** Where the signing keys are: AUTH_JWKS_URI when set, else Entra ID's in the cloud. */
export const jwksUri = (s: Settings): string => s.AUTH_JWKS_URI ?? jwksUriOf(s.AZURE_CLOUD);

let cached: Settings | undefined;

export class SettingsError extends Error {}

/** Parses process.env; throws one error that names every missing or malformed setting. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '');
      const missing = env[name] === undefined || env[name] === '';
      return `  - ${name}: ${missing ? 'missing. ' : ''}${i.message}`;
    });
    throw new SettingsError(`Invalid application settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function settings(): Settings {
  if (!cached) cached = loadSettings();
  return cached;
}
