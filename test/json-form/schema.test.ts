import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { POLICY_SCHEMA } from "../../src/json-form/policy-schema.generated.js";
import { policyValidator } from "../../src/json-form/validate-schema.js";
import { repositoryRoot } from "./pipeline.js";

const ROOT = repositoryRoot();
const schemaText = readFileSync(resolve(ROOT, "grammar/policy.schema.json"), "utf8");
const schema = JSON.parse(schemaText) as Record<string, unknown>;

type SchemaNode = Record<string, unknown>;

/** Every subschema that describes an object with properties, with where it is. */
function objectSchemas(node: unknown, where = "#"): [string, SchemaNode][] {
  if (typeof node !== "object" || node === null) return [];
  if (Array.isArray(node)) return node.flatMap((n, i) => objectSchemas(n, `${where}/${i}`));
  const record = node as SchemaNode;
  const own: [string, SchemaNode][] = "properties" in record ? [[where, record]] : [];
  return [...own, ...Object.entries(record).flatMap(([k, v]) => objectSchemas(v, `${where}/${k}`))];
}

describe("grammar/policy.schema.json", () => {
  it("compiles with ajv in strict mode and is a valid draft-07 schema", () => {
    const ajv = new Ajv({ strict: true, allErrors: true, discriminator: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
    expect(schema["$schema"]).toBe("http://json-schema.org/draft-07/schema#");
  });

  it("is what the library carries (src/json-form/policy-schema.generated.ts)", () => {
    // On failure: node src/json-form/generate-schema-module.mjs
    expect(POLICY_SCHEMA).toEqual(schema);
    expect(policyValidator().schema).toBe(POLICY_SCHEMA);
  });

  it("closes every object and describes every property", () => {
    const objects = objectSchemas(schema).filter(([where]) => !where.endsWith("/properties"));
    expect(objects.map(([where]) => where)).toEqual([
      "#",
      "#/properties/nova",
      "#/definitions/accepts/items",
      "#/definitions/tenant",
      "#/definitions/workload",
      "#/definitions/network",
      "#/definitions/fileResource",
      "#/definitions/socketResource",
      "#/definitions/readResource",
      "#/definitions/runResource",
      "#/definitions/vmFileResource",
      "#/definitions/shareResource",
      "#/definitions/hostDeviceAddress",
      "#/definitions/usbById",
      "#/definitions/shared",
    ]);
    for (const [where, object] of objects) {
      expect(object["additionalProperties"], `${where} must set additionalProperties false`).toBe(false);
      for (const [name, property] of Object.entries(object["properties"] as Record<string, SchemaNode>)) {
        expect(typeof property["description"], `${where}/properties/${name} needs a description`).toBe("string");
      }
    }
  });

  it("restricts names to the identifier rule of the language", () => {
    const validate = policyValidator();
    const named = (name: string): unknown => ({ tenants: [{ name, workloads: [] }] });
    for (const ok of ["a", "acme", "Web-01_x", "a".repeat(64)]) expect(validate(named(ok)), ok).toBe(true);
    for (const bad of ["", "1a", "-a", "a.b", "a b", "a/b", "a".repeat(65), "é"]) expect(validate(named(bad)), bad).toBe(false);
  });
});
