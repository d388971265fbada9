/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with
 * (zod 4's own JSON Schema output: no second schema language to keep in step).
 */
import { z, ZodType } from 'zod';
import { errorResponse, scimErrorResponse } from '../schemas/contracts';
import type { Auth } from './pipeline';

interface Operation {
  name: string;
  method: string;
  route: string;
  summary: string;
  tag: string;
  auth: Auth;
  protocol?: 'graph' | 'scim';
  permission?: string;
  params?: ZodType<unknown>;
  query?: ZodType<unknown>;
  body?: ZodType<unknown>;
  bodyOptional?: boolean;
  /** A body that is not JSON (a CSV upload): its media type and what it is. */
  rawBody?: { contentType: string; description: string };
  response?: ZodType;
  status?: number;
}

const operations: Operation[] = [];

export function registerOperation(op: Operation): void {
  operations.push(op);
}

/** Every documented operation: the routes the service answers (the pipeline's catch-all reads them for 405). */
export const registeredOperations = (): readonly Operation[] => operations;

const jsonSchema = (schema: ZodType, io: 'input' | 'output') => {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  void $schema;
  return rest;
};

function parameters(schema: ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: prop,
  }));
}

export function openApiDocument(routePrefix = 'api') {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = `/${op.route.replace(/\{(\w+)(:[^}]*)?\??\}/g, '{$1}')}`;
    // SCIM routes answer application/scim+json, errors in SCIM's shape (RFC 7644 section 3.12)
    const scim = op.protocol === 'scim';
    const media = scim ? 'application/scim+json' : 'application/json';
    const error = { $ref: `#/components/responses/${scim ? 'ScimError' : 'Error'}` };
    const responses: Record<string, unknown> = {
      [String(op.status ?? 200)]: op.response
        ? { description: 'OK', content: { [media]: { schema: jsonSchema(op.response, 'output') } } }
        : { description: 'OK' },
      '400': error,
    };
    if (op.auth !== 'anonymous') Object.assign(responses, { '401': error, '403': error });
    paths[path] ??= {};
    paths[path][op.method.toLowerCase()] = {
      operationId: op.name,
      summary: op.summary,
      tags: [op.tag],
      ...(op.permission ? { description: `Needs permission: ${op.permission}.` } : {}),
      security: op.auth === 'anonymous' ? [] : [{ bearer: [] }],
      parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
      ...(op.body ? { requestBody: { required: !op.bodyOptional, content: { [media]: { schema: jsonSchema(op.body, 'input') } } } } : {}),
      ...(op.rawBody
        ? {
            requestBody: {
              required: true,
              description: op.rawBody.description,
              content: { [op.rawBody.contentType]: { schema: { type: 'string', format: 'binary' } } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'License assignment service',
      version: '1.0',
      description:
        "Products, seats and license assignments for admin portals, shaped like Microsoft Graph v1.0 (subscribedSkus, assignLicense, licenseDetails). The tenant is always the caller's token tid.",
    },
    servers: [{ url: `/${routePrefix}` }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      responses: {
        Error: { description: 'Error', content: { 'application/json': { schema: jsonSchema(errorResponse, 'output') } } },
        ScimError: { description: 'SCIM error', content: { 'application/scim+json': { schema: jsonSchema(scimErrorResponse, 'output') } } },
      },
    },
    paths,
  };
}
