/**
 * Garbage-collection pauses of the main thread, per phase. On the fleets the collector takes about a
 * fifth of the compile, and its share differs by phase (the syntax trees and the model survive, and
 * surviving objects are what a collection copies); a phase's wall time alone does not say how much of
 * it was the phase's own code.
 */
import { PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";

export interface Pause {
  /** performance.now() time at which the pause began. */
  readonly start: number;
  readonly ms: number;
}

/** A phase as it ran: its name, and when it began and ended on the performance.now() clock. */
export interface PhaseWindow {
  readonly phase: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Starts recording pauses. node makes a gc entry in one setImmediate after the pause and hands it to
 * observers in another, so `await settled()` after the work being measured, then `stop()`, which also
 * takes what is still buffered (disconnecting alone would drop it).
 */
export function recordPauses(): { readonly pauses: readonly Pause[]; stop(): void } {
  const pauses: Pause[] = [];
  const add = (entries: readonly PerformanceEntry[]): void => {
    for (const e of entries) pauses.push({ start: e.startTime, ms: e.duration });
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  return {
    pauses,
    stop: () => {
      add(observer.takeRecords());
      observer.disconnect();
    },
  };
}

/** Resolves after two turns of the check phase: the entries of pauses before the call have been made and handed on. */
export async function settled(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The pause time that began within each window, by phase; a phase without pauses gets 0. A pause that
 * began outside every window (reading the inputs, before the compile) is left out.
 */
export function pausesByPhase(pauses: readonly Pause[], windows: readonly PhaseWindow[]): Record<string, number> {
  const byPhase: Record<string, number> = {};
  for (const w of windows) {
    let ms = 0;
    for (const p of pauses) if (p.start >= w.start && p.start < w.end) ms += p.ms;
    byPhase[w.phase] = (byPhase[w.phase] ?? 0) + ms;
  }
  return byPhase;
}

/**
 * Windows for phases timed one after the other from `start`, given each one's duration: compile()
 * reports durations, not start times. Laid end to end, each window starts early by the time compile()
 * spent between the phases before it (appending a phase's diagnostics; on the 50,000-resource fleet
 * all its steps outside the phases, the final sort included, take about 0.6 ms). So a pause that begins
 * within that much of a phase's end is counted in the next phase, or after the last in none.
 */
export function consecutiveWindows(start: number, phases: readonly { readonly phase: string; readonly ms: number }[]): PhaseWindow[] {
  const windows: PhaseWindow[] = [];
  let at = start;
  for (const p of phases) {
    windows.push({ phase: p.phase, start: at, end: at + p.ms });
    at += p.ms;
  }
  return windows;
}
