import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import ajvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { CODES } from "../../src/diagnostics/codes.js";
import { HELP } from "../../src/diagnostics/help.generated.js";
import { toSarif } from "../../src/diagnostics/render-sarif.js";
import { compileTexts } from "../support/memory.js";

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"));
// The published SARIF 2.1.0 schema is draft-04; ajv's draft-04 build reads it as it is.
// unicodeRegExp off: one pattern of the published schema (a language tag) is not valid with the u flag.
// A CommonJS default export: under NodeNext the class is the module's `default`.
const Ajv04 = ajvDraft04.default;
const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

const policy = `tenant acme {\n  service sync {\n    volume "/srv/data/*.img" rw\n  }\n}\ntenant globex {\n  service restore {\n    volume "/srv/data/db.img" rw\n  }\n}\n`;

function sarifOf(files: Record<string, string>) {
  const result = compileTexts(files);
  return { result, log: toSarif(result.diagnostics, { sources: result.sources, displayPath: (p) => p.replace(/^\/p\//, "") }, "0.1.0") };
}

describe("SARIF output", () => {
  it("validates against the SARIF 2.1.0 schema, with an overlap's region, related location and witness", () => {
    const { log } = sarifOf({ "/p/host.iso": policy });
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const run = log.runs[0]!;
    expect(run.results).toHaveLength(1);
    const result = run.results![0]!;
    expect(result.ruleId).toBe("MOAT301");
    expect(run.tool.driver.rules![result.ruleIndex!]!.id).toBe("MOAT301");
    expect(result.level).toBe("error");
    expect(result.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe("host.iso");
    expect(result.locations![0]!.physicalLocation!.region).toEqual({ startLine: 8, startColumn: 12, endLine: 8, endColumn: 30 });
    expect(result.relatedLocations![0]!.physicalLocation!.region).toMatchObject({ startLine: 3, startColumn: 12 });
    expect(result.relatedLocations![0]!.message!.text).toContain("acme/sync");
    expect(result.properties).toMatchObject({ witness: "/srv/data/db.img" });
  });

  it("has one rule per diagnostic code, each with the docs' help text", () => {
    const { log } = sarifOf({ "/p/host.iso": policy });
    const rules = log.runs[0]!.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(Object.keys(CODES));
    for (const r of rules) {
      expect(r.help?.text.length, r.id).toBeGreaterThan(40);
      expect(r.shortDescription?.text).toBe(CODES[r.id as keyof typeof CODES].title);
      expect(r.defaultConfiguration?.level).toBe(CODES[r.id as keyof typeof CODES].severity);
    }
  });

  it("validates for problems without a file and for warnings", () => {
    const empty = sarifOf({});
    expect(validate(empty.log), JSON.stringify(validate.errors)).toBe(true);
    expect(empty.log.runs[0]!.results![0]!.locations).toBeUndefined();
    const warn = sarifOf({ "/p/w.iso": `tenant a {\n service idle { exec "/bin/idle" }\n}\n` });
    expect(validate(warn.log), JSON.stringify(validate.errors)).toBe(true);
    expect(warn.log.runs[0]!.results![0]!.level).toBe("warning");
  });

  it("keeps the generated help text in step with docs/diagnostics.md", async () => {
    const generator = await import("../../docs/generate-help.mjs");
    const docs = readFileSync(join(import.meta.dirname, "../../docs/diagnostics.md"), "utf8");
    expect(generator.extractHelp(docs)).toEqual(HELP);
    for (const code of Object.keys(CODES)) expect(HELP[code]?.fix, code).toBeTruthy();
  });
});
