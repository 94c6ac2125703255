/**
 * What install decides from its record and the target folder (plan-changes.ts), how it judges the
 * compiled folder against its manifest (verify-folder.ts), and the record's own format.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseInstalledRecord, renderInstalledRecord } from "../../src/install/installed-record.js";
import { planChanges, type TargetState } from "../../src/install/plan-changes.js";
import { verifyFolder, type FolderEntry } from "../../src/install/verify-folder.js";

const sha = (s: string): string => createHash("sha256").update(s).digest("hex");
const want = (name: string, text: string) => ({ name, text, sha256: sha(text), profiles: [name] });

describe("planChanges", () => {
  const states = (m: Record<string, TargetState>) => (name: string): TargetState => m[name] ?? { kind: "absent" };
  const show = (n: string): string => `/etc/apparmor.d/${n}`;

  it("creates, keeps, replaces what it owns, removes what it owns and no longer ships", () => {
    const plan = planChanges(
      [want("a", "new a"), want("b", "b"), want("c", "new c")],
      [
        { name: "b", sha256: sha("b"), profiles: ["b"] },
        { name: "c", sha256: sha("old c"), profiles: ["c"] },
        { name: "d", sha256: sha("d"), profiles: ["d"] },
      ],
      states({ b: { kind: "file", sha256: sha("b") }, c: { kind: "file", sha256: sha("old c") }, d: { kind: "file", sha256: sha("d") } }),
      show,
    );
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes.map((c) => `${c.op} ${c.path}`)).toEqual(["delete d", "create a", "replace c"]);
    expect([plan.installed, plan.unchanged, plan.removed, [...plan.unload]]).toEqual([["a", "c"], ["b"], ["d"], [["d", ["d"]]]]);
  });

  it("accepts a file at its pending hash (an install killed after the rename), and adopts one already holding the wanted text", () => {
    const plan = planChanges(
      [want("a", "a2"), want("b", "b")],
      [
        { name: "a", sha256: sha("a0"), profiles: ["a"] },
        { name: "a", sha256: sha("a1"), profiles: [], pending: true },
      ],
      states({ a: { kind: "file", sha256: sha("a1") }, b: { kind: "file", sha256: sha("b") } }),
      show,
    );
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes.map((c) => `${c.op} ${c.path}`)).toEqual(["replace a"]);
    expect(plan.notes).toEqual(["/etc/apparmor.d/b already held exactly what moat installs; recording it as moat's"]);
  });

  it("never touches a file it did not install, one changed since, or a folder or link", () => {
    const plan = planChanges(
      [want("a", "a"), want("b", "b"), want("c", "c")],
      [
        { name: "b", sha256: sha("b0"), profiles: ["b"] },
        { name: "e", sha256: sha("e0"), profiles: ["e"] },
      ],
      states({ a: { kind: "file", sha256: sha("hand") }, b: { kind: "file", sha256: sha("edited") }, c: { kind: "other" }, e: { kind: "file", sha256: sha("edited e") } }),
      show,
    );
    expect(plan.conflicts.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MOAT401 /etc/apparmor.d/a exists but moat did not write it; refusing to overwrite or delete it",
      "MOAT402 /etc/apparmor.d/b was changed since moat wrote it; refusing to overwrite or delete it",
      "MOAT401 /etc/apparmor.d/c exists but moat did not write it; refusing to overwrite or delete it",
      "MOAT402 /etc/apparmor.d/e was changed since moat wrote it; refusing to overwrite or delete it",
    ]);
  });
});

describe("the installed record", () => {
  it("round-trips, sorted, and refuses what moat would not write", () => {
    const text = renderInstalledRecord({ version: "1", policy: "p", files: [{ name: "b", sha256: sha("b"), profiles: ["b"] }, { name: "a", sha256: sha("a"), profiles: ["a"] }] });
    const parsed = parseInstalledRecord(text);
    expect(parsed.kind === "valid" && parsed.record.files.map((f) => f.name)).toEqual(["a", "b"]);
    expect(parseInstalledRecord(undefined)).toEqual({ kind: "absent" });
    for (const bad of ["{", "{}", JSON.stringify({ format: 1, generator: "moat", files: [{ name: "../x", sha256: sha("x"), profiles: [] }] }), JSON.stringify({ format: 1, generator: "moat", files: [{ name: ".moat-tmp-1", sha256: sha("x"), profiles: [] }] })]) {
      expect(parseInstalledRecord(bad).kind, bad).toBe("invalid");
    }
  });
});

describe("verifyFolder", () => {
  const files: Record<string, string> = { "apparmor.d/p": "profile p {}\n", "moat-grants.json": "{}\n" };
  const manifest = (entries: Record<string, string>): string => JSON.stringify({ outputs: Object.entries(entries).map(([path, text]) => ({ path, sha256: sha(text) })) });
  const check = (entries: FolderEntry[], contents: Record<string, string>) =>
    verifyFolder(entries, (p) => (p in contents ? Buffer.from(contents[p]!) : undefined), (p) => `generated/${p}`).diagnostics.map((d) => d.message);
  const base: FolderEntry[] = [
    { path: "apparmor.d", kind: "dir" },
    { path: "apparmor.d/p", kind: "file" },
    { path: "moat-grants.json", kind: "file" },
    { path: "moat-manifest.json", kind: "file" },
  ];
  const contents = { ...files, "moat-manifest.json": manifest(files) };

  it("accepts exactly what the manifest lists (and a compile's lock)", () => {
    expect(check([...base, { path: ".moat.lock", kind: "file" }], contents)).toEqual([]);
  });

  it("refuses a foreign file, folder or link, an altered or missing output, and a folder without a manifest or grants file", () => {
    expect(check([...base, { path: "apparmor.d/q", kind: "file" }, { path: "x", kind: "dir" }, { path: "apparmor.d/l", kind: "other" }], contents)).toEqual([
      "generated/apparmor.d/l is not in the manifest (a link or special file); nothing was installed",
      "generated/apparmor.d/q is not in the manifest (a file); nothing was installed",
      "generated/x is not in the manifest (a folder); nothing was installed",
    ]);
    expect(check(base, { ...contents, "apparmor.d/p": "profile p { /** rwk, }\n" })).toEqual(["generated/apparmor.d/p differs from the manifest's sha256 (changed since compile); nothing was installed"]);
    expect(check(base.filter((e) => e.path !== "apparmor.d/p"), contents)).toEqual(["generated/apparmor.d/p is missing; nothing was installed"]);
    expect(check(base.filter((e) => e.path !== "moat-manifest.json"), contents)).toEqual(["generated/moat-manifest.json is missing: install takes only a folder moat compiled"]);
    const noGrants = { "apparmor.d/p": files["apparmor.d/p"]! };
    expect(check(base, { ...noGrants, "moat-manifest.json": manifest(noGrants) })).toEqual([
      "generated/moat-manifest.json lists no moat-grants.json: the folder was compiled by a moat without install support",
    ]);
  });
});

describe("installed.json's schema", async () => {
  const { readFileSync } = await import("node:fs");
  const { Ajv } = await import("ajv");
  const schema = JSON.parse(readFileSync(new URL("../../grammar/installed.schema.json", import.meta.url), "utf8")) as object;
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
  it("holds what install writes, pending entries included, and refuses a name outside /etc/apparmor.d", () => {
    const text = renderInstalledRecord({ version: "1", policy: null, files: [{ name: "a", sha256: sha("a"), profiles: ["a"] }, { name: "a", sha256: sha("b"), profiles: [], pending: true }] });
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    const bad = JSON.parse(text) as { files: { name: string }[] };
    bad.files[0]!.name = "../passwd";
    expect(validate(bad)).toBe(false);
  });
});
