/** moat-grants.json: its schema, its content for a known model, and that install reads back what compile wrote. */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { emitOutputs } from "../../src/emit/emit-outputs.js";
import { parseGrantsModel } from "../../src/install/grants-model.js";
import { computeExample } from "./fixtures.js";

const schema = JSON.parse(readFileSync(new URL("../../grammar/grants.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

describe("moat-grants.json", () => {
  const m = computeExample();
  const outputs = emitOutputs(m, { version: "1.2.3" });
  const file = outputs.find((o) => o.path === "moat-grants.json")!;
  const data = JSON.parse(file.content) as { profiles: { path: string; grants: { kind: string; glob: string; perms: string; deny?: string; line: number; file?: string }[]; exec?: unknown }[]; protect: unknown[]; shared: unknown[] };

  it("matches its JSON Schema, and the schema refuses what the file must not hold", () => {
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    const bad = [
      { ...data, extra: 1 },
      { ...data, profiles: [{ ...data.profiles[0]!, path: "../x" }] },
      { ...data, profiles: [{ ...data.profiles[0]!, grants: [{ ...data.profiles[0]!.grants[0]!, perms: "Px" }] }] },
      { ...data, profiles: [{ ...data.profiles[0]!, grants: [{ ...data.profiles[0]!.grants[0]!, glob: "relative" }] }] },
    ];
    for (const b of bad) expect(validate(b)).toBe(false);
  });

  it("is listed in the manifest, and lists every profile of the folder with its path grants", () => {
    const manifest = JSON.parse(outputs.find((o) => o.path === "moat-manifest.json")!.content) as { outputs: { path: string }[] };
    expect(manifest.outputs.map((o) => o.path)).toContain("moat-grants.json");
    expect(data.profiles.map((p) => p.path)).toEqual(outputs.map((o) => o.path).filter((p) => p.startsWith("apparmor.d/")));
    for (const p of data.profiles) {
      const profile = outputs.find((o) => o.path === p.path)!.content;
      for (const g of p.grants) expect(profile, `${p.path}: ${g.glob}`).toContain(` ${g.perms},`);
    }
  });

  it("holds each vm's implied rules with their permissions, and no abstract socket", () => {
    for (const p of data.profiles.filter((x) => x.path.startsWith("apparmor.d/libvirt-"))) {
      expect(p.grants.filter((g) => g.kind === "implied").map((g) => g.perms).sort(), p.path).toEqual(["rw", "rw", "rw", "rw", "rwk", "w"]);
    }
    for (const p of data.profiles) for (const g of p.grants) expect(g.glob.startsWith("/"), g.glob).toBe(true);
  });

  it("one grant per line, deterministic, ending with a newline", () => {
    expect(file.content.endsWith("}\n")).toBe(true);
    for (const line of file.content.split("\n").filter((l) => l.includes('"kind": "volume"') || l.includes('{"kind":'))) expect(() => JSON.parse(line.trim().replace(/,$/, ""))).not.toThrow();
    expect(emitOutputs(m, { version: "1.2.3" }).find((o) => o.path === "moat-grants.json")!.content).toBe(file.content);
  });

  it("reads back as install's model", () => {
    const parsed = parseGrantsModel(file.content);
    expect("model" in parsed && parsed.model.profiles.length).toBe(data.profiles.length);
    expect(parseGrantsModel("{")).toEqual({ error: "moat-grants.json is not valid JSON" });
    expect(parseGrantsModel(JSON.stringify({ ...data, format: 2 }))).toMatchObject({ error: expect.stringMatching(/not in format 1/) });
  });
});
