/**
 * Where a compile's time went: `node dist/bench/profile-summary.js FILE.cpuprofile [TOP]` prints the
 * functions with the most self time and the files with the most self time, from a V8 CPU profile
 * (`node --cpu-prof`, or `npm run bench -- --cpu-prof DIR`). Paths are shown relative to the repository.
 */
import * as fs from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
}

export interface ProfileSummary {
  /** Time spent in the function itself, by `name file:line`. */
  readonly functions: SelfTime[];
  /** Time spent in the function or anything it called (a recursive function is counted once a sample). */
  readonly inclusive: SelfTime[];
  readonly files: SelfTime[];
  readonly totalMs: number;
}

/** Self and inclusive time by function, self time by file, in milliseconds, largest first. */
export function summarizeProfile(profile: CpuProfile, shorten: (url: string) => string): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n] as const));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (id: number): { fn: string; file: string } => {
    const frame = byId.get(id)!.callFrame;
    const file = frame.url === "" ? `(${frame.functionName || "native"})` : shorten(frame.url);
    return { fn: `${frame.functionName || "(anonymous)"} ${file}${frame.url === "" ? "" : `:${frame.lineNumber + 1}`}`, file };
  };
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number): void => void m.set(k, (m.get(k) ?? 0) + us);
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const self = key(id);
    add(functions, self.fn, us);
    add(files, self.file, us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = key(at).fn;
      if (!seen.has(k)) add(inclusive, k, us);
      seen.add(k);
    }
    total += us;
  });
  const sorted = (m: Map<string, number>): SelfTime[] => [...m].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { functions: sorted(functions), inclusive: sorted(inclusive), files: sorted(files), totalMs: total / 1000 };
}

function main(argv: readonly string[]): void {
  const [file, topArg] = argv;
  if (file === undefined) throw new Error("usage: profile-summary FILE.cpuprofile [TOP]");
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const shorten = (url: string): string => {
    const m = /\/(dist\/(?:src|bench)\/.*|node_modules\/.*)$/.exec(url);
    return m === null ? url.replace(/^file:\/\//, "").replace(/^.*\/node:/, "node:") : m[1]!;
  };
  const { functions, inclusive, files, totalMs } = summarizeProfile(profile, shorten);
  const line = (s: SelfTime): string => `${s.ms.toFixed(1).padStart(9)} ms ${((100 * s.ms) / totalMs).toFixed(1).padStart(5)}%  ${s.name}`;
  process.stdout.write(`total sampled ${totalMs.toFixed(0)} ms\n\nself time by function:\n`);
  for (const s of functions.slice(0, top)) process.stdout.write(line(s) + "\n");
  process.stdout.write("\ninclusive time by function:\n");
  for (const s of inclusive.slice(0, top)) process.stdout.write(line(s) + "\n");
  process.stdout.write("\nself time by file:\n");
  for (const s of files.slice(0, top)) process.stdout.write(line(s) + "\n");
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, "/"))) main(process.argv.slice(2));
