/** A small policy compiled in memory for the explain tests: two tenants sharing a base image, a service, an operator. */
import { expect } from "vitest";
import { compile } from "../../src/index.js";
import type { Model } from "../../src/model/types.js";

export const FILES: Readonly<Record<string, string>> = {
  "/p/main.iso": `policy test
let images = "/var/lib/libvirt/images"
protect "/srv/backups/**"
include "tenants/acme.iso"
include "tenants/globex.iso"
shared "\${images}/base/**" ro with acme, globex
`,
  "/p/tenants/acme.iso": `tenant acme {
  vm web01 {
    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"
    volume "/var/lib/libvirt/images/acme/web01.qcow2" rw
    volume "/var/lib/libvirt/images/base/ubuntu-24.04.qcow2" ro
    device "/dev/kvm" rw
    socket "/run/libvirt/qemu/acme-web01.sock"
  }
  service backup-agent {
    exec "/usr/bin/backup-agent"
    volume "/srv/acme/{,**}" rw
    socket "@acme-backup"
    mode complain
  }
}
`,
  "/p/tenants/globex.iso": `tenant globex {
  vm ci01 {
    uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"
    volume "/var/lib/libvirt/images/globex/ci01.qcow2" rw
    volume "/var/lib/libvirt/images/base/ubuntu-24.04.qcow2" ro
    volume "/dev/mapper/vg0-globex--ci01" rw
  }
}
tenant ops {
  service nova-api {
    exec "/usr/bin/nova-api"
    socket "/run/nova/api.sock"
  }
}
`,
};

/** Compiles `files` in memory; `clean` asserts that the policy has no errors. */
export function modelOf(files: Readonly<Record<string, string>> = FILES, clean = true): Model {
  const result = compile({
    entries: Object.keys(files).filter((f) => f.endsWith("main.iso") || !Object.keys(files).some((g) => g.endsWith("main.iso"))),
    readFile: (path) => (path in files ? { text: files[path]! } : { error: "no such file" }),
  });
  if (clean) expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(result.model).toBeDefined();
  return result.model!;
}

/** The 1-based line of the first line of `file` that contains `needle`. */
export function lineOf(file: string, needle: string, files: Readonly<Record<string, string>> = FILES): number {
  const index = files[file]!.split("\n").findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
}
