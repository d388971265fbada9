/** The health report. */
import { z } from 'zod';

const healthCheck = z.object({ status: z.enum(['Healthy', 'Unhealthy']), durationMs: z.number() });

export const health = z.object({
  status: z.enum(['Healthy', 'Unhealthy']),
  checkedDateTime: z.string(),
  checks: z.object({ cosmosDb: healthCheck, queues: healthCheck }),
});
