/** The OpenAPI document, generated from the routes' own zod schemas. */
import { route } from '../shared/http/pipeline';
import { openApiDocument } from '../shared/http/openapi';

route({
  name: 'openApiDocument',
  method: 'GET',
  route: 'openapi.json',
  tag: 'Meta',
  summary: 'This document',
  auth: 'anonymous',
  handler: async () => ({ body: openApiDocument() }),
});
