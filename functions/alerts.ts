/** Alert webhooks: register, list, delete; the deliveries and their delivery function. */
import { app } from '@azure/functions';
import { z } from 'zod';
import { route } from '../shared/http/pipeline';
import { collectionResult, paging } from '../shared/http/paging';
import { log } from '../shared/log';
import * as c from '../shared/schemas/contracts';
import { QUEUES } from '../shared/storage/queues';
import { deleteWebhook, deliver, listDeliveries, listWebhooks, registerWebhook, webhookView } from '../shared/usecases/alerts';

route({
  name: 'createWebhook',
  method: 'POST',
  route: 'v1.0/alerts/webhooks',
  tag: 'Alerts',
  summary:
    'Register a webhook (HTTPS) for lowSeats (threshold per product), groupLicensingFailure, overAssignment, unusedSeats (monthly cost threshold per product), inactiveLicensedUsers (count threshold) and licenseReclaimPending; the answer carries the signing secret, once',
  permission: 'manageSubscriptions',
  body: c.createWebhookBody,
  response: c.webhookCreated,
  status: 201,
  handler: async (ctx) => {
    const doc = await registerWebhook(ctx.tenant.id, ctx.body);
    return { status: 201, body: { ...webhookView(doc), secret: doc.secret } };
  },
});

route({
  name: 'listWebhooks',
  method: 'GET',
  route: 'v1.0/alerts/webhooks',
  tag: 'Alerts',
  summary: 'The webhooks of the organization (the full URL only for Global and Billing admins; others see its origin)',
  permission: 'read',
  response: c.collection(c.webhook),
  handler: async (ctx) => collectionResult(ctx.url, await listWebhooks(ctx.tenant.id, ctx.principal)),
});

route({
  name: 'deleteWebhook',
  method: 'DELETE',
  route: 'v1.0/alerts/webhooks/{id}',
  tag: 'Alerts',
  summary: 'Remove a webhook',
  permission: 'manageSubscriptions',
  params: z.strictObject({ id: c.guid }),
  handler: async (ctx) => {
    await deleteWebhook(ctx.tenant.id, ctx.params.id);
    return { status: 204 };
  },
});

route({
  name: 'listAlertDeliveries',
  method: 'GET',
  route: 'v1.0/alerts/deliveries',
  tag: 'Alerts',
  summary:
    'Alert deliveries, newest first: status (pending, retrying, delivered, failed), attempts, last error; people concealed as the report settings say (displayConcealedNames)',
  permission: 'read',
  query: c.pageQuery,
  response: c.collection(c.alertDelivery),
  handler: async (ctx) => {
    const page = await listDeliveries(ctx.tenant.id, ...paging(ctx.query));
    return collectionResult(ctx.url, page.items, page.continuationToken);
  },
});

app.storageQueue('deliverAlert', {
  queueName: QUEUES.alertDeliveries,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const m = c.alertDeliveryMessage.safeParse(message);
    if (!m.success) {
      log.error('malformed alert delivery message dropped', { invocationId: context.invocationId });
      return;
    }
    await deliver(m.data);
  },
});
