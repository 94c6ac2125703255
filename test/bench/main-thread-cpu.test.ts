import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { cpuMsOfStat, threadTimes, timesBetween, timesOfSchedstat } from "../../bench/main-thread-cpu.js";

describe("bench: CPU time of the main thread", () => {
  it("reads schedstat's nanoseconds on a core and waiting for one", () => {
    expect(timesOfSchedstat("1500000000 250000000 42\n")).toEqual({ onCpuMs: 1500, waitingMs: 250 });
    expect(timesOfSchedstat("garbage")).toBeUndefined();
    expect(timesOfSchedstat("")).toBeUndefined();
  });

  it("reads stat's utime and stime (fields 14 and 15), in ticks of 10 ms", () => {
    const stat = "4242 (node) R 1 4242 4242 0 -1 4194304 130 0 0 0 123 45 0 0 20 0 1 0";
    expect(cpuMsOfStat(stat)).toBe((123 + 45) * 10);
  });

  it("counts stat's fields after the command name, which may hold spaces and parentheses", () => {
    const stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194304 130 0 0 0 7 3 0 0 20 0 1 0";
    expect(cpuMsOfStat(stat)).toBe(100);
  });

  it("gives no figure for a stat line it cannot read", () => {
    expect(cpuMsOfStat("garbage")).toBeUndefined();
    expect(cpuMsOfStat("1 (x) R 1 2")).toBeUndefined();
  });

  it("subtracts readings, the waiting time only when both have it", () => {
    expect(timesBetween({ onCpuMs: 10, waitingMs: 2 }, { onCpuMs: 25, waitingMs: 7 })).toEqual({ onCpuMs: 15, waitingMs: 5 });
    expect(timesBetween({ onCpuMs: 10 }, { onCpuMs: 25, waitingMs: 7 })).toEqual({ onCpuMs: 15 });
  });

  it.runIf(fs.existsSync("/proc/thread-self/stat"))("grows with the CPU a busy loop on this thread spends", () => {
    // Spun until the process has spent 300 ms of CPU, which on a loaded machine takes longer but costs
    // the same CPU; the thread's share of it is nearly all, as nothing else of this process is busy.
    const before = threadTimes()!;
    const processBefore = process.cpuUsage();
    let processSpent = 0;
    while (processSpent < 300) {
      const used = process.cpuUsage(processBefore);
      processSpent = (used.user + used.system) / 1000;
    }
    const spent = timesBetween(before, threadTimes()!).onCpuMs;
    expect(spent).toBeGreaterThanOrEqual(200);
    expect(spent).toBeLessThanOrEqual(processSpent + 20); // a thread spends no more than its process, give or take a tick
  });
});
