/**
 * SCIM's error shape (RFC 7644 section 3.12), for every answer under /scim/v2 that is not a success:
 *   { "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "scimType": "invalidFilter", "detail": "..." }
 * `status` is the HTTP status as a string, `scimType` one of the RFC's keywords where one applies (they
 * are defined for 400 and for 409 uniqueness), `detail` says what is wrong and how to fix it. The pipeline
 * turns any ApiError into this shape on SCIM routes, so a refusal from a shared use-case (a licensing
 * rule, a missing user, a busy store) reaches a provisioning service in its own protocol.
 */
import { ApiError, ErrorCodes } from '../errors';

export const SCIM_MEDIA_TYPE = 'application/scim+json';
export const SCIM_SCHEMA = {
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  /** This service's extension: what a provider maps to the licensing rules (usageLocation). */
  licensingUser: 'urn:ietf:params:scim:schemas:extension:licensing:2.0:User',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** RFC 7644 Table 9. */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'sensitive';

/** A refusal in SCIM's terms: the HTTP status, the RFC's scimType, and a detail with the way out. */
export class ScimError extends ApiError {
  constructor(
    status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
    target?: string,
  ) {
    super(status, scimType ?? `scim${status}`, detail, target);
  }
}

export const scimError = (scimType: ScimType, detail: string, target?: string) =>
  new ScimError(scimType === 'uniqueness' ? 409 : 400, scimType, detail, target);

/**
 * The scimType of a refusal that did not start as a ScimError: a body that is not JSON is invalidSyntax,
 * any other 400 of validation (a field, an unknown query option) invalidValue; other statuses carry none (RFC 7644 defines them for 400 and
 * for 409 uniqueness only).
 */
function scimTypeOf(err: ApiError): ScimType | undefined {
  if (err instanceof ScimError) return err.scimType;
  if (err.status !== 400) return undefined;
  if (err.target === 'body' && /not valid JSON|missing/i.test(err.message)) return 'invalidSyntax';
  // a field or a query option the request may not carry
  if (err.code === ErrorCodes.invalidRequest || err.code === 'Request_UnsupportedQuery') return 'invalidValue';
  return undefined;
}

export function scimErrorBody(err: ApiError) {
  const scimType = scimTypeOf(err);
  return { schemas: [SCIM_SCHEMA.error], status: String(err.status), ...(scimType ? { scimType } : {}), detail: err.message };
}
