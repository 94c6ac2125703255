/**
 * A vm profile lists the rules libvirt implies in one order, virt-aa-helper's, whatever the vm is
 * called: sorting them by their text once put `domain-Web/monitor.sock` before the per-domain folder
 * for a name starting with a capital letter and after it otherwise.
 */
import { describe, expect, it } from "vitest";
import { compileTexts } from "../support/memory.js";

const NOTES = ["libvirt log", "libvirt monitor socket", "libvirt per-domain directory", "libvirt pid file", "libvirt migration tunnel", "vhost-net device"];

function impliedNotes(name: string): string[] {
  const policy = `policy p\ntenant acme {\n  vm ${name} {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "/srv/acme/${name}.qcow2" rw\n  }\n}\n`;
  const result = compileTexts({ "/p/main.iso": policy });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const profile = result.outputs.find((o) => o.path.startsWith("apparmor.d/libvirt-"))!.content;
  return [...profile.matchAll(/# (.*): implied by libvirt for domain /g)].map((m) => m[1]!);
}

describe("implied rules in a vm profile", () => {
  it.each(["web", "Web", "zeta", "A1"])("come in virt-aa-helper's order for vm %s", (name) => {
    expect(impliedNotes(name)).toEqual(NOTES);
  });
});
