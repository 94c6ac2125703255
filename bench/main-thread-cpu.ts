/**
 * CPU time of the calling thread alone, from Linux's /proc/thread-self. process.cpuUsage() adds the
 * collector's helper threads and the optimizing compiler's, whose share moves with how busy the other
 * core is; the main thread's own time was the steadiest figure on these shared 2-core machines.
 * (node 20 has no process.threadCpuUsage.)
 */
import * as fs from "node:fs";

export interface ThreadTimes {
  /** Time the thread ran on a core, milliseconds. */
  readonly onCpuMs: number;
  /**
   * Time it was ready to run but waited for a core, milliseconds: on two cores, the main thread waits
   * while the optimizing compiler and the collector's helpers hold both. Absent where only the coarser
   * stat file could be read.
   */
  readonly waitingMs?: number;
}

/** Clock ticks per second of the stat file's times: USER_HZ, 100 on every Linux node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * The calling thread's times so far, or undefined off Linux. schedstat counts nanoseconds; stat, read
 * when schedstat is missing, counts 10 ms ticks, so a difference of two readings may be 20 ms off.
 */
export function threadTimes(): ThreadTimes | undefined {
  const schedstat = readIfPresent("/proc/thread-self/schedstat");
  const fromSchedstat = schedstat === undefined ? undefined : timesOfSchedstat(schedstat);
  if (fromSchedstat !== undefined) return fromSchedstat;
  const stat = readIfPresent("/proc/thread-self/stat");
  const onCpuMs = stat === undefined ? undefined : cpuMsOfStat(stat);
  return onCpuMs === undefined ? undefined : { onCpuMs };
}

/** `b - a`, field by field; the waiting time only when both readings have it. */
export function timesBetween(a: ThreadTimes, b: ThreadTimes): ThreadTimes {
  const onCpuMs = b.onCpuMs - a.onCpuMs;
  return a.waitingMs !== undefined && b.waitingMs !== undefined ? { onCpuMs, waitingMs: b.waitingMs - a.waitingMs } : { onCpuMs };
}

function readIfPresent(path: string): string | undefined {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** schedstat: nanoseconds on a core, nanoseconds waiting on a run queue, time slices run. */
export function timesOfSchedstat(line: string): ThreadTimes | undefined {
  const [onCpu, waiting] = line.trim().split(/\s+/).map(Number);
  if (!Number.isFinite(onCpu) || !Number.isFinite(waiting)) return undefined;
  return { onCpuMs: onCpu! / 1e6, waitingMs: waiting! / 1e6 };
}

/**
 * utime + stime (fields 14 and 15) of a stat line, in milliseconds. Fields are counted after the
 * command name's closing parenthesis: the name itself may hold spaces and parentheses.
 */
export function cpuMsOfStat(stat: string): number | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  // After ") " come field 3 (state) onwards, so field n is at index n - 3.
  const fields = stat.slice(close + 2).split(" ");
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}
