/**
 * One error shape for every refusal, Microsoft Graph's:
 *   { "error": { "code", "message", "target"?, "details"?: [{ code, message, target, parameters? }], "innerError": { "request-id", "date" } } }
 * `code` is stable and machine-readable; `message` says what is wrong and how to fix it (in English, as
 * Graph's); `target` names the offending field (validation) or the user / product concerned (rules);
 * `parameters` (not in Graph) carries the ids and counts behind a detail, so a client can say it in its
 * own language with names (shared/schemas/errors.ts).
 */
import type { ErrorParameters } from './schemas/errors';

export type { ErrorParameters };

export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
  parameters?: ErrorParameters;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Stable codes. Rule codes use Graph's licenseAssignmentState error names where Graph has one. */
export const ErrorCodes = {
  invalidRequest: 'invalidRequest',
  unsupportedMediaType: 'unsupportedMediaType',
  requestTooLarge: 'requestTooLarge',
  tooManyUsers: 'tooManyUsers',
  unauthenticated: 'InvalidAuthenticationToken',
  tenantNotProvisioned: 'tenantNotProvisioned',
  insufficientRole: 'Authorization_RequestDenied',
  notFound: 'Request_ResourceNotFound',
  preconditionFailed: 'PreconditionFailed',
  conflict: 'conflict',
  // licensing rules
  countViolation: 'CountViolation',
  subscriptionNotActive: 'subscriptionNotActive',
  selfServiceSubscription: 'selfServiceSubscription',
  productNotSubscribed: 'productNotSubscribed',
  mutuallyExclusiveViolation: 'MutuallyExclusiveViolation',
  dependencyViolation: 'DependencyViolation',
  usageLocationRequired: 'usageLocationRequired',
  prohibitedInUsageLocation: 'ProhibitedInUsageLocationViolation',
  unknownServicePlan: 'unknownServicePlan',
  licenseNotAssigned: 'licenseNotAssigned',
  licenseInheritedFromGroup: 'licenseInheritedFromGroup',
  quantityBelowAssigned: 'quantityBelowAssigned',
  invalidLifecycleTransition: 'invalidLifecycleTransition',
  notSelfService: 'notSelfServiceSubscription',
  productNotSoldInCloud: 'productNotSoldInCloud',
  cloudNotServed: 'cloudNotServed',
  licenseRuleViolation: 'licenseRuleViolation',
  serviceUnavailable: 'serviceUnavailable',
  internal: 'internalServerError',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** A licensing rule refused a change: what, why, how to fix, and whom/what it concerns. */
export interface Violation {
  code: string;
  message: string;
  /** The user, product or field the violation is about (a userId, a skuId, or a JSON path). */
  target?: string;
  /** The ids and counts the message is made of, for a client that writes it in its own words. */
  parameters?: ErrorParameters;
}

export const badRequest = (message: string, target?: string, details?: ErrorDetail[]) => new ApiError(400, ErrorCodes.invalidRequest, message, target, details);

export const notFound = (what: string, id: string) => new ApiError(404, ErrorCodes.notFound, `${what} '${id}' does not exist in this organization.`, id);

/**
 * Refusal by the licensing rules: 409, one detail per violation (400 when a named service plan does not exist). A refusal because of the caller's role
 * (the guest rule) is 403 Authorization_RequestDenied, as in Graph, whatever else is wrong too: the
 * caller cannot fix it by changing the request.
 */
export function ruleViolation(violations: Violation[]): ApiError {
  const first = violations[0];
  const denied = violations.find((v) => v.code === ErrorCodes.insufficientRole);
  if (denied) {
    const others = violations.length - 1;
    return new ApiError(
      403,
      ErrorCodes.insufficientRole,
      `${denied.message}${others ? ` (${others} more problem${others > 1 ? 's' : ''} in details.)` : ''}`,
      denied.target,
      violations,
    );
  }
  // a service plan that is not in the product is a malformed request (400), not a rule's refusal
  const status = violations.some((v) => v.code === ErrorCodes.unknownServicePlan) ? 400 : 409;
  if (violations.length === 1) return new ApiError(status, first.code, first.message, first.target, violations);
  return new ApiError(
    status,
    ErrorCodes.licenseRuleViolation,
    `${violations.length} problems stop this change; nothing was changed. ${violations.map((v) => v.message).join(' ')}`,
    undefined,
    violations,
  );
}

export function errorBody(err: ApiError, requestId: string, date = new Date()) {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.target !== undefined ? { target: err.target } : {}),
      ...(err.details && err.details.length ? { details: err.details } : {}),
      innerError: { 'request-id': requestId, date: date.toISOString() },
    },
  };
}
