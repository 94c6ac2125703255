/**
 * The control plane on a real kernel, in one boot: examples/openstack-ansible (LXC containers, each
 * with its own profile, and host services that run with `read`, `run`, `capability` and `network`),
 * plus a two-service policy for capabilities.
 *
 * - Every host service, started from its `exec` path, lands in its profile and tries every path of the
 *   policy (policy-checks.ts): its own grants work; the containers' host-side storage (their LVs under
 *   /dev/lxc/, their bind-mount sources under /openstack/) and the other tenants' grants are refused.
 * - A process in each container's profile (entered through /proc/self/attr/exec, as lxc-start does) is
 *   refused the mounts the profile does not allow: devpts (a container must not reach the host's
 *   ptys), a block device with any flag set container-base's rules admit, a bind of /proc, /sys or
 *   /dev, a read-only proc or debugfs elsewhere; tmpfs and the bind of a folder, which LXC's
 *   container-base allows, work. The same mounts under container-base alone (moat's deny rules taken
 *   out) show that those rules are what refuses (apparmor_parser 3.0 compiles container-base's bind,
 *   move and remount rules into much wider ones: see templates/container-profile.hbs), and unconfined,
 *   that AppArmor is.
 * - A service granted `capability net_raw` (and `network inet raw`) opens a raw socket; one with the
 *   network rule and no capability is refused (EPERM), and neither may open what no `network` rule names.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../src/index.js";
import { parseRecord, readFixture, selectForFixture, shapeOf, writeFixture } from "./audit-records.js";
import { describeResult, describeWithKernel, kernelModules, mismatches, REPO, runGuest, WRITE_FIXTURES, type Check, type GuestProfile, type GuestResult } from "./harness.js";
import { compileFolder, policyPlan, profileName, type PolicyPlan } from "./policy-checks.js";
import { expectRecords, summary } from "./suite.js";

const NET_POLICY = `policy net-host
tenant probes {
  service pinger {
    exec "/opt/probes/bin/pinger"
    capability net_raw
    network inet raw
  }
  service quiet {
    exec "/opt/probes/bin/quiet"
    network inet raw
  }
}
`;

/** The two-service policy above, compiled in memory. */
function netPolicy(): GuestProfile[] {
  const result = compile({ entries: ["/net/main.iso"], root: "/net", readFile: (p) => (p === "/net/main.iso" ? { text: NET_POLICY } : { error: "no such file" }) });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join("; "));
  return result.outputs.filter((o) => o.path.startsWith("apparmor.d/")).map((o) => ({ name: o.path.slice("apparmor.d/".length), content: o.content }));
}

describeWithKernel("the control plane (containers, services that run), enforced by a real kernel", () => {
  let plan: PolicyPlan;
  let containers: string[] = [];
  let run: GuestResult;

  beforeAll(async () => {
    const result = compileFolder(join(REPO, "examples", "openstack-ansible"));
    plan = policyPlan(result, { prefix: "osa:" });
    const containerProfiles = (result.model?.tenants ?? [])
      .flatMap((t) => t.workloads.filter((w) => w.kind === "container").map((w) => `apparmor.d/moat.${w.tenant}.${w.name}`))
      .map((file) => ({ name: file.slice("apparmor.d/".length), content: result.outputs.find((o) => o.path === file)!.content }));
    containers = containerProfiles.map((p) => profileName(p.content));
    // What each kind of mount gets: under a container's profile, under container-base alone (moat's
    // deny rules taken out: they are what refuses), unconfined (AppArmor lets everything through).
    type Who = "container" | "baseOnly" | "unconfined";
    const MS = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, BIND: 4096 };
    const MOUNTS: { what: string; source: string; fstype: string; flags?: number; expect: Record<Who, string> }[] = [
      { what: "devpts", source: "devpts", fstype: "devpts", expect: { container: "deny", baseOnly: "deny", unconfined: "allow" } },
      { what: "tmpfs", source: "tmpfs", fstype: "tmpfs", expect: { container: "allow", baseOnly: "allow", unconfined: "allow" } },
      // A file system no rule names: refused by omission, so the kernel prints a record.
      { what: "ramfs", source: "ramfs", fstype: "ramfs", expect: { container: "deny", baseOnly: "deny", unconfined: "allow" } },
      // A block device (another container's LV, a host disk), with the flag sets container-base's
      // rules let through for a new mount (none; ro with nosuid, nodev, noexec).
      ...[0, MS.RDONLY, MS.RDONLY | MS.NOSUID, MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC].map((flags) => ({
        what: `block ${flags}`,
        source: "/dev/loop0",
        fstype: "minix",
        flags,
        expect: { container: "deny", baseOnly: "error:EINVAL", unconfined: "error:EINVAL" }, // EINVAL: minix finds only zeros
      })),
      // The kernel's interfaces bound elsewhere, where the path denies would not match them.
      ...["/proc", "/sys", "/dev"].map((source) => ({ what: `bind ${source}`, source, fstype: "none", flags: MS.BIND, expect: { container: "deny", baseOnly: "allow", unconfined: "allow" } })),
      // A kernel file system mounted read-only elsewhere (/proc/kcore, debugfs under another name).
      { what: "proc ro", source: "proc", fstype: "proc", flags: MS.RDONLY, expect: { container: "deny", baseOnly: "allow", unconfined: "allow" } },
      { what: "debugfs ro", source: "none", fstype: "debugfs", flags: MS.RDONLY, expect: { container: "deny", baseOnly: "allow", unconfined: "allow" } },
      // A bind of an ordinary folder, which container-base allows and moat leaves alone.
      { what: "bind folder", source: "/srv/ct-data", fstype: "none", flags: MS.BIND, expect: { container: "allow", baseOnly: "allow", unconfined: "allow" } },
    ];
    const mounts = (who: { profile?: string }, tag: string, kind: Who): Check[] =>
      MOUNTS.map((m, n) => ({ id: `${tag}:mount ${m.what}`, op: "mount", path: `/mnt/${tag}/${n}`, mount: { source: m.source, fstype: m.fstype, flags: m.flags }, ...who, expect: m.expect[kind] }));
    // container-base and LXC's cgns rules only: the first container's profile without moat's deny mount lines.
    const first = containerProfiles[0]!;
    const baseOnly = {
      name: "control.container-base",
      content: first.content
        .split("\n")
        .filter((l) => !/^\s*deny mount /.test(l) || /fstype=devpts/.test(l))
        .join("\n")
        .replace(`profile ${profileName(first.content)} `, "profile control.container-base "),
    };
    expect(baseOnly.content).toContain("profile control.container-base ");
    containerProfiles.push(baseOnly);
    const containerChecks: Check[] = [
      ...containers.flatMap((profile) => [{ id: `${profile}:label`, op: "label" as const, profile, expect: `${profile} (enforce)` }, ...mounts({ profile }, profile, "container")]),
      ...mounts({ profile: "control.container-base" }, "control.container-base", "baseOnly"),
      ...mounts({}, "unconfined", "unconfined"),
    ];
    const socket = (exec: string, family: string, type: string, expect: string): Check => ({ id: `${exec}:socket ${family} ${type}`, op: "socket", socket: { family, type }, exec, expect });
    const netChecks: Check[] = [
      { id: "pinger:label", op: "label", exec: "/opt/probes/bin/pinger", expect: "moat.probes.pinger (enforce)" },
      socket("/opt/probes/bin/pinger", "inet", "raw", "allow"),
      socket("/opt/probes/bin/pinger", "inet", "stream", "deny"),
      socket("/opt/probes/bin/pinger", "inet6", "raw", "deny"),
      { id: "quiet:label", op: "label", exec: "/opt/probes/bin/quiet", expect: "moat.probes.quiet (enforce)" },
      socket("/opt/probes/bin/quiet", "inet", "raw", "deny"),
      socket("/opt/probes/bin/quiet", "inet", "stream", "deny"),
      // Unconfined root: the raw socket is the kernel's to give.
      { id: "unconfined:socket inet raw", op: "socket", socket: { family: "inet", type: "raw" }, expect: "allow" },
    ];
    run = await runGuest({
      profiles: [...plan.profiles, ...containerProfiles, ...netPolicy()],
      checks: [...plan.checks, ...containerChecks, ...netChecks],
      files: [...plan.files, { path: "/srv/ct-data", kind: "dir" }],
      setup: ["set -e", "insmod /moat/modules/loop.ko", "insmod /moat/modules/minix.ko", "dd if=/dev/zero of=/tmp/blk.img bs=1M count=4 2>/dev/null", "losetup /dev/loop0 /tmp/blk.img"],
      hostFiles: kernelModules(),
    });
  });

  afterAll(() => {
    if (run !== undefined) console.log(summary("control plane", run, [plan]));
  });

  it("loads every container and service profile with LXC's and the distribution's abstractions", () => {
    expect(run.parser.exit, run.parser.output.join("\n")).toBe(0);
    expect(run.problems, run.setup.output.join("\n")).toEqual([]);
    const loaded = new Map(run.loaded.map((p) => [p.name, p.mode]));
    expect(containers.length).toBeGreaterThanOrEqual(5);
    for (const name of [...containers, ...plan.workloads.map((w) => w.profile), "moat.probes.pinger", "moat.probes.quiet"]) expect(loaded.get(name), name).toBe("enforce");
  });

  it("host services get their own grants and none of the containers' host paths or other tenants' grants", () => {
    const results = run.results.filter((r) => r.id.startsWith("osa:"));
    expect(results.length).toBeGreaterThan(200);
    expect(mismatches(results).map(describeResult)).toEqual([]);
    // The containers' storage was really tried, by every service.
    const tried = new Set(results.filter((r) => r.op === "read").map((r) => r.path));
    expect([...tried].some((p) => p?.startsWith("/dev/lxc/"))).toBe(true);
    expect([...tried].some((p) => /^\/openstack\/[a-z0-9_-]+_container-/.test(p ?? ""))).toBe(true);
    const info = new Map([...plan.info]);
    const profiles = new Map(plan.workloads.map((w) => [w.key, w.profile] as const));
    const osa = { ...run, results, audit: run.audit.filter((l) => [...profiles.values()].some((p) => l.includes(`profile="${p}"`))) };
    expect(expectRecords(osa, info, profiles)).toEqual([]);
  });

  it("a container's profile refuses devpts and block-device mounts, and allows what container-base allows", () => {
    const results = run.results.filter((r) => r.op === "mount" || (r.op === "label" && containers.includes(r.profile ?? "")));
    expect(results.length).toBe((containers.length + 2) * 13 + containers.length);
    expect(mismatches(results).map(describeResult)).toEqual([]);
    const mountDenials = run.audit.filter((l) => l.includes('apparmor="DENIED"') && l.includes('operation="mount"'));
    for (const c of containers) expect(mountDenials.some((l) => l.includes(`profile="${c}"`)), c).toBe(true);
  });

  it("capability net_raw decides the raw socket; a family no network rule names is refused", () => {
    const results = run.results.filter((r) => r.op === "socket" || r.id.endsWith(":label") && /pinger|quiet/.test(r.id));
    expect(results).toHaveLength(8);
    expect(mismatches(results).map(describeResult)).toEqual([]);
    expect(run.results.find((r) => r.id === "/opt/probes/bin/quiet:socket inet raw")?.detail).toBe("socket-capability");
    expect(run.audit.some((l) => l.includes('operation="capable"') && l.includes('profile="moat.probes.quiet"') && l.includes('capname="net_raw"'))).toBe(true);
  });

  it("keeps the kernel's mount, capability and network records as a fixture (MOAT_KERNEL_WRITE_FIXTURES=1 rewrites it)", () => {
    const path = join(REPO, "test", "kernel", "fixtures", "denials-control-plane.log");
    const lines = selectForFixture(run.audit.filter((l) => l.includes('apparmor="DENIED"') && /operation="(mount|capable|create)"/.test(l)));
    if (WRITE_FIXTURES) writeFixture(path, lines);
    const kept = readFixture(path);
    expect(kept, `${path} is missing: run MOAT_KERNEL_WRITE_FIXTURES=1 npm run test:kernel`).toBeDefined();
    const shapes = (ls: readonly string[]): string[] => [...new Set(ls.map((l) => shapeOf(parseRecord(l)!)))].sort();
    expect(shapes(lines)).toEqual(shapes(kept!));
    expect(lines.some((l) => l.includes('operation="mount"'))).toBe(true);
    expect(lines.some((l) => l.includes('operation="capable"'))).toBe(true);
  });
});
