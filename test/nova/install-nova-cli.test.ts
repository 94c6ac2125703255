/**
 * `moat install --nova` and `moat uninstall` through the CLI on a fake host tree (--root), with a fake
 * apparmor_parser and a fake virsh that says which domains run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PLACED_MARK } from "../../src/install/nova-hook.js";
import { cleanUp, compileInto, fakeParser, run, temp, tree } from "../install/host-tree.js";
import { novaPolicy } from "./fixture.js";

afterEach(cleanUp);

const RUNNING = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const STOPPED = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";
const LIBVIRT_TEMPLATE = "profile LIBVIRT_TEMPLATE flags=(attach_disconnected) {\n  #include <abstractions/libvirt-qemu>\n}\n";

async function setup(): Promise<{ dir: string; root: string; env: Record<string, string>; parserCalls: () => string[] }> {
  const dir = temp("moat-nova-install-");
  await compileInto(dir, { "main.iso": novaPolicy() });
  const root = path.join(dir, "root");
  const files: Record<string, string> = {
    "etc/apparmor.d/libvirt/TEMPLATE.qemu": LIBVIRT_TEMPLATE,
    "etc/apparmor.d/local/usr.sbin.libvirtd": "# Site-specific additions and overrides for usr.sbin.libvirtd\n",
    [`etc/apparmor.d/libvirt/libvirt-${RUNNING}`]: `${PLACED_MARK}\nprofile libvirt-${RUNNING} {}\n`,
    [`etc/apparmor.d/libvirt/libvirt-${STOPPED}`]: `#include <tunables/global>\nprofile libvirt-${STOPPED} {}\n`,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  const parser = fakeParser(dir);
  const virsh = path.join(dir, "virsh");
  fs.writeFileSync(virsh, `#!/bin/sh\necho ${RUNNING}\necho\n`, { mode: 0o755 });
  return { dir, root, env: { MOAT_APPARMOR_PARSER: parser.program, MOAT_VIRSH: virsh }, parserCalls: parser.calls };
}

describe("install --nova, then uninstall", () => {
  it("puts the hook and its files in place, removes what bypasses the hook, and takes it all back", async () => {
    const { dir, root, env, parserCalls } = await setup();
    const installed = await run(dir, ["install", "--nova", "--root", root], env);
    expect(installed.code, installed.err).toBe(0);
    const after = tree(root);
    expect(after["etc/libvirt/hooks/qemu.d/50-moat"]).toMatch(/^#!\/bin\/sh\n/);
    expect(fs.statSync(path.join(root, "etc/libvirt/hooks/qemu.d/50-moat")).mode & 0o777).toBe(0o755);
    expect(after["etc/apparmor.d/moat.nova-hook"]).toContain("profile moat.nova-hook /etc/libvirt/hooks/qemu.d/50-moat {");
    expect(after["etc/apparmor.d/local/usr.sbin.libvirtd"]).toContain("/etc/libvirt/hooks/qemu.d/50-moat Pix -> moat.nova-hook,");
    expect(Object.keys(after).filter((k) => k.startsWith("etc/apparmor.d/moat/nova/")).sort()).toEqual(
      ["etc/apparmor.d/moat/nova/tenant.acme", "etc/apparmor.d/moat/nova/tenant.globex", "etc/apparmor.d/moat/nova/unassigned"],
    );
    expect(after["etc/moat/nova/moat-nova.json"]).toBe(fs.readFileSync(path.join(dir, "generated/moat-nova.json"), "utf8"));
    expect(after["etc/apparmor.d/libvirt/TEMPLATE.qemu"]).toContain("include <moat/nova/no-profile-placed-by-moat-nova-hook>");
    expect(after["var/lib/moat/nova/TEMPLATE.qemu.orig"]).toBe(LIBVIRT_TEMPLATE);
    expect(after[`etc/apparmor.d/libvirt/libvirt-${STOPPED}`]).toBeUndefined();
    expect(after[`etc/apparmor.d/libvirt/libvirt-${RUNNING}`]).toBeDefined();
    expect(parserCalls().filter((c) => c.includes("moat.nova-hook") || c.includes(`libvirt-${RUNNING}`))).toHaveLength(2);

    const again = await run(dir, ["install", "--nova", "--root", root], env);
    expect(again.code).toBe(0);
    expect(again.err).toContain("moat: nova: 0 changed, 0 reloaded");

    const removed = await run(dir, ["uninstall", "--root", root], { ...env, MOAT_VIRSH: "/bin/true" });
    expect(removed.code, removed.err).toBe(0);
    const back = tree(root);
    expect(back["etc/apparmor.d/libvirt/TEMPLATE.qemu"]).toBe(LIBVIRT_TEMPLATE);
    expect(back["etc/apparmor.d/local/usr.sbin.libvirtd"]).toBe("# Site-specific additions and overrides for usr.sbin.libvirtd\n");
    const nova = Object.keys(back).filter((k) => /nova|50-moat|libvirt\/libvirt-/.test(k));
    expect(nova, JSON.stringify(nova)).toEqual([]);
  });

  it("installs only fragments the manifest vouches for: an edited fragment installs nothing", async () => {
    const { dir, root, env } = await setup();
    const fragment = path.join(dir, "generated/apparmor.d/moat/nova/tenant.acme");
    fs.appendFileSync(fragment, '  "/srv/globex/**" rwk,\n');
    const result = await run(dir, ["install", "--nova", "--root", root], env);
    expect(result.code).toBe(1);
    expect(result.err).toContain("MOAT507");
    expect(fs.existsSync(path.join(root, "etc/libvirt/hooks/qemu.d/50-moat"))).toBe(false);
    expect(fs.existsSync(path.join(root, "etc/apparmor.d/moat/nova/tenant.acme"))).toBe(false);
  });

  it("refuses an instances folder that is a symlink on the host", async () => {
    const { dir, root, env } = await setup();
    fs.mkdirSync(path.join(root, "srv/nova"), { recursive: true });
    fs.mkdirSync(path.join(root, "var/lib/nova"), { recursive: true });
    fs.symlinkSync("../../../srv/nova", path.join(root, "var/lib/nova/instances"));
    const result = await run(dir, ["install", "--nova", "--root", root], env);
    expect(result.code).toBe(1);
    expect(result.err).toContain("is a symlink on this host");
    expect(fs.existsSync(path.join(root, "etc/libvirt/hooks/qemu.d/50-moat"))).toBe(false);
  });
});
