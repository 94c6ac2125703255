/**
 * Output grants exactly what the policy says. For a few hundred generated policies with hostile text in
 * every position the grammar allows, AppArmor's own parser (`-D rule-exprs`) must read each profile as
 * exactly: the fixed base (what moat writes for the same workload with nothing declared: libvirt's
 * implied rules, the built-in protected paths), plus each declared grant with its declared permissions,
 * plus a deny for each `protect`. The declared part is rendered here from the generated structure, by
 * the escaping rule of docs/security.md, never taken from moat. No rule more, none widened, none missing. Every
 * seclabel snippet must be one `<seclabel>` with the expected label, valid for libvirt's schema.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import { describeWithValidators } from "../support/validators.js";
import { compileTexts } from "../support/memory.js";
import { expectedProfiles, isoText, policySpec, skeletonText, type PolicySpec } from "./support/hostile-policy.js";
import { ABSTRACTION_INCLUDE, profileBlock, rulesPerProfile } from "./support/rule-sets.js";
import { SEED } from "../support/seed.js";

const POLICIES = 240;
const BATCH = 60;
// MOAT311: the generator puts some workloads in complain mode, which is said out loud.
const ALLOWED_WARNINGS = new Set(["MOAT303", "MOAT307", "MOAT220", "MOAT311"]);

const withoutAttachment = (head: string): string => head.replace(/^(profile \S+) "(?:[^"\\]|\\.)*"/, "$1 ATTACHMENT");

interface Checked {
  readonly actual: string[];
  readonly expected: string[];
  readonly labels: string[];
  readonly seclabels: { file: string; xml: string; label: string }[];
}

/** Compiles one policy and its skeleton; returns the parser inputs for both sides, after the text checks. */
function prepare(spec: PolicySpec, into: Checked, index: number): void {
  const source = isoText(spec);
  const result = compileTexts({ "/p/main.iso": source });
  const errors = result.diagnostics.filter((d) => !ALLOWED_WARNINGS.has(d.code));
  expect(errors.map((d) => `${d.code} ${d.message}`), `policy ${index}:\n${source}`).toEqual([]);
  const base = compileTexts({ "/p/main.iso": skeletonText(spec) });
  const outputs = new Map(result.outputs.map((o) => [o.path, o.content]));
  const baseOutputs = new Map(base.outputs.map((o) => [o.path, o.content]));
  const expected = expectedProfiles(spec);
  // No profile more or fewer than the workloads.
  expect([...outputs.keys()].filter((p) => p.startsWith("apparmor.d/")).sort()).toEqual(expected.map((e) => e.path).sort());
  for (const e of expected) {
    const content = outputs.get(e.path)!;
    const lines = content.split("\n");
    // The head as text, but for the exec attachment, whose bytes the parser compares below (moat may
    // spell a literal differently, e.g. `@` as `[\100]` before a brace).
    const heads = lines.filter((l) => l.startsWith("profile "));
    expect(heads.map(withoutAttachment), `${e.path} of policy ${index}`).toEqual([withoutAttachment(e.head)]);
    // Includes, as text: the base's own (the kind's abstraction) plus exactly the declared ones.
    const baseBody = profileBlock(baseOutputs.get(e.path)!).split("\n").slice(1);
    const baseIncludes = baseOutputs.get(e.path)!.split("\n").filter((l) => ABSTRACTION_INCLUDE.test(l));
    const includes = lines.filter((l) => ABSTRACTION_INCLUDE.test(l)).map((l) => l.trim());
    expect(includes.sort()).toEqual([...baseIncludes.map((l) => l.trim()), ...e.abstractions.map((a) => `include <abstractions/${a}>`)].sort());
    // Nothing before the profile but the header comments, the abi line and the tunables.
    const preamble = lines.slice(0, lines.findIndex((l) => l.startsWith("profile ")));
    expect(preamble.filter((l) => l !== "" && !l.startsWith("# ")), e.path).toEqual(["abi <abi/3.0>,", "include <tunables/global>"]);
    into.actual.push(profileBlock(content));
    const close = baseBody.lastIndexOf("}");
    into.expected.push([e.head, ...baseBody.slice(0, close), ...e.rules.map((r) => `  ${r}`), ...baseBody.slice(close)].join("\n"));
    into.labels.push(`policy ${index} ${e.path}`);
    if (e.workload.kind === "vm") {
      const file = `libvirt/${e.tenant}.${e.workload.name}.seclabel.xml`;
      into.seclabels.push({ file: `${index}-${path.basename(file)}`, xml: outputs.get(file)!, label: `libvirt-${e.workload.uuid.toLowerCase()}` });
    }
  }
}

/** Every snippet: valid for libvirt's seclabel definition (one xmllint run) and, parsed, one element with the label. */
function checkSeclabels(snippets: Checked["seclabels"]): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "moat-seclabels-"));
  try {
    const schema = path.join(dir, "seclabel.rng");
    fs.writeFileSync(schema, `<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include href="/usr/share/libvirt/schemas/domaincommon.rng"/>\n<start><ref name="seclabel"/></start></grammar>\n`);
    const files = snippets.map((s) => {
      const file = path.join(dir, s.file);
      fs.writeFileSync(file, s.xml);
      return file;
    });
    const lint = spawnSync("xmllint", ["--noout", "--relaxng", schema, ...files], { encoding: "utf8" });
    expect(lint.status, lint.stderr.slice(0, 2000)).toBe(0);
    const script = `import sys, json, xml.etree.ElementTree as ET
out = []
for f in sys.argv[1:]:
    root = ET.parse(f).getroot()
    out.append([root.tag, dict(root.attrib), [c.tag for c in root], (root.find("label").text if root.find("label") is not None else None), (root.text or "").strip()])
print(json.dumps(out))`;
    const py = spawnSync("python3", ["-c", script, ...files], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    const parsed = JSON.parse(py.stdout) as [string, Record<string, string>, string[], string | null, string][];
    parsed.forEach(([tag, attrs, children, label, text], i) => {
      expect({ tag, attrs, children, label, text }, snippets[i]!.file).toEqual({
        tag: "seclabel",
        attrs: { type: "static", model: "apparmor", relabel: "no" },
        children: ["label"],
        label: snippets[i]!.label,
        text: "",
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describeWithValidators(`generated hostile policies through apparmor_parser (seed ${SEED})`, ["apparmor_parser", "xmllint", "libvirt-schemas"], () => {
  const specs = fc.sample(policySpec, { seed: SEED, numRuns: POLICIES });

  for (let from = 0; from < POLICIES; from += BATCH) {
    it(`policies ${from}-${from + BATCH - 1}: each profile is exactly the base plus the declared grants`, () => {
      const checked: Checked = { actual: [], expected: [], labels: [], seclabels: [] };
      specs.slice(from, from + BATCH).forEach((spec, i) => prepare(spec, checked, from + i));
      const actual = rulesPerProfile(checked.actual);
      const expected = rulesPerProfile(checked.expected);
      checked.labels.forEach((label, i) => {
        expect(actual[i], `${label} (seed ${SEED})\n--- moat wrote:\n${checked.actual[i]}\n--- expected:\n${checked.expected[i]}`).toEqual(expected[i]);
      });
      checkSeclabels(checked.seclabels);
    }, 120_000);
  }

  it("the comparison can fail: one widened, one added, one dropped rule are each seen", () => {
    const [spec] = fc.sample(policySpec.filter((p) => p.tenants[0]!.workloads[0]!.grants.some((g) => g.kind === "volume")), { seed: SEED, numRuns: 1 });
    const checked: Checked = { actual: [], expected: [], labels: [], seclabels: [] };
    prepare(spec!, checked, 0);
    const block = checked.expected[0]!;
    const grantLine = block.split("\n").find((l) => / rwk?,$| rk,$| r,$/.test(l) && !l.includes("deny"))!;
    const variants = [
      block.replace(grantLine, grantLine.replace(/"(.*)\/?"/, '"$1*"')),
      block.replace(grantLine, `${grantLine}\n  "/etc/passwd" r,`),
      block.replace(grantLine, ""),
      block.replace(grantLine, grantLine.replace(/ (r\w*),$/, " $1m,")),
    ];
    expect(variants.every((v) => v !== block)).toBe(true);
    const [reference, ...mutated] = rulesPerProfile([block, ...variants]);
    expect(mutated).toHaveLength(4);
    for (const m of mutated) expect(m).not.toEqual(reference);
  }, 60_000);

  it("the comparison can fail on unix rules: a peer condition dropped or aimed elsewhere is seen", () => {
    const [bind, server, client] = ['unix (bind, listen) addr="@a",', 'unix (accept, send, receive) addr="@a" peer=(addr=none),', 'unix (connect, send, receive) addr=none peer=(addr="@a"),'];
    const block = (...rules: string[]): string => ["profile p {", ...rules.map((r) => `  ${r}`), "}"].join("\n");
    const variants = [
      block(bind, 'unix (accept, send, receive) addr="@a",', client),
      block(bind, 'unix (accept, send, receive) addr="@a" peer=(addr="@b"),', client),
      block(bind, server, "unix (connect, send, receive) addr=none,"),
      block(bind, server, 'unix (connect, send, receive) addr=none peer=(addr="@b"),'),
    ];
    const [reference, ...mutated] = rulesPerProfile([block(bind, server, client), ...variants]);
    expect(mutated).toHaveLength(4);
    for (const m of mutated) expect(m).not.toEqual(reference);
  }, 60_000);
});
