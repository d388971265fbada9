/** The signed-in user's own licenses: keeping one the reclaim policy asks about (ask-first reclaim). */
import { z } from 'zod';
import { route } from '../shared/http/pipeline';
import * as c from '../shared/schemas/contracts';
import { keepLicense } from '../shared/usecases/keepLicense';

route({
  name: 'keepMyLicense',
  method: 'POST',
  route: 'v1.0/me/licenses/{skuId}/keep',
  tag: 'Reclaim',
  summary:
    "Keep a license the reclaim policy asked about (webhook licenseReclaimPending; a pending mark while the policy asks first, else 409 nothingToKeep): any signed-in user, for their own license only. The product's inactivity clock restarts now",
  permission: 'keepOwnLicense',
  params: z.strictObject({ skuId: c.guid }),
  response: c.keptLicense,
  handler: async (ctx) => ({ body: await keepLicense(ctx.catalog, ctx.tenant.id, ctx.principal, ctx.params.skuId) }),
});
