/**
 * Chaos for the tests of dying processes, local host only: the process kills itself (SIGKILL, no cleanup,
 * no finally) at a point of the write engine, chosen by settings that only tests give:
 * - LICENSE_JOB_FAULT_KILL_AFTER_USERS=N: once it has written N users of bulk jobs, right after a chunk's
 *   user writes and before its audit records, settlement and results (test/integration/workerKill.test.ts);
 * - LICENSE_FAULT_KILL_AT_RESERVATION=N: at the N-th engine run that has its seats, after the seat
 *   counters moved and before any user is written (a reservation without its user write);
 * - LICENSE_FAULT_KILL_AT_COMMIT=N: at the N-th engine run that wrote users, before its seat releases and
 *   audit records (a user write without its release and record).
 * It observes the write engine; nothing in the app itself knows about it.
 */
import { observeCommits, observeSeatsTaken } from '../shared/licensing';

const die = () => process.kill(process.pid, 'SIGKILL');
const limitOf = (env: NodeJS.ProcessEnv, name: string) => Number(env[name] ?? 0);

export function installChaos(env: NodeJS.ProcessEnv = process.env): void {
  const jobUsers = limitOf(env, 'LICENSE_JOB_FAULT_KILL_AFTER_USERS');
  if (jobUsers > 0) {
    let written = 0;
    observeCommits((n, groups) => {
      if (!n || !groups.some((g) => g.jobId)) return;
      written += n;
      if (written >= jobUsers) die();
    });
  }
  const reservations = limitOf(env, 'LICENSE_FAULT_KILL_AT_RESERVATION');
  if (reservations > 0) {
    let seen = 0;
    observeSeatsTaken(() => {
      if (++seen >= reservations) die();
    });
  }
  const commits = limitOf(env, 'LICENSE_FAULT_KILL_AT_COMMIT');
  if (commits > 0) {
    let seen = 0;
    observeCommits((n) => {
      if (n && ++seen >= commits) die();
    });
  }
}
