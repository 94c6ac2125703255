/**
 * The profile `moat nova-hook` places for a Nova instance, loaded into a real kernel: the instance reads
 * its own folder and `_base`, and is refused another instance's folder (suffixed or not) and another
 * tenant's declared resource, even though the `.files` beside it grants them (a deny wins). The `.files`
 * is what libvirt would generate, with two grants added that a broad `.files` could hold; the tenant's
 * fragment and the `.files` are inlined, as apparmor_parser reads includes.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runNovaHook } from "../../src/cli/nova-hook-command.js";
import { COPY_DIR, HOOK_FILE, HOOK_PROFILE_NAME, hookProfile, hookScript } from "../../src/install/plan-nova.js";
import { compiledTree, INSTANCE, INSTANCES, memoryIo, novaDomain } from "../nova/fixture.js";
import { describeResult, describeWithKernel, mismatches, moatInGuest, runGuest, withLibraries, type Check, type GuestResult } from "./harness.js";

const OTHER = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";
const NEIGHBOUR = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e80"; // differs from the instance only in its last digit

describeWithKernel("a Nova instance under the profile moat nova-hook places", () => {
  let tree: ReturnType<typeof compiledTree>;
  let run: GuestResult;
  const profile = `libvirt-${INSTANCE}`;
  const checks: Check[] = [
    { id: "own disk", op: "read", path: `${INSTANCES}/${INSTANCE}/disk`, profile, expect: "allow" },
    { id: "own disk write", op: "write", path: `${INSTANCES}/${INSTANCE}/disk`, profile, expect: "allow" },
    { id: "own console.log", op: "write", path: `${INSTANCES}/${INSTANCE}/console.log`, profile, expect: "allow" },
    { id: "base image", op: "read", path: `${INSTANCES}/_base/2f4c1e9a`, profile, expect: "allow" },
    { id: "other instance disk", op: "read", path: `${INSTANCES}/${OTHER}/disk`, profile, expect: "deny" },
    { id: "other instance resize", op: "read", path: `${INSTANCES}/${OTHER}_resize/disk`, profile, expect: "deny" },
    { id: "neighbour instance disk", op: "write", path: `${INSTANCES}/${NEIGHBOUR}/disk`, profile, expect: "deny" },
    { id: "other tenant's volume", op: "read", path: "/srv/globex/db.img", profile, expect: "deny" },
    { id: "own tenant's volume", op: "read", path: "/srv/acme/iso/ubuntu.iso", profile, expect: "allow" },
  ];

  beforeAll(async () => {
    tree = compiledTree();
    const { io, err } = memoryIo(tree.root);
    const code = await runNovaHook(["instance-0000002a", "prepare", "begin", "-", "--from", tree.from, "--root", tree.root], io, async () => novaDomain());
    expect(code, err()).toBe(0);
    const placed = readFileSync(join(tree.root, "etc/apparmor.d/libvirt", profile), "utf8");
    const files = [
      `"${INSTANCES}/${INSTANCE}/disk" rwk,`,
      `"${INSTANCES}/${INSTANCE}/disk.config" rk,`,
      `"${INSTANCES}/${INSTANCE}/console.log" w,`,
      `"${INSTANCES}/_base/2f4c1e9a" rk,`,
      // What a too-broad .files could grant: the placed profile's denies must win.
      `"${INSTANCES}/**" rwk,`,
      '"/srv/globex/**" rwk,',
    ];
    const content = placed
      .replace("  include <moat/nova/tenant.acme>\n", tree.outputs.get("apparmor.d/moat/nova/tenant.acme")!)
      .replace(`  include <libvirt/libvirt-${INSTANCE}.files>\n`, files.map((f) => `  ${f}\n`).join(""));
    run = await runGuest({ profiles: [{ name: profile, content }], checks });
  });
  afterAll(() => tree?.remove());

  it("loads the profile", () => {
    expect(run.parser.exit, run.parser.output.join("\n")).toBe(0);
    expect(run.loaded.map((p) => p.name)).toContain(profile);
  });

  it("allows the instance its own folder and _base, and refuses other instances' folders and another tenant's volume", () => {
    expect(run.problems).toEqual([]);
    expect(mismatches(run.results).map(describeResult)).toEqual([]);
    expect(run.results).toHaveLength(checks.length);
  });
});

/**
 * The hook itself, run by the kernel under the profile `moat install --nova` gives it, as libvirtd runs
 * it: the hook script (`#!/bin/sh`, dash as on Debian) execs this machine's node on the built package,
 * reads the compiled copy, and places the instance's profile, with nothing its profile refuses.
 */
describeWithKernel("moat's Nova hook under its own profile", () => {
  let tree: ReturnType<typeof compiledTree>;
  let run: GuestResult;
  const hook = `/${HOOK_FILE}`;

  beforeAll(async () => {
    tree = compiledTree();
    const dash = ["/usr/bin/dash", "/bin/dash"].find((p) => existsSync(p));
    if (dash === undefined) throw new Error("dash is not installed (apt-get install dash): the hook runs under /bin/sh");
    const profile = hookProfile({ model: "", instances: INSTANCES, fragments: new Map(), command: "exec /usr/bin/node /moat/app/bin/moat.js", interpreter: "/usr/bin/node", moatDir: "/moat/app" });
    writeFileSync(join(tree.root, "hook"), hookScript("exec /usr/bin/node /moat/app/bin/moat.js"));
    writeFileSync(join(tree.root, "domain.xml"), novaDomain());
    run = await runGuest({
      profiles: [{ name: HOOK_PROFILE_NAME, content: profile }],
      setup: [
        `mkdir -p /etc/apparmor.d/libvirt ${hook.replace(/\/[^/]*$/, "")}`,
        `cp /moat/hook ${hook} && chmod 755 ${hook}`,
        // As libvirtd calls it: the domain's XML on stdin, the hook's status and output in libvirtd's log.
        `${hook} instance-0000002a prepare begin - </moat/domain.xml; echo "hook-exit=$?"`,
        `${hook} instance-0000002a reconnect begin - </dev/null; echo "reconnect-exit=$?"`,
        `ls /etc/apparmor.d/libvirt/`,
        `head -c 2000 /etc/apparmor.d/libvirt/libvirt-${INSTANCE}`,
      ],
      // After the setup, the same path runs the probe: the kernel attaches the hook's profile to it.
      checks: [{ id: "hook label", op: "label", exec: hook, expect: `${HOOK_PROFILE_NAME} (enforce)` }],
      hostFiles: [
        ...moatInGuest(),
        ...withLibraries(dash, "/bin/sh"),
        { guest: `/${COPY_DIR}`, host: tree.from, tree: true },
        { guest: "/moat/hook", host: join(tree.root, "hook") },
        { guest: "/moat/domain.xml", host: join(tree.root, "domain.xml") },
      ],
    });
  });
  afterAll(() => tree?.remove());

  it("places the instance's profile under its own profile, and the kernel refused it nothing", () => {
    const out = run.setup.output.join("\n");
    expect(run.parser.exit, run.parser.output.join("\n")).toBe(0);
    expect(out).toContain("hook-exit=0");
    expect(out).toContain("reconnect-exit=0");
    expect(out).toContain(`libvirt-${INSTANCE}`);
    expect(out).toContain(`profile libvirt-${INSTANCE}`);
    expect(run.audit.filter((l) => l.includes(`profile="${HOOK_PROFILE_NAME}"`))).toEqual([]);
    expect(mismatches(run.results).map(describeResult)).toEqual([]);
  });
});

