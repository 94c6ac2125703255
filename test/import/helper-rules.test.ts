/** The rule-by-rule comparison the libvirt corpus test relies on: what counts as covered, and what not. */
import { describe, expect, it } from "vitest";
import { helperFileRules, missingPermissions, moatFileRules } from "./helper-rules.js";

const profile = [
  'profile libvirt-x flags=(attach_disconnected) {',
  '  "/var/lib/libvirt/images/web01.qcow2" rwk,',
  '  "/var/log/libvirt/**/web01.log" w,',
  '  "/srv/share/" r,',
  '  "/srv/share/**" rwlk,',
  '  "/dev/vfio/12" rw,',
  '  "/var/lib/libvirt/qemu/domain-[0-9]{,[0-9]}-web01/*" rw,',
  '  "/srv/a\\052b" r,',
  '  deny "/srv/share/secret" w,',
  '}',
].join("\n");
const rules = moatFileRules(profile);
const missing = (line: string): string => missingPermissions(helperFileRules(line)[0]!, rules).letters;

describe("missingPermissions", () => {
  it("grants a literal path a rule matches, with the permissions of every matching rule", () => {
    expect(missing('  "/var/lib/libvirt/images/web01.qcow2" rwk,')).toBe("");
    expect(missing('  "/var/lib/libvirt/images/web02.qcow2" rk,')).toBe("rk");
    expect(missing('  "/srv/share/a/b" rwl,')).toBe("");
    expect(missing('  "/srv/share/" rw,')).toBe("w");
  });

  it("compares globs by inclusion, on the paths the kernel presents", () => {
    expect(missing('  "/var/log/libvirt/**/web01.log" w,')).toBe("");
    expect(missing('  "/var/log/libvirt/*/web01.log" w,')).toBe("");
    expect(missing('  "/var/log/libvirt/**/web0?.log" w,')).toBe("w");
    expect(missing('  "/dev/vfio/[0-9]*" rw,')).toBe("rw");
    // The dry run's domain id -1 is read as 1.
    expect(missing('  "/var/lib/libvirt/qemu/domain--1-web01/*" rw,')).toBe("");
  });

  it("takes back what a deny rule reaches, and reads escapes as literal characters", () => {
    expect(missing('  "/srv/share/**" w,')).toBe("w");
    expect(missing('  "/srv/share/secret" r,')).toBe("");
    expect(missing('  "/srv/a\\*b" r,')).toBe("");
    expect(missing('  "/srv/a*b" r,')).toBe("r");
    expect(missing('  "/srv/axb" r,')).toBe("r");
  });
});
