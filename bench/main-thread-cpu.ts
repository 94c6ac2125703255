/**
 * CPU time of the calling thread alone, from Linux's /proc/thread-self/stat. process.cpuUsage() adds the
 * collector's helper threads and the optimizing compiler's, whose share moves with how busy the other
 * core is; the main thread's own time was the steadiest figure on these shared 2-core machines.
 * (node 20 has no process.threadCpuUsage.)
 */
import * as fs from "node:fs";

/** Clock ticks per second of the stat file's times: USER_HZ, 100 on every Linux node runs on. */
const TICKS_PER_SECOND = 100;

/** The thread's user + system CPU time in milliseconds (10 ms steps), or undefined off Linux. */
export function mainThreadCpuMs(): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync("/proc/thread-self/stat", "utf8");
  } catch {
    return undefined;
  }
  return cpuMsOfStat(stat);
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
