/**
 * The bundled examples on a real kernel: compute-01 and control-01, compiled in memory with the
 * library, loaded into Debian's kernel by the real apparmor_parser (VM profiles with Debian's own
 * abstractions/libvirt-qemu), in one boot. Every workload, confined by its profile, tries every path of
 * its host's policy (policy-checks.ts says what it should get, from the policy), and the kernel's
 * audit records are compared with the denials and complain-mode allowances.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseRecord, readFixture, selectForFixture, shapeOf, writeFixture } from "./audit-records.js";
import { describeResult, describeWithKernel, mismatches, REPO, runGuest, WRITE_FIXTURES, type GuestResult } from "./harness.js";
import { compileFolder, policyPlan, type PolicyPlan } from "./policy-checks.js";
import { expectRecords, summary } from "./suite.js";

const HOSTS = ["compute-01", "control-01"] as const;
const FIXTURES = join(REPO, "test", "kernel", "fixtures");

describeWithKernel("the bundled examples, enforced by a real kernel", () => {
  let plans: PolicyPlan[] = [];
  let run: GuestResult;

  beforeAll(async () => {
    const t0 = Date.now();
    plans = HOSTS.map((host) => policyPlan(compileFolder(join(REPO, "examples", host)), { prefix: `${host}:` }));
    run = await runGuest({
      profiles: plans.flatMap((p) => p.profiles),
      checks: plans.flatMap((p) => p.checks),
      files: plans.flatMap((p) => p.files),
    });
    console.log(`examples: ${Date.now() - t0} ms in all`);
  });

  afterAll(() => {
    if (run !== undefined) console.log(summary("examples", run, plans));
  });

  it("loads every profile in its mode, with the real abstractions", () => {
    expect(run.parser.exit, run.parser.output.join("\n")).toBe(0);
    const loaded = new Map(run.loaded.map((p) => [p.name, p.mode]));
    for (const w of plans.flatMap((p) => p.workloads)) expect(loaded.get(w.profile), w.profile).toBe(w.mode);
    expect(run.problems).toEqual([]);
  });

  it("every workload can do exactly what it was granted, and nothing of another tenant's or the protected paths", () => {
    const results = run.results.filter((r) => r.op !== "label");
    expect(results.length).toBeGreaterThan(1000);
    expect(mismatches(results).map(describeResult)).toEqual([]);
    // The checks cover each kind of answer: granted, ro writes refused, other tenants', protected.
    const info = new Map(plans.flatMap((p) => [...p.info]));
    const whys = new Set(results.map((r) => info.get(r.id)!.why.split(" ")[0]));
    for (const why of ["volume", "implied", "device", "socket", "ro:", "protected", "not"]) expect([...whys]).toContain(why);
  });

  it("each service started from its exec path lands in its profile", () => {
    const labels = run.results.filter((r) => r.op === "label");
    expect(labels.length).toBe(plans.flatMap((p) => p.workloads).filter((w) => w.kind === "service").length);
    expect(mismatches(labels).map(describeResult)).toEqual([]);
    expect(labels.map((l) => l.observed)).toContain("moat.acme.backup-agent (complain)");
    expect(labels.map((l) => l.observed)).toContain("moat.ops.mariadb (enforce)");
  });

  it("the kernel prints a record for each denial, and complain mode logs ALLOWED instead of denying", () => {
    expect(run.auditLoss).toEqual([]);
    const info = new Map(plans.flatMap((p) => [...p.info]));
    const profiles = new Map(plans.flatMap((p) => p.workloads.map((w) => [w.key, w.profile] as const)));
    const missing = expectRecords(run, info, profiles);
    expect(missing).toEqual([]);
    const allowed = run.audit.map(parseRecord).filter((r) => r?.fields.get("apparmor") === "ALLOWED");
    expect(allowed.length).toBeGreaterThan(0);
    expect(new Set(allowed.map((r) => r!.fields.get("profile")))).toEqual(new Set(["moat.acme.backup-agent"]));
  });

  it("keeps the kernel's records as fixtures (MOAT_KERNEL_WRITE_FIXTURES=1 rewrites them)", () => {
    const files = [
      { name: "denials-examples.log", lines: selectForFixture(run.audit.filter((l) => l.includes('apparmor="DENIED"'))) },
      { name: "denials-complain.log", lines: selectForFixture(run.audit.filter((l) => l.includes('apparmor="ALLOWED"')), 12) },
    ];
    for (const f of files) {
      const path = join(FIXTURES, f.name);
      if (WRITE_FIXTURES) writeFixture(path, f.lines);
      const kept = readFixture(path);
      expect(kept, `${path} is missing: run MOAT_KERNEL_WRITE_FIXTURES=1 npm run test:kernel`).toBeDefined();
      // Records of the same shapes as the fixture's are still produced, and no new shape appeared.
      const shapes = (lines: readonly string[]): string[] => [...new Set(lines.map((l) => shapeOf(parseRecord(l)!)))].sort();
      expect(shapes(f.lines)).toEqual(shapes(kept!));
    }
  });
});
