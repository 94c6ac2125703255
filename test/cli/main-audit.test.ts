/**
 * `moat audit` end to end, in-process: examples/compute-01 compiled into a temporary folder, and the
 * kernel's own records of moat's profiles (test/kernel/fixtures) as logs. Every verdict, the json
 * fields, exit codes, malformed lines, bad input as diagnostics, an installed host (--root) whose
 * /dev/dm-N maps back to its grant, and the learning loop. Temporary folders are removed afterwards.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { repositoryRoot } from "../support/repository.js";
import { runMain, tempDir, writeTree } from "./helpers.js";

const REPO = repositoryRoot();
const FIXTURES = path.join(REPO, "test", "kernel", "fixtures");
const EXAMPLES_LOG = path.join(FIXTURES, "denials-examples.log");
const COMPLAIN_LOG = path.join(FIXTURES, "denials-complain.log");

let dir: string;
let out: string;

beforeAll(async () => {
  dir = tempDir();
  out = path.join(dir, "generated");
  const r = await runMain(REPO, ["compile", "examples/compute-01", "--out", out]);
  expect(r.code, r.err).toBe(0);
});

type Json = Record<string, unknown> & { verdict: string; name?: string; profile?: string };

async function audit(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runMain(dir, ["audit", ...args]);
}

async function jsonRecords(...args: string[]): Promise<Json[]> {
  const r = await audit(...args, "--format", "json");
  return r.out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Json);
}

describe("moat audit: the kernel's records of the compute-01 example", () => {
  it("text: cross-tenant attempts first, counts per verdict, workload and path; exit 1", async () => {
    const r = await audit(EXAMPLES_LOG);
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    const text = r.out;
    expect(text).toMatch(/^moat audit: 211 records in 211 lines of .*denials-examples\.log \(0 malformed, 0 not AppArmor's\)\n/);
    expect(text).toContain("seen 2026-12-07 02:37:58.428 UTC to 2026-12-07 02:38:04.568 UTC\n");
    // The cross-tenant block comes before every other table.
    const order = ["CROSS-TENANT: 70 records", "verdicts:", "by workload:", "by path:", "not granted:", "foreign profiles"].map((h) => text.indexOf(h));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(text).toContain("verdicts: cross-tenant 70, protected 0, not-granted 79, complain 0, logged 0, foreign 62\n");
    expect(text).toContain('  globex/globex-gpu01 (tenants/globex.iso:28) -> acme/acme-db01\'s volume "/dev/vg0/acme-db01-{data,wal}" rw (tenants/acme.iso:25)\n');
    expect(text).toContain("  globex/globex-gpu01 (vm, tenants/globex.iso:28): 12 records: cross-tenant 6, not-granted 6;");
    expect(text).toMatch(/ {6}25 {2}\/dev\/vfio\/17 {2}cross-tenant, not-granted;/);
    // control-01's profiles are not in compute-01's folder.
    expect(text).toContain("foreign profiles (not moat's): moat.ops.glance-api (8),");
  });

  it("json: one object per record with the parsed fields, workload, verdict, owner and suggestion", async () => {
    const records = await jsonRecords(EXAMPLES_LOG);
    expect(records).toHaveLength(211);
    const cross = records.find((x) => x.profile === "libvirt-124e28eb-240a-4db0-96e8-2c49d5e360b6" && x.name === "/dev/vg0/acme-db01-wal" && x.deniedMask === "r")!;
    expect(cross).toMatchObject({
      line: expect.any(Number),
      event: "DENIED",
      operation: "open",
      requestedMask: "r",
      deniedMask: "r",
      pid: 125,
      comm: "moat-probe",
      fsuid: 0,
      ouid: 0,
      verdict: "cross-tenant",
      workload: { tenant: "globex", kind: "vm", name: "globex-gpu01", mode: "enforce", file: "tenants/globex.iso", line: 28 },
      owner: { tenant: "acme", workload: "acme-db01", kind: "vm", grant: 'volume "/dev/vg0/acme-db01-{data,wal}" rw', file: "tenants/acme.iso", line: 25 },
    });
    expect(cross.log).toMatch(/denials-examples\.log$/);
    const missing = records.find((x) => x.verdict === "not-granted" && x.name === "/etc/globex/ci-cache.yaml" && x.deniedMask === "r")!;
    expect(missing.suggestion).toEqual({ line: 'read "/etc/globex/ci-cache.yaml"', file: "tenants/globex.iso", workload: "globex/globex-ci03", workloadLine: 18 });
    expect(records.filter((x) => x.verdict === "foreign").every((x) => x.workload === undefined && String(x.profile).startsWith("moat.ops."))).toBe(true);
    // Every record's verdict is one of those documented.
    expect(new Set(records.map((x) => x.verdict))).toEqual(new Set(["cross-tenant", "not-granted", "foreign"]));
  });

  it("complain: ALLOWED records of the complain-mode service, with what enforce mode would have made of them", async () => {
    const records = await jsonRecords(COMPLAIN_LOG);
    expect(records.every((x) => x.verdict === "complain")).toBe(true);
    expect(new Set(records.map((x) => x.wouldBe))).toEqual(new Set(["cross-tenant", "not-granted"]));
    const r = await audit(COMPLAIN_LOG);
    // A complain-mode profile let the access through: that alarms too.
    expect(r.code).toBe(1);
    expect(r.out).toContain("[complain mode: allowed] -> globex/globex-ci03's volume");
  });

  it("protected, and exit 0 when nothing crossed a tenant or reached a protected path", async () => {
    const vm = "libvirt-4df006f9-12b8-42c5-888b-59e1572a46a0";
    const log = path.join(dir, "protected.log");
    fs.writeFileSync(log, `audit: type=1400 audit(1796611083.436:1): apparmor="DENIED" operation="open" profile="${vm}" name="/srv/backups/host.tar" pid=1 comm="qemu" requested_mask="r" denied_mask="r" fsuid=0 ouid=0\n`);
    const records = await jsonRecords(log);
    expect(records[0]).toMatchObject({ verdict: "protected", protected: { glob: "/srv/backups/**", file: "main.iso", line: 24 } });
    expect((await audit(log)).code).toBe(1);
    fs.writeFileSync(log, `audit: type=1400 audit(1796611083.436:1): apparmor="DENIED" operation="open" profile="${vm}" name="/usr/share/qemu/x.rom" pid=1 comm="qemu" requested_mask="r" denied_mask="r" fsuid=0 ouid=0\n`);
    const ok = await audit(log);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('acme/acme-web01 (tenants/acme.iso:4): read "/usr/share/qemu/x.rom"  # 1 record');
  });

  it("counts malformed lines and lines of other subsystems, and goes on", async () => {
    const log = path.join(dir, "mixed.log");
    const good = fs.readFileSync(EXAMPLES_LOG, "utf8").split("\n")[0]!;
    fs.writeFileSync(log, [good, 'audit: type=1400 audit(1.2:3): apparmor="DENIED" operation="open" name="/x', "kernel: usb 1-1: new device", "\u0000\u0001 binary junk apparmor=", good].join("\n"));
    const r = await audit(log);
    expect(r.out).toMatch(/^moat audit: 2 records in 5 lines of mixed\.log \(2 malformed, 1 not AppArmor's\)/);
    const j = await audit(log, "--format", "json");
    expect(j.err).toBe("moat: 2 records in 5 lines (2 malformed, 1 not AppArmor's)\n");
  });

  it("reads standard input (-)", async () => {
    const text = fs.readFileSync(EXAMPLES_LOG, "utf8");
    const r = await runMain(dir, ["audit", "-"], { stdin: Readable.from([Buffer.from(text)]) } as never);
    expect(r.out).toContain("moat audit: 211 records in 211 lines of (stdin)");
  });

  it("without an output folder, records are parsed and counted as foreign; no error", async () => {
    const empty = tempDir();
    const r = await runMain(empty, ["audit", EXAMPLES_LOG]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("no output folder at generated: records are parsed, not judged");
    expect(r.out).toContain("verdicts: cross-tenant 0, protected 0, not-granted 0, complain 0, logged 0, foreign 211");
  });
});

describe("moat audit: bad input is a diagnostic, never a stack trace", () => {
  it("a missing log is MOAT601 (exit 2); the other logs are still read", async () => {
    const r = await audit("no-such.log", EXAMPLES_LOG);
    expect(r.code).toBe(2);
    expect(r.err).toBe("moat: error MOAT601: cannot read log no-such.log: no such file or folder\n\n1 error\n");
    expect(r.out).toContain("211 records");
  });

  it("a folder given as a log is MOAT601", async () => {
    const r = await audit(".");
    expect(r.code).toBe(2);
    expect(r.err).toContain("error MOAT601: cannot read log .:");
  });

  it("an output folder that is missing or not moat's is MOAT602", async () => {
    const r = await audit("--from", "nowhere", EXAMPLES_LOG);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^moat: error MOAT602: cannot read the output folder nowhere: /);
    expect(r.out).toBe("");
    const forged = tempDir();
    fs.cpSync(out, forged, { recursive: true });
    fs.appendFileSync(path.join(forged, "moat-grants.json"), " ");
    const f = await runMain(dir, ["audit", "--from", forged, EXAMPLES_LOG]);
    expect(f.code).toBe(2);
    expect(f.err).toContain("error MOAT602:");
    expect(f.err).toContain("moat-grants.json");
  });

  it("--root without an install record is MOAT603", async () => {
    const root = tempDir();
    const r = await audit("--root", root, EXAMPLES_LOG);
    expect(r.code).toBe(2);
    expect(r.err).toContain("error MOAT603: cannot read ");
    expect(r.err).toContain("var/lib/moat/installed.json: no such file or folder");
  });

  it("usage errors exit 2", async () => {
    expect((await audit()).code).toBe(2);
    expect((await audit(EXAMPLES_LOG, "--format", "sarif")).code).toBe(2);
    expect((await audit("-", "-")).code).toBe(2);
    const both = await audit(EXAMPLES_LOG, "--follow", "--suggest");
    expect(both.code).toBe(2);
    expect(both.err).toContain("--suggest reports once the logs are read");
  });
});

describe("moat audit --root: an installed host's /dev/dm-N back to its grant", () => {
  it("maps a node install resolved to the grant it comes from, and its owner", async () => {
    const host = tempDir();
    const policyDir = path.join(host, "policy");
    writeTree(policyDir, {
      "main.iso": `tenant acme {\n  vm web01 {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "/dev/vg0/web01-data" rw\n  }\n}\ntenant globex {\n  vm ci01 {\n    uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"\n    volume "/var/lib/libvirt/images/globex/ci01.qcow2" rw\n  }\n}\n`,
    });
    expect((await runMain(host, ["compile", "policy", "--out", "generated"])).code).toBe(0);
    const root = path.join(host, "root");
    fs.mkdirSync(path.join(root, "dev", "vg0"), { recursive: true });
    fs.mkdirSync(path.join(root, "sys", "class", "block", "dm-3"), { recursive: true });
    fs.writeFileSync(path.join(root, "sys", "class", "block", "dm-3", "dev"), "253:3\n");
    fs.writeFileSync(path.join(root, "dev", "dm-3"), "");
    fs.symlinkSync("../dm-3", path.join(root, "dev", "vg0", "web01-data"));
    fs.mkdirSync(path.join(root, "var", "lib", "libvirt", "images", "globex"), { recursive: true });
    fs.writeFileSync(path.join(root, "var", "lib", "libvirt", "images", "globex", "ci01.qcow2"), "");
    fs.mkdirSync(path.join(root, "proc", "self"), { recursive: true });
    fs.writeFileSync(path.join(root, "proc", "self", "mountinfo"), "20 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg0-root rw\n");
    const installed = await runMain(host, ["install", "--root", "root", "--no-load"]);
    expect(installed.code, installed.err).toBe(0);
    const log = path.join(host, "audit.log");
    fs.writeFileSync(
      log,
      `type=AVC msg=audit(1733533323.417:1042): apparmor="DENIED" operation="open" profile="libvirt-0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04" name="/dev/dm-3" pid=4242 comm="qemu-system-x86" requested_mask="r" denied_mask="r" fsuid=64055 ouid=0\n`,
    );
    const onHost = await runMain(host, ["audit", "--root", "root", "--format", "json", log]);
    expect(onHost.code).toBe(1);
    expect(JSON.parse(onHost.out)).toMatchObject({
      verdict: "cross-tenant",
      workload: { tenant: "globex", name: "ci01" },
      owner: { tenant: "acme", workload: "web01", grant: 'volume "/dev/vg0/web01-data" rw', file: "main.iso", line: 4, via: "/dev/vg0/web01-data -> /dev/dm-3 on this host" },
    });
    // Without --root the node is nobody's known path: no suggestion grants a raw /dev/dm-N silently as another's.
    const alone = await runMain(host, ["audit", "--format", "json", log]);
    expect(JSON.parse(alone.out).verdict).toBe("not-granted");
    // An installed profile edited since install is not trusted (MOAT604), and its nodes are not used.
    const profile = path.join(root, "etc", "apparmor.d", "libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f");
    fs.appendFileSync(profile, "# edited\n");
    const edited = await runMain(host, ["audit", "--root", "root", "--format", "json", log]);
    expect(edited.err).toContain("warning MOAT604:");
    expect(JSON.parse(edited.out).verdict).toBe("not-granted");
  });
});

describe("moat audit --suggest: the learning loop on the complain-mode service's log", () => {
  it("prints the lines acme/backup-agent lacks, and leaves out every other tenant's path, saying whose", async () => {
    const r = await audit("--suggest", COMPLAIN_LOG);
    expect(r.out).toMatch(/^acme\/backup-agent \(service, complain mode\): in its block at tenants\/acme\.iso:34\n/);
    const [suggested, leftOut] = r.out.split("  left out:\n");
    const lines = suggested!.split("\n").filter((l) => /^ {2}\S/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    // No suggested line names a path another tenant owns (they are all acme's or nobody's) or a protected one.
    for (const l of lines) expect(l, l).not.toMatch(/globex|initech|shadow|keyring/);
    for (const owner of ["globex/globex-ci03", "initech/initech-dc01", "globex/ci-cache", "initech/license-server"]) expect(leftOut).toContain(`owned by ${owner}`);
    const json = JSON.parse((await audit("--suggest", "--format", "json", COMPLAIN_LOG)).out) as { workloads: { workload: string; lines: { line: string }[]; leftOut: { path: string }[] }[] };
    expect(json.workloads.map((w) => w.workload)).toEqual(["acme/backup-agent"]);
    expect(json.workloads[0]!.leftOut.map((x) => x.path)).toContain("/srv/globex/ci-cache/x");
  });
});
