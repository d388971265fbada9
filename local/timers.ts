/**
 * Timer triggers on the local host: NCRONTAB schedules (six fields, seconds first, as in Azure Functions),
 * `%SETTING%` resolved from app settings, runOnStartup honoured. croner parses the expressions.
 */
import { Cron } from 'croner';
import type { InvocationContext } from '@azure/functions';
import type { Registration } from './functionsCore';
import { resolveSetting } from './queues';

export function startTimers(regs: Registration[], makeContext: (reg: Registration) => InvocationContext, quiet?: boolean): () => void {
  const jobs: Cron[] = [];
  for (const reg of regs.filter((r) => r.trigger.type.toLowerCase() === 'timertrigger')) {
    const schedule = resolveSetting(reg.trigger.schedule ?? '');
    let last: Date | undefined;
    const fire = async (isPastDue: boolean) => {
      const now = new Date();
      const timer = { isPastDue, scheduleStatus: { last: (last ?? now).toISOString(), next: job.nextRun()?.toISOString(), lastUpdated: now.toISOString() } };
      last = now;
      try {
        await reg.handler(timer, makeContext(reg));
      } catch (e) {
        console.error(`[${reg.name}] timer run failed:`, (e as Error).message);
      }
    };
    const job = new Cron(schedule, { timezone: 'UTC', protect: true }, () => fire(false));
    jobs.push(job);
    if (!quiet) console.log(`[${reg.name}] timer ${schedule}, next ${job.nextRun()?.toISOString()}`);
    if (reg.trigger.runOnStartup) void fire(false);
  }
  return () => jobs.forEach((j) => j.stop());
}
