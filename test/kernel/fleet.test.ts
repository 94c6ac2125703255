/**
 * Generated multi-tenant policies on a real kernel (fleet-policy.ts: tenants with VMs and services, rw
 * and ro volumes, devices, sockets, golden images shared read-only with some tenants only, protected
 * paths, a service in complain mode), in one boot with two deliberately wrong profiles that show the
 * comparison catches what it should.
 *
 * The seed is fixed so that every run checks the same policy; MOAT_KERNEL_SEED=N tries another one.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compileTexts } from "../support/memory.js";
import { parseRecord, readFixture, selectForFixture, shapeOf, writeFixture } from "./audit-records.js";
import { fleetPolicy, type FleetPolicy } from "./fleet-policy.js";
import { describeResult, describeWithKernel, mismatches, REPO, runGuest, WRITE_FIXTURES, type Check, type CheckResult, type GuestResult } from "./harness.js";
import { policyPlan, witnessPath, type PolicyPlan } from "./policy-checks.js";
import { expectRecords, summary } from "./suite.js";

const DEFAULT_SEED = 20251207;
const SEED = Number(process.env.MOAT_KERNEL_SEED ?? DEFAULT_SEED);
const FIXTURES = join(REPO, "test", "kernel", "fixtures");
const IMAGES = "/var/lib/libvirt/images";

/**
 * A wrong copy of a VM's profile, under another name: its own disk's grant removed, another tenant's disk
 * granted. Run with the VM's own checks, the comparison must report exactly the accesses these change.
 */
interface Planted {
  readonly profile: { name: string; content: string };
  readonly checks: Check[];
  readonly missing: string; // the path whose grant was removed
  readonly extra: string; // the other tenant's path granted
  readonly label: Check; // a label check that must fail: a service binary copied where no profile attaches
}

function plant(policy: FleetPolicy, plan: PolicyPlan): Planted {
  const vm = plan.workloads.find((w) => w.kind === "vm" && w.mode === "enforce")!;
  const victim = plan.workloads.find((w) => w.kind === "vm" && w.tenant !== vm.tenant)!;
  const [tenant, name] = vm.key.split("/");
  const [otherTenant, otherName] = victim.key.split("/");
  const missing = `${IMAGES}/${tenant}/${name}.qcow2`;
  const extra = `${IMAGES}/${otherTenant}/${otherName}.qcow2`;
  const original = plan.profiles.find((p) => p.content.includes(`profile ${vm.profile} `))!.content;
  const rule = `  "${missing}" rwk,\n`;
  if (!original.includes(rule)) throw new Error(`${vm.profile} has no rule ${rule.trim()} (seed ${policy.seed})`);
  const wrongName = `${vm.profile}-planted`;
  const content = original
    .replace(rule, "")
    .replace(`profile ${vm.profile} `, `profile ${wrongName} `)
    .replace(/\n}\n$/, `\n  # planted: another tenant's disk\n  "${extra}" rw,\n}\n`);
  const checks = plan.checks
    .filter((c) => c.profile === vm.profile)
    .map((c) => ({ ...c, id: `planted:${c.id}`, profile: wrongName }));
  const service = plan.workloads.find((w) => w.kind === "service" && w.mode === "enforce")!;
  const label: Check = { id: "planted:label", op: "label", exec: "/opt/fleet/nobody/bin/agent", expect: `${service.profile} (enforce)` };
  return { profile: { name: `${vm.profile.replace(/[^A-Za-z0-9._-]/g, "_")}-planted`, content }, checks, missing, extra, label };
}

describeWithKernel("generated multi-tenant policies, enforced by a real kernel", () => {
  let policy: FleetPolicy;
  let plan: PolicyPlan;
  let planted: Planted;
  let run: GuestResult;
  let fleetResults: CheckResult[];
  let plantedResults: CheckResult[];

  beforeAll(async () => {
    policy = fleetPolicy(SEED);
    console.log(`kernel suite, fleet: seed ${SEED} (MOAT_KERNEL_SEED=${SEED} replays it); tenants sharing the golden images: ${policy.sharedWith.join(", ")}; not: ${policy.notShared.join(", ")}; complain: ${policy.complainService}`);
    const result = compileTexts({ "/fleet/main.iso": policy.text });
    plan = policyPlan(result, { prefix: "fleet:" });
    planted = plant(policy, plan);
    run = await runGuest({
      profiles: [...plan.profiles, planted.profile],
      checks: [...plan.checks, ...planted.checks, planted.label],
      files: plan.files,
      // The hook later tests use to prepare the guest (a device-mapper device, …): here it only counts.
      setup: ["wc -l </sys/kernel/security/apparmor/profiles"],
    });
    fleetResults = run.results.filter((r) => r.id.startsWith("fleet:"));
    plantedResults = run.results.filter((r) => r.id.startsWith("planted:"));
  });

  afterAll(() => {
    if (run !== undefined) console.log(summary(`fleet (seed ${SEED})`, run, [plan]));
  });

  it("loads every profile in its mode", () => {
    expect(run.parser.exit, run.parser.output.join("\n")).toBe(0);
    const loaded = new Map(run.loaded.map((p) => [p.name, p.mode]));
    for (const w of plan.workloads) expect(loaded.get(w.profile), w.profile).toBe(w.mode);
    expect(run.problems).toEqual([]);
    expect(run.setup).toEqual({ exit: 0, output: [String(run.loaded.length)] });
  });

  it("every workload can do exactly what it was granted, and nothing else", () => {
    expect(fleetResults.length).toBeGreaterThan(500);
    expect(mismatches(fleetResults).map(describeResult)).toEqual([]);
  });

  it("every service started from its exec path lands in its profile", () => {
    const labels = fleetResults.filter((r) => r.op === "label");
    expect(labels.length).toBe(plan.workloads.filter((w) => w.kind === "service").length);
    expect(mismatches(labels).map(describeResult)).toEqual([]);
  });

  it("another tenant's resources are denied, except what the host's libvirt-qemu abstraction grants every VM", () => {
    const tenantOf = (key: string): string => key.split("/")[0]!;
    const complain = new Set(plan.workloads.filter((w) => w.mode === "complain").map((w) => w.key));
    // Paths no workload of the checking workload's tenant is granted, and not protected (those are below).
    const cross = fleetResults.filter((r) => {
      const info = plan.info.get(r.id);
      if (info === undefined || complain.has(info.workload) || info.target.owner === "protected") return false;
      return !(info.target.owners ?? []).some((o) => tenantOf(o) === tenantOf(info.workload));
    });
    expect(cross.length).toBeGreaterThan(200);
    // Debian's `owner /var/lib/libvirt/qemu/nvram/*_VARS.fd rwk`: every VM of the host, all run as one user,
    // reaches every other VM's UEFI variables (docs/security.md, "The base abstractions").
    const allowed = cross.filter((r) => r.observed === "allow");
    const unexplained = allowed.filter((r) => !plan.info.get(r.id)!.why.includes("abstractions/libvirt-qemu: owner /var/lib/libvirt/qemu/nvram/*_VARS.fd rwk"));
    expect(unexplained.map(describeResult)).toEqual([]);
    console.log(`kernel suite, fleet: ${cross.length} accesses to other tenants' paths, ${cross.length - allowed.length} denied; ${allowed.length} allowed by abstractions/libvirt-qemu's NVRAM rule`);
  });

  it("a shared read-only image is readable by the listed tenants only, and writable by none", () => {
    const complain = new Set(plan.workloads.filter((w) => w.mode === "complain").map((w) => w.key));
    const base = fleetResults.filter((r) => r.path?.startsWith(`${IMAGES}/base/`) && r.op !== "label" && !complain.has(plan.info.get(r.id)!.workload));
    expect(base.length).toBeGreaterThan(0);
    for (const r of base) {
      const tenant = plan.info.get(r.id)!.workload.split("/")[0]!;
      if (r.op === "write") expect(r.observed, describeResult(r)).toBe("deny");
      if (policy.notShared.includes(tenant)) expect(r.observed, describeResult(r)).toBe("deny");
    }
    const readers = new Set(base.filter((r) => r.op === "read" && r.observed === "allow").map((r) => plan.info.get(r.id)!.workload.split("/")[0]!));
    expect([...readers].sort()).toEqual([...policy.sharedWith].sort());
  });

  it("writes to ro grants and every protected path are denied", () => {
    const ro = fleetResults.filter((r) => plan.info.get(r.id)?.why === "ro: writes denied");
    const prot = fleetResults.filter((r) => plan.info.get(r.id)?.why.startsWith("protected"));
    expect(ro.length).toBeGreaterThan(0);
    expect(prot.length).toBeGreaterThan(0);
    for (const r of [...ro, ...prot]) expect(r.observed, describeResult(r)).toBe("deny");
    // The policy's own `protect` globs are among them.
    expect(prot.some((r) => r.path!.startsWith("/srv/vault/"))).toBe(true);
  });

  it("a complain-mode profile logs apparmor=\"ALLOWED\" instead of denying", () => {
    const complain = plan.workloads.find((w) => w.key === policy.complainService)!;
    expect(complain.mode).toBe("complain");
    const mine = fleetResults.filter((r) => plan.info.get(r.id)?.workload === complain.key && r.op !== "label");
    const wouldDeny = mine.filter((r) => plan.info.get(r.id)!.record === "ALLOWED");
    expect(wouldDeny.length).toBeGreaterThan(50);
    for (const r of wouldDeny) expect(r.observed, describeResult(r)).toBe("allow");
    const records = run.audit.map(parseRecord).filter((r) => r?.fields.get("profile") === complain.profile);
    expect(records.length).toBeGreaterThan(0);
    expect(new Set(records.map((r) => r!.fields.get("apparmor")))).toEqual(new Set(["ALLOWED"]));
  });

  it("the kernel prints a record for each denial, and nothing it did not explain", () => {
    expect(run.auditLoss).toEqual([]);
    const profiles = new Map(plan.workloads.map((w) => [w.key, w.profile] as const));
    expect(expectRecords({ ...run, results: fleetResults }, plan.info, profiles).filter((p) => !p.includes("-planted"))).toEqual([]);
  });

  it("can fail: a profile missing a grant and holding an extra one is caught, exactly there", () => {
    expect(plantedResults.length).toBeGreaterThan(50);
    const found = mismatches(plantedResults).map((r) => `${r.op} ${r.path ?? ""}: expected ${r.expected}, observed ${r.observed}`);
    expect(found.sort()).toEqual(
      [
        `read ${planted.missing}: expected allow, observed deny`,
        `write ${planted.missing}: expected allow, observed deny`,
        `lock ${planted.missing}: expected allow, observed deny`,
        `read ${planted.extra}: expected deny, observed allow`,
        `write ${planted.extra}: expected deny, observed allow`,
        `label : expected ${planted.label.expect}, observed unconfined`,
      ].sort(),
    );
    // The planted profile's denial of its own disk is in the kernel's records.
    expect(run.audit.some((l) => l.includes(`-planted"`) && l.includes(`name="${planted.missing}"`) && l.includes('apparmor="DENIED"'))).toBe(true);
  });

  it("keeps the kernel's records as fixtures (MOAT_KERNEL_WRITE_FIXTURES=1 rewrites them)", () => {
    const fleetAudit = run.audit.filter((l) => !l.includes('-planted"'));
    const files = [
      { name: "denials-fleet.log", lines: selectForFixture(fleetAudit.filter((l) => l.includes('apparmor="DENIED"'))) },
      { name: "denials-fleet-complain.log", lines: selectForFixture(fleetAudit.filter((l) => l.includes('apparmor="ALLOWED"')), 12) },
    ];
    for (const f of files) {
      const path = join(FIXTURES, f.name);
      // Only the seed the fixture was made with may rewrite it.
      if (WRITE_FIXTURES && SEED === DEFAULT_SEED) writeFixture(path, f.lines);
      const kept = readFixture(path);
      expect(kept, `${path} is missing: run MOAT_KERNEL_WRITE_FIXTURES=1 npm run test:kernel`).toBeDefined();
      const shapes = (lines: readonly string[]): string[] => [...new Set(lines.map((l) => shapeOf(parseRecord(l)!)))].sort();
      expect(shapes(f.lines)).toEqual(shapes(kept!));
    }
  });
});
