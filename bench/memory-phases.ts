/**
 * What each phase keeps alive: `node --expose-gc dist/bench/memory-phases.js DIR` runs the pipeline's
 * phases one by one (the same functions compile() calls, in the same order, the isolation rules one at a
 * time) and, after each, collects
 * garbage and prints the live heap and the resident set. The growth from one line to the next is what
 * that phase retains; the peak RSS the benchmark reports is reached in the phase with the largest step.
 */
import { findInputs } from "../src/cli/find-inputs.js";
import { readSourceFile } from "../src/cli/read-source.js";
import { ISOLATION_RULES } from "../src/check/rules.js";
import { emitOutputs } from "../src/emit/emit-outputs.js";
import { loadFiles } from "../src/model/load-files.js";
import { resolveModel } from "../src/model/resolve.js";
import { VERSION } from "../src/version.js";

function snapshot(label: string, ms: number): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc");
  gc();
  const m = process.memoryUsage();
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0).padStart(6)} MiB`;
  process.stdout.write(`${label.padEnd(30)} ${ms.toFixed(0).padStart(6)} ms   live heap ${mib(m.heapUsed)}   rss ${mib(m.rss)}   peak rss ${mib(process.resourceUsage().maxRSS * 1024)}\n`);
}

function main(dir: string | undefined): void {
  if (dir === undefined) throw new Error("usage: node --expose-gc memory-phases.js DIR");
  snapshot("start", 0);
  const found = findInputs([dir], process.cwd(), (p) => p);
  if ("error" in found) throw new Error(found.error);
  let t = performance.now();
  const loaded = loadFiles({ entries: found.entries, readFile: readSourceFile });
  snapshot("parse", performance.now() - t);
  t = performance.now();
  const { model } = resolveModel(loaded);
  snapshot("model", performance.now() - t);
  // Rule by rule, in compile()'s order; the first rule to need the overlap analysis pays for it (cached).
  const diagnostics = [];
  for (const rule of ISOLATION_RULES) {
    t = performance.now();
    diagnostics.push(...rule.check(model));
    snapshot(`check: ${rule.name}`, performance.now() - t);
  }
  t = performance.now();
  const outputs = emitOutputs(model, { version: VERSION });
  snapshot("emit", performance.now() - t);
  process.stdout.write(`${loaded.sources.length} sources, ${diagnostics.length} diagnostics, ${outputs.length} outputs\n`);
}

main(process.argv[2]);
