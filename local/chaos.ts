/**
 * Chaos for the worker-kill test (test/integration/workerKill.test.ts), local host only: with
 * LICENSE_JOB_FAULT_KILL_AFTER_USERS=N the process kills itself (SIGKILL, no cleanup) once it has written
 * N users of bulk jobs, right after a chunk's user writes and before its audit records, settlement and
 * results. It observes the write engine's commits; nothing in the app itself knows about it.
 */
import { observeCommits } from '../shared/licensing';

export function installChaos(env: NodeJS.ProcessEnv = process.env): void {
  const limit = Number(env.LICENSE_JOB_FAULT_KILL_AFTER_USERS ?? 0);
  if (!(limit > 0)) return;
  let written = 0;
  observeCommits((n, groups) => {
    if (!n || !groups.some((g) => g.jobId)) return;
    written += n;
    if (written >= limit) process.kill(process.pid, 'SIGKILL');
  });
}
