/**
 * The rules a vm profile holds for the domain itself must be those libvirt's virt-aa-helper writes,
 * or QEMU cannot start under a moat profile. Compared with the real helper in dry-run mode.
 */
import { describe, expect, it } from "vitest";
import { aaGlob } from "../../src/emit/apparmor-text.js";
import { matchesPath } from "../../src/glob/match.js";
import { impliedVmResources } from "../../src/model/implied.js";
import { describeWithValidators, virtAaHelperRules } from "../support/validators.js";
import { UUID_WEB } from "./fixtures.js";

const SPAN = { file: "/p/a.iso", start: 0, end: 1 };

function rules(name: string): string[] {
  return impliedVmResources(name, SPAN).map((r) => `${aaGlob(r.path.glob)} ${r.perms},`);
}

function dirGlob(name: string) {
  return impliedVmResources(name, SPAN).find((r) => r.note === "libvirt per-domain directory")!.path.glob;
}

const DIGITS = "[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]}}}}}}}}}";

describe("impliedVmResources", () => {
  it("gives virt-aa-helper's rules for the domain, as implied rw resources with their permissions", () => {
    expect(rules("web-01")).toEqual([
      '"/var/log/libvirt/**/web-01.log" w,',
      '"/var/lib/libvirt/qemu/domain-web-01/monitor.sock" rw,',
      `"/var/lib/libvirt/qemu/domain-${DIGITS}-web-01/*" rw,`,
      '"/run/libvirt/**/web-01.pid" rwk,',
      '"/run/libvirt/**/*.tunnelmigrate.dest.web-01" rw,',
      '"/dev/vhost-net" rw,',
    ]);
    const resources = impliedVmResources("web-01", SPAN);
    expect(resources.every((r) => r.kind === "implied" && r.access === "rw" && r.namespace === "path" && r.path.span === SPAN)).toBe(true);
    expect(resources.map((r) => r.note)).toEqual([
      "libvirt log",
      "libvirt monitor socket",
      "libvirt per-domain directory",
      "libvirt pid file",
      "libvirt migration tunnel",
      "vhost-net device",
    ]);
  });

  it("matches the per-domain directory for any running domain id, and only for this domain", () => {
    const g = dirGlob("web");
    for (const id of ["1", "42", "2147483647"]) expect(matchesPath(g, `/var/lib/libvirt/qemu/domain-${id}-web/monitor.sock`)).toBe(true);
    expect(matchesPath(g, "/var/lib/libvirt/qemu/domain-3-acme-web/x")).toBe(false);
    expect(matchesPath(g, "/var/lib/libvirt/qemu/domain-3-web-2/x")).toBe(false);
    expect(matchesPath(g, "/var/lib/libvirt/qemu/domain-12345678901-web/x")).toBe(false);
    expect(matchesPath(g, "/var/lib/libvirt/qemu/domain--web/x")).toBe(false);
    expect(matchesPath(g, "/var/lib/libvirt/qemu/domain-3-web/")).toBe(false);
  });

  it("uses libvirt's short name (the first 20 characters) for the per-domain directory only", () => {
    const name = "abcdefghij-klmnopqrst_uvwxyz0123456789";
    const g = dirGlob(name);
    expect(matchesPath(g, "/var/lib/libvirt/qemu/domain-7-abcdefghij-klmnopqrs/x")).toBe(true);
    expect(matchesPath(g, `/var/lib/libvirt/qemu/domain-7-${name}/x`)).toBe(false);
    expect(rules(name)[0]).toBe(`"/var/log/libvirt/**/${name}.log" w,`);
  });
});

describeWithValidators("impliedVmResources against libvirt's virt-aa-helper", ["virt-aa-helper"], () => {
  const domain = (name: string): string =>
    [
      "<domain type='kvm'>",
      `  <name>${name}</name>`,
      `  <uuid>${UUID_WEB}</uuid>`,
      "  <memory>1048576</memory>",
      "  <os><type arch='x86_64' machine='pc'>hvm</type></os>",
      "  <devices>",
      "    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
      "    <interface type='network'><source network='default'/><model type='virtio'/></interface>",
      "  </devices>",
      "</domain>",
    ].join("\n");

  for (const name of ["web-01", "A_b-9", "abcdefghij-klmnopqrst_uvwxyz0123456789"]) {
    it(`writes the same rules for domain ${name}, with the dry run's id -1 generalised to any id`, () => {
      const helper = virtAaHelperRules(domain(name), UUID_WEB);
      const ours = rules(name);
      // The only difference is meant: the helper knows the id (-1 in a dry run), a static profile cannot.
      expect(ours.map((r) => r.replace(`domain-${DIGITS}-`, "domain--1-"))).toEqual(helper);
      const dir = helper.find((r) => r.includes("domain--1-"))!.replace(/^"|" rw,$/g, "");
      expect(matchesPath(dirGlob(name), dir.replace("domain--1-", "domain-5-").replace("/*", "/monitor.sock"))).toBe(true);
    });
  }
});
