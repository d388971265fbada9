/** Health for load balancers and the operator on call: Cosmos DB and the bulk-job queues, each timed. */
import { app } from '@azure/functions';
import { container } from '../shared/storage/cosmos';
import { QUEUES, queue } from '../shared/storage/queues';
import { registerOperation } from '../shared/http/openapi';
import * as c from '../shared/schemas/contracts';

const TIMEOUT_MS = 3000;

async function check(probe: () => Promise<unknown>) {
  const started = Date.now();
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref())]);
    return { status: 'Healthy' as const, durationMs: Date.now() - started };
  } catch (e) {
    return { status: 'Unhealthy' as const, durationMs: Date.now() - started, error: (e as Error).message.split('\n')[0].slice(0, 300) };
  }
}

registerOperation({ name: 'health', method: 'GET', route: 'health', tag: 'Meta', summary: 'Health of the service and what it depends on: 200 Healthy, 503 Unhealthy', auth: 'anonymous', response: c.health });

// Anonymous and unthrottled on purpose, so it is registered directly rather than through route().
app.http('health', {
  methods: ['GET'],
  route: 'health',
  authLevel: 'anonymous',
  handler: async () => {
    const [cosmos, queues] = await Promise.all([
      check(() => container('directory').read()),
      check(() => Promise.all([QUEUES.licenseJobs, `${QUEUES.licenseJobs}-poison`].map((q) => queue(q).getProperties()))),
    ]);
    const healthy = cosmos.status === 'Healthy' && queues.status === 'Healthy';
    return {
      status: healthy ? 200 : 503,
      jsonBody: { status: healthy ? 'Healthy' : 'Unhealthy', checks: { cosmosDb: cosmos, queues } },
      headers: { 'cache-control': 'no-store', ...(healthy ? {} : { 'Retry-After': '10' }) },
    };
  },
});
