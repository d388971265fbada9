/**
 * What the other processes cost, from /proc (Linux; undefined elsewhere): the emulators' CPU and peak
 * memory, the machine's load and the other benchmarks sharing its cores (figures are noisy beside them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Command-line fragments that name the emulator processes (see local/emulators.ts). */
export const EMULATORS = { cosmos: 'cosmosEmulator.js', azurite: 'azurite-queue' };

const CLOCK_TICKS = 100; // USER_HZ, the unit of /proc/<pid>/stat times: 100 on the Linux architectures Node runs on

/** CPU time (ms) and peak RSS (VmHWM, bytes) of this process's child processes whose command line contains `match`. */
export function childProc(match: string): { cpuMs: number; peakRss: number } | undefined {
  try {
    let found: { cpuMs: number; peakRss: number } | undefined;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
      if (Number(fields[1]) !== process.pid) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(match)) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      found = {
        cpuMs: (found?.cpuMs ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS, // utime + stime
        peakRss: Math.max(found?.peakRss ?? 0, Number(hwm ?? 0) * 1024),
      };
    }
    return found;
  } catch {
    return undefined;
  }
}

/** The machine's 1-, 5- and 15-minute load average and its cores. */
export function machineLoad(): string {
  try {
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    return `load average ${load} on ${cpus().length} cores`;
  } catch {
    return 'load average n/a';
  }
}

/** Benchmarks of this project running on the machine that are not this one (nor its parents or children): they share the cores. */
export function otherBenchmarks(): string[] {
  const out: string[] = [];
  try {
    const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
    const parent = new Map<number, number>();
    for (const pid of procs) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        /* gone */
      }
    }
    const ancestors = new Set<number>();
    for (let p = process.pid, n = 0; p > 1 && n < 50; p = parent.get(p) ?? 0, n++) ancestors.add(p);
    const descendant = (pid: number): boolean => {
      for (let p = pid, n = 0; p > 1 && n < 50; p = parent.get(p) ?? 0, n++) if (p === process.pid) return true;
      return false;
    };
    for (const pid of procs) {
      const id = Number(pid);
      if (ancestors.has(id) || descendant(id)) continue;
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        if (!/(^|\/)node$/.test(argv[0] ?? '')) continue;
        const m = /dist\/bench\/[\w-]+\.js.*/.exec(argv.slice(1).join(' '));
        if (m) out.push(m[0]);
      } catch {
        /* gone */
      }
    }
  } catch {
    /* not Linux */
  }
  return out;
}
