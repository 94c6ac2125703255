/**
 * What the control plane's workloads become: a container's profile and LXC config lines, a service's
 * read, run, capability and network rules, a vm's read. Golden files for the texts; the real
 * apparmor_parser (with LXC 5.0's abstractions) for every profile; and the container profile's mount
 * rules compared with LXC's own lxc-container-default-cgns, line for line.
 */
import { describe, expect, it } from "vitest";
import type { CompileResult } from "../../src/api.js";
import { aaCapabilityRule, aaNetworkRule, aaPerms } from "../../src/emit/apparmor-text.js";
import { lxcConfName } from "../../src/emit/lxc-text.js";
import { renderContainerProfile, renderLxcConf } from "../../src/emit/templates.js";
import { CAPABILITIES, NETWORK_FAMILIES, NETWORK_TYPES } from "../../src/model/kernel-names.js";
import { compileTexts } from "../support/memory.js";
import { checkProfiles, describeWithValidators, lxcDefaultCgnsProfile } from "../support/validators.js";

const POLICY = `policy infra1
protect "/etc/openstack_deploy/**"
tenant galera {
  container galera {
    lxc    "infra1_galera_container-3ea2d8f4"
    volume "/dev/lxc/infra1_galera_container-3ea2d8f4"         rw
    volume "/openstack/infra1_galera_container-3ea2d8f4/{,**}" rw
  }
}
tenant compute {
  service nova-compute {
    exec   "/openstack/venvs/nova/bin/nova-compute"
    read   "/etc/nova/{,**}"
    read   "/usr/lib/python3/dist-packages/**"
    run    "/usr/bin/qemu-img"                      inherit
    run    "/openstack/venvs/nova/bin/privsep-helper" own
    volume "/var/lib/nova/{,**}"                    rw
    capability sys_admin, net_admin
    network inet6 stream
    network netlink
    network inet stream
  }
  service privsep {
    exec "/openstack/venvs/nova/bin/privsep-helper"
    capability net_admin
  }
  container util {
    volume "/openstack/infra1_utility_container-a1b2c3d4/{,**}" rw
    mode complain
  }
  vm web {
    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"
    volume "/var/lib/libvirt/images/web.qcow2"
    read   "/usr/share/OVMF/OVMF_CODE_4M.fd"
  }
}
`;

function compileOk(text: string): CompileResult {
  const result = compileTexts({ "/site/infra1.iso": text });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result;
}

const output = (result: CompileResult, path: string): string => {
  const file = result.outputs.find((o) => o.path === path);
  if (file === undefined) throw new Error(`no output ${path}; outputs: ${result.outputs.map((o) => o.path).join(", ")}`);
  return file.content;
};

describe("a container's outputs", () => {
  const result = compileOk(POLICY);

  it("are its profile and its LXC config lines (golden)", async () => {
    await expect(output(result, "apparmor.d/moat.galera.galera")).toMatchFileSnapshot("golden/moat.galera.galera");
    await expect(output(result, "lxc/galera.galera.conf")).toMatchFileSnapshot("golden/galera.galera.conf");
  });

  it("in complain mode, with its own name as LXC name (golden)", async () => {
    await expect(output(result, "apparmor.d/moat.compute.util")).toMatchFileSnapshot("golden/moat.compute.util");
    await expect(output(result, "lxc/compute.util.conf")).toMatchFileSnapshot("golden/compute.util.conf");
  });

  it("a profile with no attachment, no rule for its storage and only the kernel interfaces' denies", () => {
    const profile = output(result, "apparmor.d/moat.galera.galera");
    expect(profile).toContain("\nprofile moat.galera.galera flags=(attach_disconnected, mediate_deleted) {\n  include <abstractions/lxc/container-base>\n");
    const rules = profile.split("\n").filter((l) => /^\s+[^#\s]/.test(l)).map((l) => l.trim());
    expect(rules.filter((r) => r.includes("openstack") || r.includes("/dev/lxc"))).toEqual([]);
    expect(rules.filter((r) => r.startsWith("deny \""))).toEqual([
      'deny "/sys/kernel/security/**" rwlkmx,',
      'deny "/proc/sysrq-trigger" rwlkmx,',
      'deny "/proc/kcore" rwlkmx,',
      'deny "/dev/mem" rwlkmx,',
      'deny "/dev/kmem" rwlkmx,',
      'deny "/dev/port" rwlkmx,',
    ]);
    // The storage is named, for the reviewer, in comments.
    expect(profile).toContain("  #   volume rw /openstack/infra1_galera_container-3ea2d8f4/{,**} (infra1.iso:7)\n");
  });

  it("the LXC config names the profile and turns nesting off", () => {
    const lines = output(result, "lxc/galera.galera.conf").split("\n");
    expect(lines.filter((l) => !l.startsWith("#"))).toEqual(["lxc.apparmor.profile = moat.galera.galera", "lxc.apparmor.allow_nesting = 0", ""]);
    expect(lines[1]).toBe("# container galera of tenant galera: LXC container infra1_galera_container-3ea2d8f4.");
  });

  it("the manifest lists them", () => {
    const manifest = JSON.parse(output(result, "moat-manifest.json")) as { outputs: { path: string }[] };
    expect(manifest.outputs.map((o) => o.path).filter((p) => p.startsWith("lxc/"))).toEqual(["lxc/compute.util.conf", "lxc/galera.galera.conf"]);
  });

  it("a source name that could break a line is escaped in every comment", () => {
    const odd = compileTexts({ "/site/a\nlxc.apparmor.profile = unconfined\n.iso": 'tenant t {\n  container c {\n    volume "/srv/c/{,**}"\n  }\n}\n' });
    const conf = output(odd, "lxc/t.c.conf");
    expect(conf.split("\n").filter((l) => l.startsWith("lxc."))).toEqual(["lxc.apparmor.profile = moat.t.c", "lxc.apparmor.allow_nesting = 0"]);
    expect(conf).toContain("from a\\x0alxc.apparmor.profile = unconfined\\x0a.iso: do not edit.");
  });

  it("the templates fail loudly on a missing field or a value no model holds", () => {
    const conf = { version: "1", source: "a.iso", tenant: "t", workload: "c", lxc: "infra1_c", profile: "moat.t.c" };
    expect(renderLxcConf(conf)).toContain("\nlxc.apparmor.profile = moat.t.c\nlxc.apparmor.allow_nesting = 0\n");
    expect(() => renderLxcConf({ ...conf, profile: "unconfined\nlxc.apparmor.allow_nesting = 1" })).toThrow(/internal/);
    expect(() => renderLxcConf({ ...conf, lxc: "c\nlxc.apparmor.profile = unconfined" })).toThrow(/internal/);
    const { profile: _p, ...noProfile } = conf;
    expect(() => renderLxcConf(noProfile as typeof conf)).toThrow();
    const view = { version: "1", source: "a.iso", tenant: "t", workload: "c", lxc: "c", name: "moat.t.c", flags: ["attach_disconnected", "mediate_deleted"], storage: [], denies: [] };
    expect(renderContainerProfile(view)).toContain("  #   (none declared)\n");
    expect(() => renderContainerProfile({ ...view, flags: ["attach_disconnected", "unconfined"] })).toThrow(/internal/);
    const { storage: _s, ...noStorage } = view;
    expect(() => renderContainerProfile(noStorage as typeof view)).toThrow(/#each needs a list/);
  });

  it("the conf's LXC name is checked again when written (a bug in moat, not a policy error)", () => {
    expect(lxcConfName("infra1_galera_container-3ea2d8f4")).toBe("infra1_galera_container-3ea2d8f4");
    for (const bad of ["a\nlxc.apparmor.profile = unconfined", "a # b", "a=b", "", "x".repeat(65)]) expect(() => lxcConfName(bad), bad).toThrow(/internal/);
  });
});

describe("a service's reads, runs, capabilities and network rules", () => {
  const result = compileOk(POLICY);

  it("render as one rule each, under a comment naming the line (golden)", async () => {
    await expect(output(result, "apparmor.d/moat.compute.nova-compute")).toMatchFileSnapshot("golden/moat.compute.nova-compute");
  });

  it("capabilities and network rules come first, sorted, whatever the order they are written in", () => {
    const profile = output(result, "apparmor.d/moat.compute.nova-compute");
    const kernel = profile.split("\n").filter((l) => /^ {2}(capability|network) /.test(l)).map((l) => l.trim());
    expect(kernel).toEqual(["capability net_admin,", "capability sys_admin,", "network inet stream,", "network inet6 stream,", "network netlink,"]);
    expect(profile.indexOf("capability")).toBeLessThan(profile.indexOf('"/etc/nova/{,**}" r,'));
    expect(profile).toContain('  "/usr/bin/qemu-img" ix,\n');
    expect(profile).toContain('  "/openstack/venvs/nova/bin/privsep-helper" Px,\n');
  });

  it("a vm's read is exactly r", () => {
    const profile = output(result, "apparmor.d/libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f");
    expect(profile).toContain(`  # read (infra1.iso:34)\n  "/usr/share/OVMF/OVMF_CODE_4M.fd" r,\n`);
  });

  it("the writers refuse what no model holds", () => {
    expect(() => aaCapabilityRule("cap_sys_admin")).toThrow(/internal/);
    expect(() => aaCapabilityRule("net_admin, capability sys_module")).toThrow(/internal/);
    expect(() => aaNetworkRule("inet4", null)).toThrow(/internal/);
    expect(() => aaNetworkRule("inet", "stream,\n  file")).toThrow(/internal/);
    expect(aaPerms("ix")).toBe("ix");
    expect(aaPerms("Px")).toBe("Px");
    for (const mode of ["ux", "Ux", "pix", "Cx", "xi", "rix"]) expect(() => aaPerms(mode), mode).toThrow(/internal/);
  });
});

describeWithValidators("control plane profiles and apparmor_parser", ["apparmor_parser", "libvirt-qemu-abstraction", "lxc-abstractions"], () => {
  it("every profile of the policy passes --warn=all --Werror with LXC 5.0's abstractions", () => {
    const result = compileOk(POLICY);
    const profiles = result.outputs.filter((o) => o.path.startsWith("apparmor.d/")).map((o) => ({ name: o.path, content: o.content }));
    expect(profiles.map((p) => p.name)).toEqual([
      "apparmor.d/libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f",
      "apparmor.d/moat.compute.nova-compute",
      "apparmor.d/moat.compute.privsep",
      "apparmor.d/moat.compute.util",
      "apparmor.d/moat.galera.galera",
    ]);
    expect(checkProfiles(profiles).filter((r) => !r.ok)).toEqual([]);
  });

  it("every capability, family and type of the tables is one the parser accepts", () => {
    const caps = CAPABILITIES.map((c) => c.name).join(", ");
    const networks = NETWORK_FAMILIES.flatMap((f) => [`network ${f.name}`, ...NETWORK_TYPES.map((t) => `network ${f.name} ${t.name}`)]).join("\n    ");
    const result = compileOk(`tenant t {\n  service s {\n    exec "/usr/bin/s"\n    capability ${caps}\n    ${networks}\n  }\n}\n`);
    const profile = output(result, "apparmor.d/moat.t.s");
    expect(profile.split("\n").filter((l) => /^ {2}capability /.test(l))).toHaveLength(41);
    expect(profile.split("\n").filter((l) => /^ {2}network /.test(l))).toHaveLength(NETWORK_FAMILIES.length * (NETWORK_TYPES.length + 1));
    expect(checkProfiles([{ name: "all-names", content: profile }]).filter((r) => !r.ok)).toEqual([]);
  });

  /**
   * MOAT313 against the parser itself: for pairs of run globs, moat refuses exactly the pairs whose
   * profile apparmor_parser refuses. The profile of each pair is the one moat writes for the pair's
   * first run, with the second's rule added as moat would write it.
   */
  it("moat refuses exactly the pairs of run modes apparmor_parser refuses (MOAT313)", () => {
    const pairs: [string, string][] = [
      ["/usr/lib/t/{a,b}", "/usr/lib/t/*"], // alternation of plain names: exact, wins over the wildcard
      ["/usr/lib/t/*", "/usr/lib/t/{a,b}"],
      ["/usr/lib/t/a", "/usr/lib/t/*"], // a plain path wins over the wildcard
      ["/usr/lib/t/a", "/usr/lib/t/{a,b}"], // two exact rules
      ["/usr/lib/t/{a,b}", "/usr/lib/t/{b,c}"],
      ["/usr/lib/t/a", "/usr/lib/t/a"],
      ["/usr/lib/t/a*", "/usr/lib/t/*"], // two wildcards
      ["/usr/lib/t/[ab]", "/usr/lib/t/*"],
      ["/usr/lib/t/{a,b*}", "/usr/lib/t/*"],
      ["/usr/lib/t/{a,b*}", "/usr/lib/t/a"],
      ["/usr/lib/t/a?", "/usr/lib/t/b*"], // two wildcards that miss each other
      ["/usr/lib/t/\\*", "/usr/lib/t/*"], // a literal star is exact
    ];
    for (const [own, inherit] of pairs) {
      const text = `tenant t {\n  service h {\n    exec "${own}"\n    read "/etc/t"\n  }\n  service s {\n    run "${own}" own\n    run "${inherit}" inherit\n  }\n}\n`;
      const refused = compileTexts({ "/p/t.iso": text }).diagnostics.some((d) => d.code === "MOAT313");
      const alone = (run: string): string => output(compileOk(text.replace(run, "")), "apparmor.d/moat.t.s");
      const withOwn = alone(`    run "${inherit}" inherit\n`);
      const inheritRule = /\n( {2}# run inherit .*\n {2}".*" ix,\n)/.exec(alone(`    run "${own}" own\n`))![1]!;
      const both = withOwn.replace("\n  # protected host paths", `\n${inheritRule}\n  # protected host paths`);
      const [checked] = checkProfiles([{ name: `${own} own, ${inherit} inherit`, content: both }]);
      expect([own, inherit, refused], checked!.output).toEqual([own, inherit, !checked!.ok]);
      if (!checked!.ok) expect(checked!.output).toMatch(/conflicting x modifiers/);
    }
  });

  it("a container profile's mount rules are those of LXC's lxc-container-default-cgns, and moat's denies for what container-base lets through", () => {
    const lxc = lxcDefaultCgnsProfile();
    expect(lxc, "LXC's lxc-default-cgns").toBeDefined();
    const mounts = (text: string): string[] => text.split("\n").map((l) => l.trim()).filter((l) => /^(deny )?mount /.test(l));
    // The deny rules moat adds (templates/container-profile.hbs; the kernel suite shows why each is needed):
    const moatDenies = [
      /^deny mount options in \((?:[a-z]+, )*[a-z]+\) \/\*\*,$/, // a new mount from a path
      /^deny mount (?:\/proc\{,\/\*\*\}|\/sys\{,\/\*\*\}|\/dev\{,\/\}|"[^"]+"),$/, // a bind of the kernel's interfaces
      /^deny mount options=\((?:[a-z]+, )*[a-z]+\) fstype in \((?:[a-z]+, )*[a-z]+\)(?: -> \S+)?,$/, // kernel file systems elsewhere
    ];
    const ours = mounts(output(compileOk(POLICY), "apparmor.d/moat.galera.galera"));
    const isMoats = (l: string): boolean => moatDenies.some((re) => re.test(l));
    expect(ours.filter((l) => !isMoats(l))).toEqual(mounts(lxc!));
    const added = ours.filter(isMoats);
    expect(added.filter((l) => l.includes("options in"))).toHaveLength(1);
    const flags = /\((.*)\)/.exec(added.find((l) => l.includes("options in"))!)![1]!.split(", ");
    for (const f of ["bind", "rbind", "move", "remount", "private", "shared", "slave", "unbindable"]) expect(flags).not.toContain(f);
    for (const f of ["ro", "rw", "nosuid", "nodev", "noexec"]) expect(flags).toContain(f);
    for (const source of ["/proc{,/**}", "/sys{,/**}", "/dev{,/}", '"/dev/mem"']) expect(added).toContain(`deny mount ${source},`);
    expect(added.filter((l) => l.includes("fstype in (proc, sysfs, debugfs"))).toHaveLength(10);
    // …and LXC's names the same abstraction and flags.
    expect(lxc).toMatch(/flags=\(attach_disconnected,mediate_deleted\)/);
    expect(lxc).toContain("#include <abstractions/lxc/container-base>");
  });
});
