/**
 * The two functions that route to the others: Graph's JSON batching, and the catch-all that answers what
 * no route takes (404 / 405 with Allow, Graph's error shape) instead of the Functions host's empty 404.
 */
import { runBatch } from '../shared/http/batch';
import { registerUnmatchedRoute, route } from '../shared/http/pipeline';
import * as c from '../shared/schemas/contracts';

route({
  name: 'batch',
  method: 'POST',
  route: 'v1.0/$batch',
  tag: 'Batch',
  summary:
    "Graph's JSON batching: up to 20 requests ({ id, method, url relative like /users?$top=5, headers, body, dependsOn }), each through the same checks as a direct call with this request's token; answers { responses: [{ id, status, headers, body }] }; a request whose dependency failed answers 424",
  // any valid token: each request in the batch is checked for its own tenant and role
  auth: 'token',
  body: c.batchBody,
  maxBodyBytes: 4 * 1024 * 1024,
  response: c.batchResponse,
  handler: (ctx) => runBatch(ctx),
});

registerUnmatchedRoute();
