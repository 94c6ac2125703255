/**
 * The JSON form (README, "The model as JSON"): `.iso` -> --emit-model -> moat gives the same outputs. Checked over
 * generated policies and over the bundled examples: the JSON form of a policy's model compiles to the
 * same model, the same diagnostics and the same files, apart from the source file named in each
 * header and the manifest's inputs; and printing that model again gives the same JSON text.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { compile } from "../../src/index.js";
import { formatModelJson } from "../../src/emit/model-json.js";
import { compileFiles } from "./full-pipeline.js";
import { policySpec, renderIso } from "./policy-arbitrary.js";
import { comparableOutputs, normalizedModel, repositoryRoot } from "./pipeline.js";

const ROOT = repositoryRoot();

/**
 * Diagnostics as severity, code and the words of the message, without positions (they differ between
 * the forms). The words are sorted: a two-sided finding names its sides in source order (MOAT303 says
 * "a and b" where a comes first), and the two forms lay the same workloads out in different orders.
 */
function findings(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.severity} ${d.code} ${d.message.split(" ").sort().join(" ")}`).sort();
}

describe("the JSON form of a model compiles to the same outputs", () => {
  it("for generated policies", () => {
    fc.assert(
      fc.property(policySpec, (spec) => {
        const isoText = renderIso(spec);
        const iso = compileFiles({ "/host/policy.iso": isoText });
        // The generator promises valid, isolated policies: an error here is a bug in it (or in moat).
        expect(iso.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), isoText).toEqual([]);
        expect(iso.outputs.length).toBeGreaterThan(0);

        const jsonText = formatModelJson(iso.model!);
        const json = compileFiles({ "/host/policy.iso.json": jsonText });
        expect(findings(json.diagnostics)).toEqual(findings(iso.diagnostics));
        expect(normalizedModel(json.model!)).toEqual(normalizedModel(iso.model!));
        expect(json.outputs.map((o) => o.path)).toEqual(iso.outputs.map((o) => o.path));
        expect(comparableOutputs(json.outputs)).toEqual(comparableOutputs(iso.outputs));
        expect(formatModelJson(json.model!)).toBe(jsonText);
      }),
      { numRuns: 120 },
    );
  }, 120_000);

  it("with the same warnings when the JSON form lays the workloads out in another order", () => {
    // Found by the property above: the model (and so the JSON form) lists a tenant's services before its
    // VMs, and the .iso here interleaves them. Whom each grant is reported against is chosen in model
    // order, so both forms report the same pairs: three writers and readers of one glob, three warnings.
    const isoText = [
      "tenant globex {",
      '  service globex-svc0 { volume "/srv/globex/common/**" ro  volume "/srv/globex/common/**"  exec "/usr/bin/globex-svc0" }',
      '  vm globex-vm1 { volume "/srv/globex/common/**" ro  uuid "10529837-54a5-bef5-b1dd-5d4aef06c74a" }',
      '  service globex-svc2 { volume "/srv/globex/common/**" }',
      "}",
      "",
    ].join("\n");
    const iso = compileFiles({ "/host/policy.iso": isoText });
    const json = compileFiles({ "/host/policy.iso.json": formatModelJson(iso.model!) });
    expect(iso.diagnostics.map((d) => d.code)).toEqual(["MOAT303", "MOAT303", "MOAT303"]);
    expect(findings(json.diagnostics)).toEqual(findings(iso.diagnostics));
  });

  for (const example of ["compute-01", "control-01", "openstack-ansible"]) {
    it(`for examples/${example}`, () => {
      const readFile = (path: string): { text: string } | { error: string } => {
        try {
          return { text: readFileSync(path, "utf8") };
        } catch (e) {
          return { error: String(e) };
        }
      };
      const iso = compile({ entries: [resolve(ROOT, "examples", example, "main.iso")], readFile }, { version: "0.0.0-test" });
      expect(iso.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const jsonText = formatModelJson(iso.model!);
      const json = compileFiles({ [`/host/${example}.iso.json`]: jsonText });
      expect(findings(json.diagnostics)).toEqual(findings(iso.diagnostics));
      expect(normalizedModel(json.model!)).toEqual(normalizedModel(iso.model!));
      expect(comparableOutputs(json.outputs)).toEqual(comparableOutputs(iso.outputs));
      // The headers differ only in the file they name.
      const header = (content: string): string => content.split("\n", 1)[0]!;
      const profile = iso.outputs.find((o) => o.path.startsWith("apparmor.d/"))!;
      expect(header(json.outputs.find((o) => o.path === profile.path)!.content)).toContain(`from ${example}.iso.json: do not edit`);
      expect(header(profile.content)).not.toContain(".iso.json");
    });
  }
});

describe("formatModelJson", () => {
  it("prints the schema's key order, leaves out implied grants and defaults nothing away", () => {
    const iso = compileFiles({
      "/h/p.iso": `policy p\nprotect "/srv/x/**"\ntenant t {\n  vm v { mode complain\n volume "/srv/t/a" ro\n uuid "6F1C2A3E-0B7D-4A52-9A39-0B1F5C6D7E8F" }\n  service s { socket "@t" exec "/usr/bin/s" abstraction "nameservice" }\n}\nshared "/srv/t/**" ro with t\n`,
    });
    expect(iso.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(formatModelJson(iso.model!)).toBe(
      JSON.stringify(
        {
          policy: "p",
          protect: ["/srv/x/**"],
          tenants: [
            {
              name: "t",
              workloads: [
                { kind: "service", name: "s", exec: "/usr/bin/s", mode: "enforce", abstractions: ["nameservice"], resources: [{ kind: "socket", path: "@t" }] },
                { kind: "vm", name: "v", uuid: "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f", mode: "complain", resources: [{ kind: "volume", path: "/srv/t/a", access: "ro" }] },
              ],
            },
          ],
          shared: [{ path: "/srv/t/**", access: "ro", tenants: ["t"] }],
        },
        null,
        2,
      ) + "\n",
    );
    // The vm has implied grants in the model; none of them is printed.
    expect(iso.model!.tenants[0]!.workloads[1]!.resources.some((r) => r.kind === "implied")).toBe(true);
  });

  it("prints an empty policy as its required minimum", () => {
    const iso = compileFiles({ "/h/p.iso": `let x = "/y"\n` });
    expect(formatModelJson(iso.model!)).toBe(`{\n  "tenants": []\n}\n`);
  });
});
