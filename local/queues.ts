/**
 * Queue triggers on the local host, with the Functions host's semantics (host.json "extensions.queues"):
 * base64 messages, `batchSize` at a time, a failed message becomes visible again after
 * `visibilityTimeout`, and after `maxDequeueCount` attempts it moves to `<queue>-poison`.
 */
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { InvocationContext } from '@azure/functions';
import type { Registration } from './functionsCore';

/** The connection a queue binding names (`UseDevelopmentStorage=true` is Azurite; the SDK understands it). */
export function queueConnectionString(settingName = 'AzureWebJobsStorage'): string {
  const value = process.env[settingName];
  if (!value) throw new Error(`queue trigger: setting ${settingName} is missing`);
  return value;
}

/** `%NAME%` in binding properties is an app setting, as in the Functions host. */
export const resolveSetting = (value: string) => value.replace(/%([^%]+)%/g, (_, name: string) => process.env[name] ?? '');

/** "hh:mm:ss" -> seconds */
export const timespanSeconds = (t: string | undefined, fallback: number) => {
  if (!t) return fallback;
  const [h, m, s] = t.split(':').map(Number);
  return h * 3600 + m * 60 + s;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startQueueListeners(
  regs: Registration[],
  settings: { batchSize?: number; visibilityTimeout?: string; maxDequeueCount?: number; messageEncoding?: string; maxPollingInterval?: string },
  makeContext: (reg: Registration, meta: Record<string, unknown>) => InvocationContext,
  quiet?: boolean,
): Promise<() => Promise<void>> {
  const batchSize = settings.batchSize ?? 16;
  const retryAfter = timespanSeconds(settings.visibilityTimeout, 0);
  const maxDequeueCount = settings.maxDequeueCount ?? 5;
  const base64 = (settings.messageEncoding ?? 'base64') === 'base64';
  const maxPollMs = timespanSeconds(settings.maxPollingInterval, 2) * 1000;
  // how long a received message stays invisible while its function runs (the runtime renews a 10 min lease)
  const leaseSeconds = Number(process.env.LOCAL_QUEUE_LEASE_SECONDS ?? 60);
  let running = true;
  const loops: Promise<void>[] = [];

  for (const reg of regs.filter((r) => r.trigger.type.toLowerCase() === 'queuetrigger')) {
    const name = resolveSetting(reg.trigger.queueName ?? '');
    const service = QueueServiceClient.fromConnectionString(queueConnectionString(reg.trigger.connection || 'AzureWebJobsStorage'));
    const queue: QueueClient = service.getQueueClient(name);
    const poison = service.getQueueClient(`${name}-poison`);
    await queue.createIfNotExists();
    await poison.createIfNotExists();

    const toPoison = async (m: { messageId: string; popReceipt: string; messageText: string }) => {
      await poison.sendMessage(m.messageText);
      await queue.deleteMessage(m.messageId, m.popReceipt);
      if (!quiet) console.log(`[${reg.name}] message ${m.messageId} moved to ${name}-poison`);
    };

    loops.push(
      (async () => {
        let idle = 100;
        while (running) {
          let received;
          try {
            received = await queue.receiveMessages({ numberOfMessages: Math.min(32, batchSize), visibilityTimeout: leaseSeconds });
          } catch (e) {
            if (running) console.error(`[${reg.name}] queue receive failed`, (e as Error).message);
            await sleep(1000);
            continue;
          }
          if (!received.receivedMessageItems.length) {
            await sleep(idle);
            idle = Math.min(maxPollMs, idle * 2);
            continue;
          }
          idle = 100;
          await Promise.all(
            received.receivedMessageItems.map(async (m) => {
              if (m.dequeueCount > maxDequeueCount) return toPoison(m);
              const text = base64 ? Buffer.from(m.messageText, 'base64').toString('utf8') : m.messageText;
              let input: unknown = text;
              try {
                input = JSON.parse(text);
              } catch {
                /* a plain string message */
              }
              const meta = {
                id: m.messageId,
                dequeueCount: m.dequeueCount,
                insertionTime: m.insertedOn,
                expirationTime: m.expiresOn,
                nextVisibleTime: m.nextVisibleOn,
                popReceipt: m.popReceipt,
              };
              try {
                await reg.handler(input, makeContext(reg, meta));
                await queue.deleteMessage(m.messageId, m.popReceipt);
              } catch (e) {
                if (!quiet) console.error(`[${reg.name}] attempt ${m.dequeueCount} failed:`, (e as Error).message);
                if (m.dequeueCount >= maxDequeueCount) await toPoison(m);
                else await queue.updateMessage(m.messageId, m.popReceipt, undefined, retryAfter);
              }
            }),
          );
        }
      })(),
    );
  }
  return async () => {
    running = false;
    await Promise.allSettled(loops);
  };
}
