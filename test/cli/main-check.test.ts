/**
 * `moat check` end to end through main(): findings are diagnostics (MOAT403 out of date, MOAT406 foreign)
 * in text, JSON or SARIF on stdout, with the exit status a CI job relies on: 0 only when the folder is
 * exactly what compile writes, 1 for findings or policy errors, 2 for I/O and usage errors. Every folder
 * these tests make is removed after each test.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import ajvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { afterEach, describe, expect, it } from "vitest";
import { STACK_FRAME } from "../hardening/support/child.js";
import { ACME, CLASH, fsError, runMain, wrappedFs, writeTree } from "./helpers.js";

const require = createRequire(import.meta.url);
const schema = JSON.parse(fs.readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"));
const Ajv04 = ajvDraft04.default;
const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validateSarif = ajv.compile(schema);

// A device under /dev/mapper: a warning (MOAT307), which check reports but does not fail on.
const WARNED = `tenant globex {
  vm ci01 {
    uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"
    volume "/dev/mapper/vg0-ci01" rw
  }
}
`;
const PROFILE = "generated/apparmor.d/libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const DROPPED = "generated/apparmor.d/moat.acme.agent2";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary project holding `files`, compiled into generated/ unless `compiled` is false. */
async function project(files: Record<string, string>, compiled = true): Promise<string> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "moat-check-cli-")));
  made.push(dir);
  writeTree(dir, files);
  if (compiled) expect((await runMain(dir, ["compile"])).code).toBe(0);
  return dir;
}

interface JsonDiag {
  code: string;
  severity: string;
  message: string;
  file: string | null;
  line: number | null;
  hint?: string;
}

interface SarifResult {
  ruleId: string;
  level: string;
  message: { text: string };
  locations?: { physicalLocation: { artifactLocation: { uri: string }; region?: unknown } }[];
}

describe("moat check: foreign files", () => {
  it("a profile dropped into apparmor.d/ fails the check (MOAT406, exit 1) until it is removed", async () => {
    const dir = await project({ "acme.iso": ACME });
    expect(await runMain(dir, ["check"])).toMatchObject({ code: 0, out: "" });
    writeTree(dir, { [DROPPED]: "profile moat.acme.agent /** rwk,\n" });
    const r = await runMain(dir, ["check"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      `${DROPPED}: error MOAT406: a file moat would not write: the manifest compile writes does not list it\n` +
        "  hint: remove it, or move it out of the output folder: whatever is in the folder may be deployed as if moat had written it\n" +
        "\n1 error\n",
    );
    expect(r.err).toBe("moat: generated holds 1 foreign entry (MOAT406): only moat's outputs belong in the output folder\n");
    // compile leaves a file it did not write alone, so only check catches it
    expect((await runMain(dir, ["compile"])).code).toBe(0);
    expect(fs.existsSync(path.join(dir, DROPPED))).toBe(true);
    expect((await runMain(dir, ["check"])).code).toBe(1);
    fs.rmSync(path.join(dir, DROPPED));
    expect((await runMain(dir, ["check"])).code).toBe(0);
  });

  it("reports a top-level file, a hidden file, a subfolder and a link, each once; the lock of a running compile is allowed", async () => {
    const dir = await project({ "acme.iso": ACME });
    writeTree(dir, { "generated/NOTES.md": "x\n", "generated/.env": "x\n", "generated/libvirt/old/a.xml": "x\n" });
    fs.symlinkSync("/etc", path.join(dir, "generated/apparmor.d/etc"));
    // A compile running in another process: the test's parent stands for it.
    fs.writeFileSync(path.join(dir, "generated/.moat.lock"), `${process.ppid}\n`);
    const r = await runMain(dir, ["check"]);
    expect(r.code).toBe(1);
    const reported = [...r.out.matchAll(/^(\S+): error (MOAT\d+): /gm)].map((m) => [m[1], m[2]]);
    expect(reported).toEqual([
      ["generated/.env", "MOAT406"],
      ["generated/NOTES.md", "MOAT406"],
      ["generated/apparmor.d/etc", "MOAT406"],
      ["generated/libvirt/old", "MOAT406"],
    ]);
    expect(r.out).toContain("generated/apparmor.d/etc: error MOAT406: a link or special file moat would not write");
    expect(r.out).toContain("generated/libvirt/old: error MOAT406: a folder moat would not write");
    expect(r.out).toMatch(/\n4 errors\n$/);
  });

  it("names a compile's leftover working folder as such, and says to run compile, which recovers and removes it", async () => {
    const dir = await project({ "acme.iso": ACME });
    const work = `generated/.moat-tmp-${2 ** 22 + 12345}-0a1b2c3d`;
    writeTree(dir, { [`${work}/journal.json`]: '{"changes":[],"createdDirs":[]}' });
    const r = await runMain(dir, ["check"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${work}: error MOAT406: the working folder left by a moat compile that was interrupted (process ${2 ** 22 + 12345})\n  hint: run moat compile:`);
    expect((await runMain(dir, ["compile"])).code).toBe(0);
    expect(fs.existsSync(path.join(dir, work))).toBe(false);
    expect((await runMain(dir, ["check"])).code).toBe(0);
  });

  it("makes the control characters of a foreign name and of a different file visible in text", async () => {
    const dir = await project({ "acme.iso": ACME });
    writeTree(dir, { "generated/evil\u001b[2J\nname": "x\n" });
    fs.appendFileSync(path.join(dir, PROFILE), "# \u001b]0;pwned\u0007\n");
    const r = await runMain(dir, ["check"]);
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.out).toContain("generated/evil\\x1b[2J\\x0aname: error MOAT406: ");
    expect(r.out).toContain("\n-# \u241b]0;pwned\u2407\n");
  });
});

describe("moat check: text, json and sarif", () => {
  it("text: each different file's unified diff follows its MOAT403; missing and stale files are listed too", async () => {
    const dir = await project({ "acme.iso": ACME, "globex.iso": WARNED });
    const seclabel = "generated/libvirt/acme.web01.seclabel.xml";
    fs.writeFileSync(path.join(dir, seclabel), fs.readFileSync(path.join(dir, seclabel), "utf8").replace("<label>", "<label>x"));
    fs.rmSync(path.join(dir, PROFILE));
    const r = await runMain(dir, ["check"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${PROFILE}: error MOAT403: missing: compile would write this file\n  hint: run moat compile, and commit the result with the policy change\n`);
    expect(r.out).toContain(
      `${seclabel}: error MOAT403: different from what compile would write\n  hint: run moat compile, and commit the result with the policy change\n--- ${seclabel} (in the folder)\n+++ ${seclabel} (from compile)\n@@ `,
    );
    expect(r.out).toMatch(/\n-.*<label>x/);
    expect(r.out).toMatch(/\n2 errors\n$/);
    // The policy's own diagnostics go to stderr in text, as compile's do.
    expect(r.err).toContain("warning MOAT307");
    expect(r.err).toContain("moat: generated is out of date: 2 files differ from what compile would write; run moat compile\n");

    await runMain(dir, ["compile", "--force"]);
    fs.rmSync(path.join(dir, "globex.iso"));
    const stale = await runMain(dir, ["check"]);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain("generated/libvirt/globex.ci01.seclabel.xml: error MOAT403: stale: the folder's manifest lists it, but compile no longer produces it\n");
    expect(stale.out).toContain("generated/moat-manifest.json: error MOAT403: different from what compile would write\n");
  });

  it("json: one array on stdout with the policy's diagnostics and the findings, each at its file", async () => {
    const dir = await project({ "acme.iso": ACME, "globex.iso": WARNED });
    const ok = await runMain(dir, ["check", "--format", "json"]);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as JsonDiag[]).map((d) => d.code)).toEqual(["MOAT307"]);
    expect(ok.err).toMatch(/^moat: generated is up to date \(\d+ files\)\n$/);

    writeTree(dir, { [DROPPED]: "profile moat.acme.agent /** rwk,\n" });
    fs.rmSync(path.join(dir, PROFILE));
    const r = await runMain(dir, ["check", "--format", "json"]);
    expect(r.code).toBe(1);
    const diags = JSON.parse(r.out) as JsonDiag[];
    expect(diags.map((d) => [d.code, d.file, d.line])).toEqual([
      ["MOAT307", "globex.iso", 4],
      ["MOAT403", PROFILE, null],
      ["MOAT406", DROPPED, null],
    ]);
    expect(diags[1]).toMatchObject({ severity: "error", message: "missing: compile would write this file" });
    expect(diags[2]).toMatchObject({ severity: "error", hint: expect.stringMatching(/^remove it, or move it out of the output folder/) });
    expect(r.err).toContain("moat: generated holds 1 foreign entry (MOAT406)");
    expect(r.err).not.toContain("MOAT307"); // in the document, not repeated on stderr
  });

  it("sarif: a valid SARIF 2.1.0 log whose results are located at the files, for code scanning", async () => {
    const dir = await project({ "acme.iso": ACME });
    writeTree(dir, { [DROPPED]: "x\n", "generated/a#b?c": "x\n" });
    const r = await runMain(dir, ["check", "--format", "sarif"]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.out) as { runs: { results: SarifResult[]; tool: { driver: { rules: { id: string }[] } } }[] };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const results = log.runs[0]!.results;
    expect(results.map((x) => [x.ruleId, x.level, x.locations?.[0]?.physicalLocation.artifactLocation.uri])).toEqual([
      ["MOAT406", "error", "generated/a%23b%3Fc"],
      ["MOAT406", "error", "generated/apparmor.d/moat.acme.agent2"],
    ]);
    expect(results[1]!.message.text).toMatch(/^a file moat would not write: .*\(remove it, or move it out of the output folder/);
    expect(log.runs[0]!.tool.driver.rules.map((rule) => rule.id)).toContain("MOAT406");
  });

  it("exit status: 1 and no comparison on policy errors (a document in json), 2 on I/O and usage errors", async () => {
    const bad = await project({ "a.iso": ACME, "b.iso": CLASH }, false);
    const text = await runMain(bad, ["check"]);
    expect(text).toMatchObject({ code: 1, out: "" });
    expect(text.err).toContain("error MOAT301");
    const json = await runMain(bad, ["check", "--format", "json"]);
    expect(json.code).toBe(1);
    // The clash is a glob over every folder of the default pool: over-broad as well.
    expect((JSON.parse(json.out) as JsonDiag[]).map((d) => d.code)).toEqual(["MOAT301"]);
    const sarif = await runMain(bad, ["check", "--format", "sarif"]);
    expect(sarif.code).toBe(1);
    expect(validateSarif(JSON.parse(sarif.out))).toBe(true);

    const dir = await project({ "acme.iso": ACME });
    const refusing = wrappedFs((op, args, real) => {
      if (op === "readdir") throw fsError("EACCES");
      return real(args);
    });
    for (const format of ["text", "json"]) {
      const r = await runMain(dir, ["check", "--format", format], { outputFs: refusing });
      expect(r.code).toBe(2);
      expect(format === "text" ? r.err : r.out).toContain("cannot read generated: permission denied");
      expect(r.err).not.toMatch(STACK_FRAME);
    }
    const usage = await runMain(dir, ["check", "--format", "xml"]);
    expect(usage).toMatchObject({ code: 2, out: "" });
    expect(usage.err).toContain("moat: --format must be one of text, json, sarif, not xml");
    expect((await runMain(dir, ["check", "--force"])).code).toBe(2);
  });
});
