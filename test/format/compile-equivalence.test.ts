/**
 * The formatter's semantic promise, end to end: a formatted policy compiles to the same outputs and
 * the same diagnostics as the original. Two things legitimately differ and are normalized: the
 * `file:line` references in profile comments (formatting moves lines) and the inputs' hashes in the
 * manifest (the input text changed). Everything else is compared byte for byte.
 */
import { withoutSourceLocations } from "../support/source-locations.js";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import type { CompileResult } from "../../src/api.js";
import { formatSource } from "../../src/format/format-source.js";
import { compile } from "../../src/index.js";
import type { Source } from "../../src/source.js";
import { compilablePolicy, noisy } from "./arbitraries.js";
import { exampleSources } from "./example-files.js";

function compileSources(sources: readonly Source[], entries: readonly string[]): CompileResult {
  const byPath = new Map(sources.map((s) => [s.path, s.text]));
  return compile(
    { entries, readFile: (path) => (byPath.has(path) ? { text: byPath.get(path)! } : { error: "no such file" }) },
    { version: "test" },
  );
}

function formatted(sources: readonly Source[]): Source[] {
  return sources.map((s) => {
    const result = formatSource(s);
    return result.text === undefined ? s : { path: s.path, text: result.text };
  });
}

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * What a compile produced, less what formatting is allowed to change. The manifest's hashes depend
 * on the input text and on the line numbers in the outputs; they are checked against the files they
 * describe, then left out of the comparison.
 */
function observable(result: CompileResult): unknown {
  const outputs = result.outputs.map((o) => {
    if (o.path === "moat-manifest.json") {
      type Entry = { path: string; sha256: string };
      const manifest = JSON.parse(o.content) as { inputs: Entry[]; outputs: Entry[] };
      for (const entry of manifest.outputs) {
        expect(entry.sha256, entry.path).toBe(sha256(result.outputs.find((x) => x.path === entry.path)!.content));
      }
      return { path: o.path, content: { ...manifest, inputs: manifest.inputs.map((i) => i.path), outputs: manifest.outputs.map((i) => i.path) } };
    }
    if (o.path === "moat-grants.json") return { path: o.path, content: withoutSourceLocations(o.content) };
    return { path: o.path, content: o.content.replace(/(\.iso):\d+/g, "$1:LINE") };
  });
  const diagnostics = result.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, file: d.span?.file, witness: d.witness }));
  return { outputs, diagnostics };
}

function expectSameCompile(sources: readonly Source[], entries: readonly string[]): CompileResult {
  const before = compileSources(sources, entries);
  const after = compileSources(formatted(sources), entries);
  expect(observable(after)).toEqual(observable(before));
  return before;
}

const examples = exampleSources();

/** The examples grouped as they are compiled: each folder with a main.iso is one compilation, every other file its own. */
function compilations(): { name: string; entries: string[] }[] {
  const folders = new Set(examples.filter((s) => s.path.endsWith("/main.iso")).map((s) => dirname(s.path)));
  const inFolder = (path: string): string | undefined => [...folders].find((f) => path.startsWith(f + "/"));
  const groups = new Map<string, string[]>();
  for (const s of examples) {
    const name = inFolder(s.path) ?? s.path;
    groups.set(name, [...(groups.get(name) ?? []), s.path]);
  }
  return [...groups].map(([name, entries]) => ({ name, entries }));
}

describe("a formatted policy compiles like the original", () => {
  for (const { name, entries } of compilations()) {
    it(name, () => {
      expectSameCompile(examples, entries);
    });
  }

  it("the host examples compile to outputs (the comparison above is not between two failures)", () => {
    for (const host of ["examples/compute-01", "examples/control-01"]) {
      const entries = examples.filter((s) => s.path.startsWith(host + "/")).map((s) => s.path);
      const result = compileSources(examples, entries);
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(result.outputs.length).toBeGreaterThan(1);
    }
  });

  it("holds for generated policies written in random layouts", () => {
    let compiled = 0;
    fc.assert(
      fc.property(noisy(compilablePolicy), (text) => {
        const result = expectSameCompile([{ path: "gen/policy.iso", text }], ["gen/policy.iso"]);
        if (result.outputs.length > 0) compiled++;
      }),
      { numRuns: 50 },
    );
    // Generated policies are meant to compile; if none did, the property compared only failures.
    expect(compiled).toBeGreaterThan(25);
  }, 60_000);
});
