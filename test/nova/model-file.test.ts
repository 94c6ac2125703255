/** moat-nova.json: its schema, and that the hook's reader takes exactly what compile writes. */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { readNovaModel } from "../../src/install/nova-hook.js";
import { compileTexts } from "../support/memory.js";
import { ACME_PROJECT, GLOBEX_PROJECT, novaPolicy } from "./fixture.js";

const schema = JSON.parse(readFileSync(new URL("../../grammar/nova.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function written(policy: string): { text: string; json: Record<string, unknown> } {
  const file = compileTexts({ "/p/main.iso": policy }).outputs.find((o) => o.path === "moat-nova.json");
  if (file === undefined) throw new Error("no moat-nova.json");
  return { text: file.content, json: JSON.parse(file.content) as Record<string, unknown> };
}

describe("moat-nova.json", () => {
  it("matches its schema, and the hook reads back each project's tenant", () => {
    const { text, json } = written(novaPolicy());
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    const model = readNovaModel(text);
    if ("error" in model) throw new Error(model.error);
    expect([...model.projects]).toEqual([[GLOBEX_PROJECT, "globex"], [ACME_PROJECT, "acme"]].sort());
    expect(model.instances).toBe("/var/lib/nova/instances");
  });

  it("is written only for a policy with a nova statement or a project, and the schema and the reader refuse a tampered one", () => {
    expect(compileTexts({ "/p/main.iso": 'tenant a {\n  service s {\n    volume "/srv/a"\n  }\n}\n' }).outputs.map((o) => o.path)).not.toContain("moat-nova.json");
    const { json } = written(novaPolicy());
    for (const tampered of [
      { ...json, instances: "/var/lib/*" },
      { ...json, projects: { 'x" r,': "acme" } },
      { ...json, fragments: { acme: "../../shadow" } },
    ]) {
      expect(validate(tampered)).toBe(false);
      expect("error" in readNovaModel(JSON.stringify(tampered))).toBe(true);
    }
  });
});
