/**
 * The profile the hook places, with its tenant's fragment and the `.files` that libvirt's real
 * virt-aa-helper writes for the same domain XML (a dry run), passes apparmor_parser; and the fragments
 * say what docs/nova.md promises.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runNovaHook } from "../../src/cli/nova-hook-command.js";
import { checkProfiles, describeWithValidators, virtAaHelperRules } from "../support/validators.js";
import { compiledTree, INSTANCE, memoryIo, novaDomain } from "./fixture.js";

let tree: ReturnType<typeof compiledTree>;
beforeEach(() => {
  tree = compiledTree();
});
afterEach(() => tree.remove());

async function placedProfile(xml: string): Promise<string> {
  const { io, err } = memoryIo(tree.root);
  const code = await runNovaHook(["instance-0000002a", "prepare", "begin", "-", "--from", tree.from, "--root", tree.root], io, async () => xml);
  if (code !== 0) throw new Error(err());
  return readFileSync(join(tree.root, "etc/apparmor.d/libvirt", `libvirt-${INSTANCE}`), "utf8");
}

/** The profile with its two moat-side includes replaced by their text, as apparmor_parser would read them. */
function inlined(profile: string, files: readonly string[]): string {
  const fragment = tree.outputs.get("apparmor.d/moat/nova/tenant.acme")!;
  return profile
    .replace("  include <moat/nova/tenant.acme>\n", fragment)
    .replace(`  include <libvirt/libvirt-${INSTANCE}.files>\n`, files.map((f) => `  ${f}\n`).join(""));
}

describe("the Nova fragments", () => {
  it("grant the tenant's direct resources and deny every other tenant's declared ones", () => {
    const acme = tree.outputs.get("apparmor.d/moat/nova/tenant.acme")!;
    expect(acme).toContain('  "/srv/acme/iso/**" rk,');
    expect(acme).toContain('  "/dev/sdc" rw,');
    expect(acme).toContain('  deny "/srv/globex/**" rwlkmx,');
    expect(acme).toContain('  deny "/var/lib/libvirt/images/globex/legacy.qcow2" rwlkmx,');
    expect(acme).not.toMatch(/^\s*(abi|profile|include <tunables)/m);
    const unassigned = tree.outputs.get("apparmor.d/moat/nova/unassigned")!;
    for (const path of ["/srv/acme/iso/**", "/dev/sdc", "/srv/globex/**"]) expect(unassigned).toContain(`  deny "${path}" rwlkmx,`);
    expect(JSON.parse(tree.outputs.get("moat-nova.json")!)).toMatchObject({
      format: 1,
      instances: "/var/lib/nova/instances",
      unknownProject: "refuse",
      fragments: { acme: "moat/nova/tenant.acme", globex: "moat/nova/tenant.globex" },
      unassigned: "moat/nova/unassigned",
    });
  });
});

describeWithValidators("the placed profile and apparmor_parser", ["apparmor_parser", "libvirt-qemu-abstraction", "virt-aa-helper"], () => {
  it("parses with the fragment and virt-aa-helper's .files for the same domain", async () => {
    const xml = novaDomain();
    const profile = await placedProfile(xml);
    const files = virtAaHelperRules(xml, INSTANCE);
    expect(files.some((f) => f.includes(`/var/lib/nova/instances/${INSTANCE}/disk`))).toBe(true);
    const results = checkProfiles([{ name: `libvirt-${INSTANCE}`, content: inlined(profile, files) }]);
    expect(results.map((r) => r.output)).toEqual([""]);
    expect(results.every((r) => r.ok)).toBe(true);
  });
});


describeWithValidators("install --nova's profiles and apparmor_parser", ["apparmor_parser", "libvirt-qemu-abstraction"], () => {
  it("the hook's profile parses; a profile built from the fail-closed template does not", async () => {
    const { failClosedTemplate, hookProfile } = await import("../../src/install/plan-nova.js");
    const hook = hookProfile({ model: "", instances: "/var/lib/nova/instances", fragments: new Map(), command: "exec /usr/bin/node /usr/lib/moat/bin/moat.js", interpreter: "/usr/bin/node", moatDir: "/usr/lib/moat" });
    const [result] = checkProfiles([{ name: "moat.nova-hook", content: hook }]);
    expect(result!.output).toBe("");
    // libvirt's virt-aa-helper -c copies the template and renames the profile: what it would load.
    const built = failClosedTemplate().replace("profile LIBVIRT_TEMPLATE", `profile libvirt-${INSTANCE}`);
    const [failed] = checkProfiles([{ name: `libvirt-${INSTANCE}`, content: built }]);
    expect(failed!.ok).toBe(false);
    expect(failed!.output).toContain("Could not open 'moat/nova/no-profile-placed-by-moat-nova-hook'");
  });
});
