/** Health for load balancers and the operator on call: Cosmos DB and the bulk-job queues (shared/usecases/health.ts). */
import { app } from '@azure/functions';
import { settings } from '../shared/config';
import { container } from '../shared/storage/cosmos';
import { QUEUES, queue } from '../shared/storage/queues';
import { registerOperation } from '../shared/http/openapi';
import * as c from '../shared/schemas/contracts';
import { healthReporter } from '../shared/usecases/health';

registerOperation({
  name: 'health',
  method: 'GET',
  route: 'health',
  tag: 'Meta',
  summary: 'Health of the service and what it depends on: 200 Healthy, 503 Unhealthy (reasons are logged, not shown)',
  auth: 'anonymous',
  response: c.health,
});

const report = healthReporter(
  {
    cosmosDb: () => container('directory').read(),
    queues: () => Promise.all([QUEUES.licenseJobs, `${QUEUES.licenseJobs}-poison`].map((q) => queue(q).getProperties())),
  },
  settings().HEALTH_CACHE_SECONDS,
);

// Anonymous and unthrottled on purpose, so it is registered directly rather than through route();
// its result is cached, so calling it costs the backends nothing more.
app.http('health', {
  methods: ['GET'],
  route: 'health',
  authLevel: 'anonymous',
  handler: async () => {
    const r = await report();
    const healthy = r.status === 'Healthy';
    return {
      status: healthy ? 200 : 503,
      jsonBody: r,
      headers: { 'cache-control': 'no-store', ...(healthy ? {} : { 'Retry-After': '10' }) },
    };
  },
});
