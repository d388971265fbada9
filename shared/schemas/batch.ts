/** JSON batching ($batch), as Graph does it. */
import { z } from 'zod';

export const MAX_BATCH_REQUESTS = 20;

export const batchRequest = z.strictObject({
  id: z.string().min(1).max(100),
  method: z
    .string()
    .regex(/^(GET|POST|PUT|PATCH|DELETE)$/i, { error: 'must be GET, POST, PUT, PATCH or DELETE' })
    .transform((m) => m.toUpperCase()),
  /** Relative to the version, as Graph takes it: `/users?$top=5`, `users/{id}`, or `/v1.0/users`. */
  url: z.string().min(1).max(8000),
  /**
   * HTTP headers as HTTP has them (RFC 9110): a name is a token; a value is Latin-1 text without CR, LF or
   * NUL (anything else cannot be a header of the request dispatched in-process).
   */
  headers: z
    .record(
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: "must be an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)" }),
      z.string().refine((v) => ![...v].some((ch) => [0, 10, 13].includes(ch.charCodeAt(0)) || ch.charCodeAt(0) > 0xff), {
        error: 'must be an HTTP header value: Latin-1 text without line breaks or NUL characters',
      }),
      { error: (issue) => (issue.code === 'invalid_key' ? "must be an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)" : undefined) },
    )
    .optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).max(MAX_BATCH_REQUESTS).optional(),
});

export const batchBody = z
  .strictObject({
    requests: z
      .array(batchRequest)
      .min(1, { error: 'give at least one request' })
      .max(MAX_BATCH_REQUESTS, { error: `A batch takes at most ${MAX_BATCH_REQUESTS} requests.` }),
  })
  .superRefine((b, ctx) => {
    const ids = b.requests.map((r) => r.id.toLowerCase());
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i)
        ctx.addIssue({
          code: 'custom',
          message: `Request id '${b.requests[i].id}' is used twice; ids must be unique in a batch.`,
          path: ['requests', i, 'id'],
        });
    });
    b.requests.forEach((r, i) =>
      (r.dependsOn ?? []).forEach((d, j) => {
        if (!ids.includes(d.toLowerCase()))
          ctx.addIssue({ code: 'custom', message: `dependsOn names '${d}', which is not a request of this batch.`, path: ['requests', i, 'dependsOn', j] });
        if (d.toLowerCase() === r.id.toLowerCase())
          ctx.addIssue({ code: 'custom', message: 'a request cannot depend on itself.', path: ['requests', i, 'dependsOn', j] });
      }),
    );
  });

export type BatchBody = z.infer<typeof batchBody>;

export const batchResponse = z.object({
  responses: z.array(z.object({ id: z.string(), status: z.number(), headers: z.record(z.string(), z.string()), body: z.unknown().optional() })),
});
