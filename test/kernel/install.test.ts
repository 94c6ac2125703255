/**
 * `moat install` on a real kernel, with real device-mapper devices: the guest loads dm-mod and loop
 * from the kernel package, makes two logical volumes with dmsetup (linear targets over one loop
 * device) and the links LVM's udev rules make (/dev/VG/LV and /dev/mapper/VG-LV, both to ../dm-N),
 * and loads the profiles exactly as `moat compile` wrote them. Those grant each VM its volume by LV
 * name, a link the kernel never mediates, so each VM is refused its own disk. Then `moat install` runs
 * in the guest (this machine's node and the built package), resolves the links on that host, adds the
 * dm-N nodes and reloads the profiles: each VM opens its own volume, by either link, and is still
 * refused the other tenant's. A second install changes and loads nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compileVolumes, dmName, makeVolumes, volumePolicy, type VolumeVm } from "./dm-volumes.js";
import { describeResult, describeWithKernel, kernelModules, mismatches, moatInGuest, runGuest, withLibraries, type Check, type GuestResult } from "./harness.js";
import { profileName } from "./policy-checks.js";

const VMS: readonly VolumeVm[] = [
  { tenant: "acme", vm: "acme-db01", uuid: "2c394418-43a4-46c2-a5be-7a9584c8031f", lv: "acme-db01-data", table: "0 8192 linear /dev/loop0 0" },
  { tenant: "globex", vm: "globex-db01", uuid: "7a1e0c55-0d9e-4b51-9d2f-6f1d0c3b2a10", lv: "globex-db01-data", table: "0 8192 linear /dev/loop0 8192" },
];

const POLICY = volumePolicy("dm-host", VMS);

const MAKE_VOLUMES = makeVolumes(VMS);

const INSTALL = "cd /tmp && node /moat/app/bin/moat.js install --from /moat/out --format json";

describeWithKernel("moat install resolves logical volumes on a real kernel", () => {
  let run: GuestResult;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "moat-kernel-install-"));
    const { out, profiles } = compileVolumes(work, POLICY);
    expect(profiles.map((p) => profileName(p.content)).sort()).toEqual(VMS.map((v) => `libvirt-${v.uuid}`).sort());

    // Every VM tries its own volume and the other's, by both links; before install, after, after again.
    const checks = (stage: string, allowOwn: boolean): Check[] =>
      VMS.flatMap((v) =>
        VMS.flatMap((target) =>
          [`/dev/vg0/${target.lv}`, `/dev/mapper/${dmName(target.lv)}`].flatMap((path) =>
            (["read", "write"] as const).map((op) => ({
              id: `${stage}:${v.vm}:${op}:${path}`,
              op,
              path,
              profile: `libvirt-${v.uuid}`,
              expect: allowOwn && target === v ? "allow" : "deny",
            })),
          ),
        ),
      );
    const given = VMS.flatMap((v) => [`/dev/vg0/${v.lv}`, `/dev/mapper/${dmName(v.lv)}`]).map((path) => ({ path, kind: "given" as const }));
    run = await runGuest({
      profiles,
      setup: MAKE_VOLUMES,
      files: given,
      checks: checks("before", false),
      then: [
        { setup: [INSTALL], files: given, checks: checks("installed", true) },
        { setup: [INSTALL], files: given, checks: checks("again", true) },
      ],
      hostFiles: [
        ...moatInGuest(),
        ...withLibraries("/usr/sbin/dmsetup", "/sbin/dmsetup"),
        ...kernelModules(),
        { guest: "/moat/out", host: out, tree: true },
      ],
    });
  });

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  /** The JSON report of the install run in stage `n` (1: the first install, 2: the second). */
  interface Report {
    installed: string[];
    unchanged: string[];
    loaded: string[];
    resolved: { grant?: string; path?: string; node?: string; [k: string]: unknown }[];
    diagnostics: { code: string; severity: string }[];
  }
  const report = (n: number): Report => {
    const lines = run.setup.output;
    const starts = lines.map((l, i) => (l.startsWith("{") ? i : -1)).filter((i) => i >= 0);
    const at = starts[n - 1];
    if (at === undefined) throw new Error(`no JSON report for install ${n}:\n${lines.join("\n")}`);
    let end = at;
    while (end < lines.length && lines[end] !== "}") end++;
    return JSON.parse(lines.slice(at, end + 1).join("\n")) as Report;
  };

  it("makes the volumes and installs without an error", () => {
    expect(run.parser.exit, run.parser.output.join("\n")).toBe(0);
    expect(run.problems, run.setup.output.join("\n")).toEqual([]);
    expect(run.setup.exit, run.setup.output.join("\n")).toBe(0);
  });

  it("before install, each VM is refused its own volume: the kernel mediates dm-N, not the LV link", () => {
    const before = run.results.filter((r) => r.id.startsWith("before:"));
    expect(before).toHaveLength(16);
    expect(mismatches(before).map(describeResult)).toEqual([]);
    const denied = run.audit.filter((l) => l.includes('apparmor="DENIED"') && /name="\/dev\/dm-[0-9]+"/.test(l));
    expect(denied.length).toBeGreaterThan(0);
  });

  it("after install, each VM opens its own volume by either link and is still refused the other tenant's", () => {
    const after = run.results.filter((r) => r.id.startsWith("installed:"));
    expect(after).toHaveLength(16);
    expect(after.filter((r) => r.expected === "allow")).toHaveLength(8);
    expect(mismatches(after).map(describeResult)).toEqual([]);
    const first = report(1);
    expect(first.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(first.loaded.sort()).toEqual(VMS.map((v) => `libvirt-${v.uuid}`).sort());
    expect(JSON.stringify(first.resolved)).toMatch(/\/dev\/dm-[0-9]+/);
  });

  it("a second install changes and loads nothing, and the kernel's answers stay the same", () => {
    const again = run.results.filter((r) => r.id.startsWith("again:"));
    expect(mismatches(again).map(describeResult)).toEqual([]);
    const second = report(2);
    expect(second.installed).toEqual([]);
    expect(second.loaded).toEqual([]);
    expect(second.unchanged).toHaveLength(VMS.length);
  });
});
