/**
 * `moat install` on a real kernel refuses two tenants' logical volumes that map the same extents: the
 * guest makes acme's volume and globex's with one device-mapper table each over one loop device, the
 * second mapping sectors of the first (the review's reproduction: `0 8192 linear /dev/loop0 0` twice
 * would let globex read acme's data). Install reads the tables with the guest's real dmsetup, stops
 * with MOAT501 naming both grants and the loop device, and installs nothing: the profiles in the kernel
 * stay as compile wrote them, so each VM is still refused both volumes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compileVolumes, makeVolumes, volumePolicy, type VolumeVm } from "./dm-volumes.js";
import { describeResult, describeWithKernel, kernelModules, mismatches, moatInGuest, runGuest, withLibraries, type Check, type GuestResult } from "./harness.js";

const VMS: readonly VolumeVm[] = [
  { tenant: "acme", vm: "acme-db01", uuid: "2c394418-43a4-46c2-a5be-7a9584c8031f", lv: "acme-db01-data", table: "0 8192 linear /dev/loop0 0" },
  { tenant: "globex", vm: "globex-db01", uuid: "7a1e0c55-0d9e-4b51-9d2f-6f1d0c3b2a10", lv: "globex-db01-data", table: "0 8192 linear /dev/loop0 4096" },
];

const POLICY = volumePolicy("dm-overlap", VMS);

const MAKE_VOLUMES = makeVolumes(VMS);

/** The install must fail: its status is printed, not let stop the stage; then what /etc/apparmor.d holds. */
const INSTALL = [
  "cd /tmp",
  "set +e",
  "node /moat/app/bin/moat.js install --from /moat/out --format json; echo \"install-exit=$?\"",
  "echo \"etc-apparmor=[$(ls /etc/apparmor.d 2>/dev/null | tr '\\n' ' ')]\"",
  "echo \"record=$(test -e /var/lib/moat/installed.json && echo present || echo absent)\"",
  "true",
];

describeWithKernel("moat install refuses overlapping device-mapper volumes on a real kernel", () => {
  let run: GuestResult;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "moat-kernel-overlap-"));
    const { out, profiles } = compileVolumes(work, POLICY);
    const checks = (stage: string): Check[] =>
      VMS.flatMap((v) =>
        VMS.flatMap((target) =>
          (["read", "write"] as const).map((op) => ({ id: `${stage}:${v.vm}:${op}:${target.lv}`, op, path: `/dev/vg0/${target.lv}`, profile: `libvirt-${v.uuid}`, expect: "deny" as const })),
        ),
      );
    const given = VMS.map((v) => ({ path: `/dev/vg0/${v.lv}`, kind: "given" as const }));
    run = await runGuest({
      profiles,
      setup: MAKE_VOLUMES,
      files: given,
      checks: checks("before"),
      then: [{ setup: INSTALL, files: given, checks: checks("after") }],
      hostFiles: [...moatInGuest(), ...withLibraries("/usr/sbin/dmsetup", "/sbin/dmsetup"), ...kernelModules(), { guest: "/moat/out", host: out, tree: true }],
    });
  });

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  const output = (): string => run.setup.output.join("\n");

  it("makes the overlapping volumes", () => {
    expect(run.parser.exit, run.parser.output.join("\n")).toBe(0);
    expect(run.problems, output()).toEqual([]);
    expect(run.setup.exit, output()).toBe(0);
    expect(output()).toMatch(/vg0-globex--db01--data: 0 8192 linear 7:0 4096/);
  });

  it("install exits 1 with MOAT501 naming both grants and loop0, and writes nothing", () => {
    expect(output()).toContain("install-exit=1");
    const lines = run.setup.output;
    const at = lines.findIndex((l) => l.startsWith("{"));
    expect(at, output()).toBeGreaterThanOrEqual(0);
    let end = at;
    while (end < lines.length && lines[end] !== "}") end++;
    const report = JSON.parse(lines.slice(at, end + 1).join("\n")) as { installed: string[]; loaded: string[]; diagnostics: { code: string; message: string }[] };
    expect(report.installed).toEqual([]);
    expect(report.loaded).toEqual([]);
    const clash = report.diagnostics.filter((d) => d.code === "MOAT501");
    expect(clash, output()).toHaveLength(1);
    expect(clash[0]!.message).toMatch(
      /^volume "\/dev\/vg0\/globex-db01-data" of globex\/globex-db01 \(\/dev\/dm-\d\) and volume "\/dev\/vg0\/acme-db01-data" of acme\/acme-db01 \(\/dev\/dm-\d\) reach one disk's data on this host: dm-\d and dm-\d share data on loop0 \(7:0\): both map sectors 4096-8191 of loop0$/,
    );
    // The guest's /etc/apparmor.d holds only its base (abi, abstractions, …): no profile of moat's.
    expect(output()).toMatch(/etc-apparmor=\[[^\]\n]*\]/);
    expect(output()).not.toMatch(/etc-apparmor=\[[^\]\n]*libvirt-/);
    expect(output()).toContain("record=absent");
  });

  it("the kernel still refuses each VM both volumes, before and after the refused install", () => {
    const results = run.results;
    expect(results).toHaveLength(16);
    expect(mismatches(results).map(describeResult)).toEqual([]);
  });
});
