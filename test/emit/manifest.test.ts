import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { emitOutputs } from "../../src/emit/emit-outputs.js";
import { computeExample } from "./fixtures.js";

const schema = JSON.parse(readFileSync(new URL("../../grammar/manifest.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function hash(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex");
}

describe("moat-manifest.json", () => {
  const m = computeExample();
  const outputs = emitOutputs(m, { version: "1.2.3" });
  const manifestFile = outputs.find((o) => o.path === "moat-manifest.json")!;
  const manifest = JSON.parse(manifestFile.content) as {
    policy: string | null;
    version: string;
    inputs: { path: string; sha256: string }[];
    outputs: { path: string; sha256: string }[];
  };

  it("matches its JSON Schema", () => {
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the schema refuses what a manifest must not hold", () => {
    const bad = [
      { ...manifest, extra: 1 },
      { ...manifest, inputs: [{ path: "/abs/x.iso", sha256: "0".repeat(64) }] },
      { ...manifest, outputs: [{ path: "a/../b", sha256: "0".repeat(64) }] },
      { ...manifest, outputs: [{ path: "x", sha256: "ABC" }] },
      { ...manifest, policy: "has space" },
    ];
    for (const b of bad) expect(validate(b)).toBe(false);
  });

  it("names the policy and version, every input relative to the root and every other output, with hashes", () => {
    expect(manifest.policy).toBe("compute-01");
    expect(manifest.version).toBe("1.2.3");
    expect(manifest.inputs).toEqual(
      [...m.sources].map((s) => ({ path: s.path.slice(m.root.length + 1), sha256: hash(s.text) })),
    );
    expect(manifest.inputs.map((i) => i.path)).toEqual(["compute-01.iso", "tenants/globex.iso"]);
    const others = outputs.filter((o) => o !== manifestFile);
    expect(manifest.outputs).toEqual(others.map((o) => ({ path: o.path, sha256: hash(o.content) })));
  });

  it("is pretty JSON with a fixed key order, ending with a newline", () => {
    expect(manifestFile.content.endsWith("}\n")).toBe(true);
    expect(Object.keys(manifest)).toEqual(["format", "generator", "version", "policy", "inputs", "outputs"]);
    expect(manifestFile.content).toBe(JSON.stringify(manifest, null, 2) + "\n");
  });

  it("has policy null when the policy is unnamed", () => {
    const { policy: _unused, ...unnamed } = m;
    const text = emitOutputs(unnamed, { version: "1" }).find((o) => o.path === "moat-manifest.json")!.content;
    const parsed = JSON.parse(text) as { policy: unknown };
    expect(parsed.policy).toBeNull();
    expect(validate(parsed)).toBe(true);
  });
});
