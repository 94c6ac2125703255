/** A Nova policy compiled in memory, its outputs written to a temporary folder, and Nova-shaped domain XMLs. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { CliIo } from "../../src/cli/commands.js";
import { compileTexts } from "../support/memory.js";

export const ACME_PROJECT = "8f3a1c2e9b7d4e5fa0b1c2d3e4f5a6b7";
export const GLOBEX_PROJECT = "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f";
export const INSTANCE = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
export const INSTANCES = "/var/lib/nova/instances";

export function novaPolicy(unknownProject: "refuse" | "unassigned" = "refuse"): string {
  return [
    `nova {\n  instances "${INSTANCES}"\n  unknown-project ${unknownProject}\n}`,
    `tenant acme {\n  project "${ACME_PROJECT}"\n  volume "/srv/acme/iso/**" ro\n  device "/dev/sdc"\n}`,
    `tenant globex {\n  project "${GLOBEX_PROJECT}"\n  volume "/srv/globex/**"\n  vm legacy {\n    uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"\n    volume "/var/lib/libvirt/images/globex/legacy.qcow2"\n  }\n}`,
  ].join("\n");
}

/** A temporary folder (removed by the returned function) holding the compiled outputs and a host root. */
export function compiledTree(policy = novaPolicy()): { from: string; root: string; outputs: Map<string, string>; remove: () => void } {
  const result = compileTexts({ "/p/main.iso": policy });
  if (result.diagnostics.some((d) => d.severity === "error")) throw new Error(JSON.stringify(result.diagnostics));
  const dir = mkdtempSync(join(tmpdir(), "moat-nova-"));
  const from = join(dir, "generated");
  const root = join(dir, "root");
  const outputs = new Map<string, string>();
  for (const file of result.outputs) {
    outputs.set(file.path, file.content);
    mkdirSync(dirname(join(from, file.path)), { recursive: true });
    writeFileSync(join(from, file.path), file.content);
  }
  mkdirSync(join(root, "etc/apparmor.d/libvirt"), { recursive: true });
  return { from, root, outputs, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A domain XML as Nova writes it (nova/virt/libvirt/config.py), with its instance folder's disks and a Cinder volume. */
export function novaDomain(options: { uuid?: string; project?: string | null; seclabel?: string; extraMetadata?: string } = {}): string {
  const uuid = options.uuid ?? INSTANCE;
  const project = options.project === undefined ? ACME_PROJECT : options.project;
  const owner = project === null ? "" : `\n      <nova:owner>\n        <nova:user uuid="5e1f0a2b3c4d4e5f8a9b0c1d2e3f4a5b">alice</nova:user>\n        <nova:project uuid="${project}">acme-prod</nova:project>\n      </nova:owner>`;
  return `<domain type="kvm">
  <uuid>${uuid}</uuid>
  <name>instance-0000002a</name>
  <memory>1048576</memory>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:package version="27.1.0"/>
      <nova:name>web-01</nova:name>
      <nova:creationTime>2026-12-07 04:00:00</nova:creationTime>
      <nova:flavor name="m1.small"><nova:memory>1024</nova:memory><nova:disk>10</nova:disk><nova:swap>0</nova:swap><nova:ephemeral>0</nova:ephemeral><nova:vcpus>1</nova:vcpus></nova:flavor>${owner}
      <nova:root type="image" uuid="a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"/>${options.extraMetadata ?? ""}
    </nova:instance>
  </metadata>
  <vcpu>1</vcpu>
  <os><type arch="x86_64" machine="pc-q35-7.2">hvm</type><boot dev="hd"/></os>
  <devices>
    <disk type="file" device="disk">
      <driver name="qemu" type="qcow2" cache="none"/>
      <source file="${INSTANCES}/${uuid}/disk"/>
      <target dev="vda" bus="virtio"/>
    </disk>
    <disk type="file" device="cdrom">
      <driver name="qemu" type="raw" cache="none"/>
      <source file="${INSTANCES}/${uuid}/disk.config"/>
      <target dev="sda" bus="sata"/>
      <readonly/>
    </disk>
    <disk type="block" device="disk">
      <driver name="qemu" type="raw" cache="none" io="native"/>
      <source dev="/dev/sdb"/>
      <target dev="vdb" bus="virtio"/>
      <serial>3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f</serial>
    </disk>
    <serial type="pty"><log file="${INSTANCES}/${uuid}/console.log" append="off"/><target port="0"/></serial>
    <console type="pty"><target type="serial" port="0"/></console>
  </devices>${options.seclabel ?? ""}
</domain>
`;
}

/** An in-memory CliIo: what was written to stdout and stderr. */
export function memoryIo(cwd: string): { io: CliIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const io: CliIo = { cwd, env: {}, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } };
  return { io, out: () => out, err: () => err };
}
