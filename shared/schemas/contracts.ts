/**
 * Every contract of the API, once, in zod: the same schemas validate requests, type the handlers and
 * generate the OpenAPI document (shared/http/openapi.ts). Request bodies are strict: an unknown field is a
 * 400 naming it, so a typo never silently does nothing. One module per area; this one gathers them.
 */
export * from './common';
export * from './errors';
export * from './users';
export * from './licenses';
export * from './jobs';
export * from './groups';
export * from './subscriptions';
export * from './alerts';
export * from './reconciliation';
export * from './batch';
export * from './health';
export * from './licenseRequests';
export * from './reports';
export * from './catalog';
export * from './usageRights';
export * from './authenticationEvents';
export * from './provisioning';
