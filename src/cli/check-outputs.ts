/**
 * `moat check`: compares what a compile would write with the output folder, reading only. A file is
 * missing, different, or stale (the folder's manifest lists it, it is still there, and compile no longer
 * produces it). Files moat neither wrote nor would write are none of check's business.
 */
import type { OutputFile } from "../api.js";
import type { OutputFs } from "./outputs/fs-layer.js";
import { MANIFEST_PATH, parsePreviousManifest } from "./outputs/manifest.js";
import { compare } from "./outputs/plan.js";
import { unifiedDiff } from "./unified-diff.js";

export interface CheckFinding {
  readonly path: string;
  readonly state: "missing" | "different" | "stale";
  /** For a different file: on-disk content to expected content. */
  readonly diff?: string;
}

export function compareOutputs(outDir: string, outputs: readonly OutputFile[], fs: OutputFs, show: (rel: string) => string): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const produced = new Set(outputs.map((o) => o.path));
  for (const out of [...outputs].sort((a, b) => compare(a.path, b.path))) {
    const target = `${outDir}/${out.path}`;
    const kind = fs.kind(target);
    if (kind === undefined) {
      findings.push({ path: out.path, state: "missing" });
      continue;
    }
    // Most files are unchanged: compared through the file system layer's reused buffers, and read whole
    // only when they differ, for the diff.
    if (kind === "file" && fs.holds(target, out.content)) continue;
    const content = kind === "file" ? fs.readFileIfExists(target) : undefined;
    if (content === undefined) {
      findings.push({ path: out.path, state: "different", diff: `${show(out.path)} is a ${kind === "dir" ? "folder" : "link or special file"}, not a file\n` });
    } else if (!content.equals(Buffer.from(out.content, "utf8"))) {
      const name = show(out.path);
      findings.push({ path: out.path, state: "different", diff: unifiedDiff(`${name} (in the folder)`, `${name} (from compile)`, content.toString("utf8"), out.content) });
    }
  }
  const previous = parsePreviousManifest(fs.readFileIfExists(`${outDir}/${MANIFEST_PATH}`));
  if (previous.kind === "valid") {
    for (const path of [...previous.outputs.keys()].sort(compare)) {
      if (!produced.has(path) && fs.kind(`${outDir}/${path}`) !== undefined) findings.push({ path, state: "stale" });
    }
  }
  return findings;
}

export function describeFinding(f: CheckFinding): string {
  switch (f.state) {
    case "missing":
      return "missing";
    case "different":
      return "different from what compile would write";
    case "stale":
      return "stale: the manifest lists it, but compile no longer produces it";
  }
}
