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
 * Starts recording pauses. node delivers gc entries asynchronously: read `pauses` only after the event
 * loop has turned once past the work being measured (`await settled()`).
 */
export function recordPauses(): { readonly pauses: readonly Pause[]; stop(): void } {
  const pauses: Pause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) pauses.push({ start: e.startTime, ms: e.duration });
  });
  observer.observe({ entryTypes: ["gc"] });
  return { pauses, stop: () => observer.disconnect() };
}

/** Resolves once queued performance entries have been delivered. */
export function settled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The pause time that began within each window, by phase; a phase without pauses gets 0. A pause that
 * began between two windows (the library's few steps between phases) is left out: it belongs to neither.
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
 * reports durations, not start times. The steps between its phases (appending a phase's diagnostics)
 * shift later windows early; on the 50,000-resource fleet all of them, with the final sort, take about
 * 0.6 ms, so only a pause that begins within that much of a boundary may be counted in the next phase.
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
