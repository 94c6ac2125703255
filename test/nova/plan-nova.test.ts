/** `moat install --nova` and `moat uninstall` planned on fake host trees (src/install/plan-nova.ts). */
import { describe, expect, it } from "vitest";
import { PLACED_MARK } from "../../src/install/nova-hook.js";
import {
  COPY_DIR,
  FAIL_CLOSED_INCLUDE,
  FRAGMENT_DIR,
  HOOK_FILE,
  HOOK_PROFILE_FILE,
  LIBVIRTD_LOCAL,
  OVERRIDE_LINE,
  planNovaInstall,
  planNovaUninstall,
  TEMPLATE_FILE,
  TEMPLATE_ORIGINAL,
  type NovaChange,
  type NovaHostFiles,
  type NovaWanted,
} from "../../src/install/plan-nova.js";

const A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";
const C = "1e2d3c4b-5a69-4788-9a0b-c1d2e3f40516";
const LIBVIRT_TEMPLATE = "#include <tunables/global>\nprofile LIBVIRT_TEMPLATE flags=(attach_disconnected) {\n  #include <abstractions/libvirt-qemu>\n}\n";

const wanted: NovaWanted = {
  model: '{"format":1}\n',
  instances: "/var/lib/nova/instances",
  fragments: new Map([["tenant.acme", "# acme\n"], ["unassigned", "# unassigned\n"]]),
  command: "exec /usr/bin/node /usr/lib/moat/bin/moat.js",
  interpreter: "/usr/bin/node",
  moatDir: "/usr/lib/moat",
};

function host(files: Record<string, string>, running: string[] = []): NovaHostFiles {
  return { files: new Map(Object.entries(files)), running: new Set(running), instancesIsLink: false };
}

/** A host after the changes. */
function applied(before: NovaHostFiles, changes: readonly NovaChange[]): NovaHostFiles {
  const files = new Map(before.files);
  for (const c of changes) {
    if (c.kind === "write") files.set(c.path, c.content);
    else files.delete(c.path);
  }
  return { ...before, files };
}

const fresh = (): NovaHostFiles =>
  host({
    [TEMPLATE_FILE]: LIBVIRT_TEMPLATE,
    [LIBVIRTD_LOCAL]: "# Site-specific additions and overrides for usr.sbin.libvirtd\n",
    [`etc/apparmor.d/libvirt/libvirt-${A}`]: `${PLACED_MARK}\nprofile …\n`,
    [`etc/apparmor.d/libvirt/libvirt-${A}.files`]: '  "/x" rw,\n',
    [`etc/apparmor.d/libvirt/libvirt-${B}`]: "#include <tunables/global>\nprofile libvirt-B {}\n",
    [`etc/apparmor.d/libvirt/libvirt-${C}`]: "#include <tunables/global>\nprofile libvirt-C {}\n",
  }, [A, C]);

describe("install --nova", () => {
  it("installs the hook, its profile, the override line, the fragments, the copy and the fail-closed template, keeping the original", () => {
    const plan = planNovaInstall(fresh(), wanted);
    expect(plan.errors).toEqual([]);
    const after = applied(fresh(), plan.changes);
    expect(after.files.get(HOOK_FILE)).toContain(`nova-hook "$1" "$2" "$3" "$4" --from /${COPY_DIR}`);
    expect(plan.changes.find((c) => c.path === HOOK_FILE)).toMatchObject({ mode: 0o755 });
    expect(after.files.get(HOOK_PROFILE_FILE)).toContain(`profile moat.nova-hook /${HOOK_FILE} {`);
    expect(after.files.get(LIBVIRTD_LOCAL)!.split("\n")).toContain(OVERRIDE_LINE);
    expect(after.files.get(`${FRAGMENT_DIR}/tenant.acme`)).toBe("# acme\n");
    expect(after.files.get(`${COPY_DIR}/moat-nova.json`)).toBe(wanted.model);
    expect(after.files.get(TEMPLATE_FILE)).toContain(`include <${FAIL_CLOSED_INCLUDE}>`);
    expect(after.files.get(TEMPLATE_ORIGINAL)).toBe(LIBVIRT_TEMPLATE);
    expect(plan.reload).toEqual([HOOK_PROFILE_FILE, `etc/apparmor.d/libvirt/libvirt-${A}`]);
  });

  it("removes instance profiles it did not place for stopped domains only, keeps its own", () => {
    const plan = planNovaInstall(fresh(), wanted);
    expect(plan.changes.filter((c) => c.kind === "remove").map((c) => c.path)).toEqual([`etc/apparmor.d/libvirt/libvirt-${B}`]);
    expect(plan.notes.some((n) => n.includes(`libvirt-${C}`) && n.includes("running"))).toBe(true);
  });

  it("changes nothing the second time, and keeps the kept original when the template is already moat's", () => {
    const once = applied(fresh(), planNovaInstall(fresh(), wanted).changes);
    const again = planNovaInstall(once, wanted);
    expect(again.changes).toEqual([]);
    expect(again.reload).toEqual([]);
  });

  it("puts the fail-closed template back when a package upgrade restored libvirt's", () => {
    const once = applied(fresh(), planNovaInstall(fresh(), wanted).changes);
    const upgraded = { ...once, files: new Map([...once.files, [TEMPLATE_FILE, LIBVIRT_TEMPLATE]]) };
    const plan = planNovaInstall(upgraded, wanted);
    expect(plan.changes.map((c) => c.path)).toEqual([TEMPLATE_FILE]);
  });

  it("reloads the running instances' placed profiles when a fragment changes, and removes a fragment no longer compiled", () => {
    const once = applied(fresh(), planNovaInstall(fresh(), wanted).changes);
    const plan = planNovaInstall(once, { ...wanted, fragments: new Map([["tenant.acme", "# acme, changed\n"]]) });
    expect(plan.changes.map((c) => `${c.kind} ${c.path}`)).toEqual([`write ${FRAGMENT_DIR}/tenant.acme`, `remove ${FRAGMENT_DIR}/unassigned`]);
    expect(plan.reload).toEqual([`etc/apparmor.d/libvirt/libvirt-${A}`]);
  });

  it("refuses an instances folder that is a symlink", () => {
    const plan = planNovaInstall({ ...fresh(), instancesIsLink: true }, wanted);
    expect(plan.changes).toEqual([]);
    expect(plan.errors[0]).toContain("is a symlink");
  });
});

describe("uninstall", () => {
  it("takes back everything install --nova put there and restores the original template", () => {
    const installed = applied(fresh(), planNovaInstall(fresh(), wanted).changes);
    const stopped = { ...installed, running: new Set<string>() };
    const after = applied(stopped, planNovaUninstall(stopped).changes);
    expect(after.files.get(TEMPLATE_FILE)).toBe(LIBVIRT_TEMPLATE);
    expect(after.files.get(LIBVIRTD_LOCAL)).toBe("# Site-specific additions and overrides for usr.sbin.libvirtd\n");
    const left = [...after.files.keys()].sort();
    expect(left).toEqual([LIBVIRTD_LOCAL, TEMPLATE_FILE, `etc/apparmor.d/libvirt/libvirt-${A}.files`, `etc/apparmor.d/libvirt/libvirt-${C}`].sort());
  });
});
