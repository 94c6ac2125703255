/**
 * moat import: domain XML -> policy text. The mapping is asserted on the text (item by item), and what
 * compiles is compiled: the imported policy must be valid, grant exactly the paths the XML names, and be
 * in moat fmt's layout. Bad input is a diagnostic with a code and a span, never an exception.
 */
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/format/format-source.js";
import { literalBytes } from "../../src/glob/text.js";
import { toBytes } from "../../src/glob/bytes.js";
import { importDomains } from "../../src/import/index.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { getLocation, type Source } from "../../src/source.js";
import { compileTexts } from "../support/memory.js";
import { novaDomain, NOVA_PROJECT } from "./fixtures.js";

/** The item lines of a policy text, comments dropped and spaces collapsed: what the mapping wrote. */
function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").replace(/^#.*$/, "").trim().replace(/\s+/g, " "))
    .filter((l) => l !== "");
}

function located(d: Diagnostic, sources: readonly Source[]): string {
  const source = sources.find((s) => s.path === d.span?.file);
  if (source === undefined || d.span === undefined) return d.code;
  const { line, column } = getLocation(source, d.span.start);
  return `${d.code}@${d.span.file}:${line}:${column} ${source.text.slice(d.span.start, d.span.end)}`;
}

function one(text: string, options: { tenant?: string } = {}, path = "domain.xml"): { text?: string; found: string[]; diagnostics: readonly Diagnostic[] } {
  const sources = [{ path, text }];
  const result = importDomains(sources, options);
  return { ...(result.text === undefined ? {} : { text: result.text }), found: result.diagnostics.map((d) => located(d, sources)), diagnostics: result.diagnostics };
}

/** A minimal domain with `devices` (and `os` inside <os>). */
function domain(devices: string, extra = ""): string {
  return `<domain type='kvm'><name>web01</name><uuid>0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04</uuid>${extra}<os><type>hvm</type></os><devices>${devices}</devices></domain>`;
}

describe("moat import: the mapping", () => {
  it("writes a Nova instance's devices as items, in the project's tenant", () => {
    const r = one(novaDomain());
    const instance = "/var/lib/nova/instances/6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
    expect(lines(r.text!)).toEqual([
      `tenant project-${NOVA_PROJECT} {`,
      `project "${NOVA_PROJECT}"`,
      "vm instance-0000002a {",
      'uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"',
      'firmware "/usr/share/OVMF/OVMF_CODE_4M.fd"',
      'nvram "/var/lib/libvirt/qemu/nvram/instance-0000002a_VARS.fd"',
      'kernel "/boot/vmlinuz-6.1.0-13-amd64"',
      'initrd "/boot/initrd.img-6.1.0-13-amd64"',
      "hugepages",
      `volume "${instance}/disk" rw`,
      'volume "/var/lib/nova/instances/_base/4b5c6d7e" ro',
      'volume "/dev/vg0/acme-data" rw',
      `volume "${instance}/disk.config" ro`,
      'share "/srv/acme/share" ro',
      'socket "/run/openvswitch/vhu0a1b2c3d-4e"',
      `serial "${instance}/console.log"`,
      `log "${instance}/serial.log"`,
      'socket "/var/lib/libvirt/qemu/channel/target/domain-3-instance-0000002a/org.qemu.guest_agent.0"',
      'pci "0000:03:00.1"',
      'usb vendor "0x046d" product "0xc52b"',
      'usb "1:7"',
      'scsi "2:0:1:3"',
      'volume "/var/lib/libvirt/swtpm/6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f/{,**}" rw',
      'log "/var/log/swtpm/libvirt/qemu/instance-0000002a-swtpm.log"',
      "}",
      "}",
    ]);
    expect(r.text).toContain(`  project "${NOVA_PROJECT}"  # Nova calls it acme\n`);
    // The per-run channel path and swtpm's per-run files are said, not dropped.
    expect(r.found).toEqual(["MOAT703@domain.xml:77:5 <channel", "MOAT703@domain.xml:103:5 <tpm"]);
  });

  it("is valid policy, in moat fmt's layout", () => {
    const { text } = one(novaDomain());
    expect(formatSource({ path: "import.iso", text: text! }).text).toBe(text);
    const compiled = compileTexts({ "import.iso": text! });
    expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("puts the domains of one project in one tenant block, and --tenant over Nova's project", () => {
    const a = novaDomain({ name: "instance-00000001", uuid: "11111111-1111-4111-8111-111111111111" });
    const b = novaDomain({ name: "instance-00000002", uuid: "22222222-2222-4222-8222-222222222222" });
    const c = novaDomain({ name: "instance-00000003", uuid: "33333333-3333-4333-8333-333333333333", project: "0a0b0c0d" });
    const sources = [a, b, c].map((text, i) => ({ path: `d${i}.xml`, text }));
    const tenants = (text: string): string[] => lines(text).filter((l) => l.startsWith("tenant "));
    expect(tenants(importDomains(sources).text!)).toEqual([`tenant project-${NOVA_PROJECT} {`, "tenant project-0a0b0c0d {"]);
    expect(tenants(importDomains(sources, { tenant: "acme" }).text!)).toEqual(["tenant acme {"]);
  });

  it("refuses a Nova project id that makes no tenant name, and a domain without a tenant", () => {
    const bad = one(novaDomain({ project: "a b" }));
    expect(bad.text).toBeUndefined();
    expect(bad.found).toEqual(["MOAT702@domain.xml:9:9 <nova:project"]);
    expect(bad.diagnostics[0]!.message).toContain("give its tenant with --tenant NAME");
    expect(one(domain("")).found).toEqual(["MOAT702@domain.xml:1:1 <domain"]);
    expect(lines(one(domain(""), { tenant: "acme" }).text!)).toEqual(["tenant acme {", "vm web01 {", 'uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"', "}", "}"]);
  });

  it("refuses a domain whose name or uuid cannot make a vm, and imports the others", () => {
    const sources = [
      { path: "a.xml", text: domain("").replace("web01", "web.01") },
      { path: "b.xml", text: domain("").replace("<name>web01</name>", "<name>vm</name>") },
      { path: "c.xml", text: domain("").replace(/<uuid>.*<\/uuid>/, "<uuid>not-a-uuid</uuid>") },
      { path: "d.xml", text: domain("").replace("web01", "db01").replace("0d6b9a8e", "1d6b9a8e") },
    ];
    const result = importDomains(sources, { tenant: "acme" });
    expect(result.diagnostics.map((d) => located(d, sources))).toEqual(["MOAT702@a.xml:1:20 <name", "MOAT702@b.xml:1:20 <name", "MOAT702@c.xml:1:38 <uuid"]);
    expect(result.domains.map((d) => d.name)).toEqual(["db01"]);
  });

  it("maps chardevs, graphics, shmem, memory devices, input, rng, backends and acpi tables", () => {
    const r = one(
      domain(
        `<serial type='dev'><source path='/dev/ttyS2'/></serial>
         <parallel type='file'><source path='/var/log/par.log'/></parallel>
         <channel type='pipe'><source path='/tmp/pipe'/></channel>
         <redirdev bus='usb' type='unix'><source mode='connect' path='/run/redir.sock'/></redirdev>
         <graphics type='vnc' socket='/run/vnc.sock'/>
         <graphics type='spice'><listen type='socket' socket='/run/spice.sock'/></graphics>
         <shmem name='shmem0'><server path='/run/ivshmem.sock'/></shmem>
         <memory model='nvdimm'><source><path>/srv/nvdimm</path></source><target><size>1</size></target></memory>
         <input type='passthrough' bus='virtio'><source evdev='/dev/input/event1'/></input>
         <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
         <rng model='virtio'><backend model='egd' type='unix'><source mode='connect' path='/run/egd.sock'/></backend></rng>
         <interface type='ethernet'><backend tap='/dev/net/tun' vhost='/dev/vhost-net'/><script path='/etc/qemu-ifup'/></interface>
         <tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>
         <filesystem type='mount'><source dir='/srv/rw-share'/><target dir='x'/></filesystem>
         <disk type='dir' device='floppy'><source dir='/srv/floppy'/><target dev='fda'/></disk>
         <disk type='network'><source protocol='nbd'><host transport='unix' socket='/run/nbd.sock'/></source><target dev='vdz'/></disk>
         <disk type='vhostuser' device='disk'><source type='unix' path='/run/vhost-blk.sock'/><target dev='vdy'/></disk>`,
        "",
      ).replace("<type>hvm</type>", "<type>hvm</type><acpi><table type='slic'>/var/lib/libvirt/acpi/slic.dat</table></acpi>"),
      { tenant: "acme" },
    );
    expect(lines(r.text!).slice(3, -2)).toEqual([
      'read "/var/lib/libvirt/acpi/slic.dat"',
      'device "/dev/ttyS2" rw',
      'serial "/var/log/par.log"',
      'serial "/tmp/pipe"',
      'serial "/tmp/pipe.in"',
      'serial "/tmp/pipe.out"',
      'socket "/run/redir.sock"',
      'socket "/run/vnc.sock"',
      'socket "/run/spice.sock"',
      'volume "/dev/shm/shmem0" rw',
      'socket "/run/ivshmem.sock"',
      'volume "/srv/nvdimm" rw',
      'device "/dev/input/event1" rw',
      'device "/dev/urandom" rw',
      'socket "/run/egd.sock"',
      'device "/dev/net/tun" rw',
      'device "/dev/vhost-net" rw',
      'device "/dev/tpm0" rw',
      'share "/srv/rw-share" rw',
      'volume "/srv/floppy" ro',
      'socket "/run/nbd.sock"',
      'socket "/run/vhost-blk.sock"',
    ]);
    expect(r.found).toEqual([]);
  });

  it("warns, naming the element, for what it cannot express, and still writes the rest", () => {
    const r = one(
      domain(
        `<disk type='volume' device='disk'><source pool='default' volume='web01.qcow2'/><target dev='vda'/></disk>
<disk type='file'><source file='relative/disk.img'/><target dev='vdb'/></disk>
<disk type='file'><source file='/srv/../etc/shadow'/><target dev='vdc'/></disk>
<hostdev mode='subsystem' type='mdev'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>
<audio id='1' type='file' path='/srv/audio.wav'/>
<disk type='file'><source file='/srv/kept.img'/><target dev='vdd'/></disk>`,
        "<sysinfo type='fwcfg'><entry name='opt/x' file='/srv/fwcfg.bin'/></sysinfo>",
      ).replace("</devices>", "</devices><qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:arg value='-fw_cfg'/></qemu:commandline>"),
      { tenant: "acme" },
    );
    expect(r.found).toEqual([
      "MOAT703@domain.xml:1:196 <disk",
      "MOAT703@domain.xml:2:1 <disk",
      "MOAT703@domain.xml:3:1 <disk",
      "MOAT703@domain.xml:4:1 <hostdev",
      "MOAT703@domain.xml:5:1 <audio",
      "MOAT703@domain.xml:6:85 <qemu:commandline",
    ]);
    const messages = r.diagnostics.map((d) => d.message);
    expect(messages[0]).toContain("a storage pool volume");
    expect(messages[1]).toContain("is not an absolute path");
    expect(messages[2]).toContain("'..' component");
    expect(messages[4]).toContain("path='/srv/audio.wav'");
    expect(lines(r.text!)).toContain('volume "/srv/kept.img" rw');
    expect(lines(r.text!)).toContain('read "/srv/fwcfg.bin"');
    expect(r.diagnostics.every((d) => d.severity === "warning")).toBe(true);
  });
});

describe("moat import: paths mean exactly the path the domain names", () => {
  const hostile = [
    '/srv/acme/a "quoted" disk.img',
    "/srv/acme/${images}/b.img",
    "/srv/acme/c*?[1]{x,y}.img",
    "/srv/acme/d\\e\\\\f.img",
    "/srv/acme/ün#ï, $g.img",
    "/srv/acme/h@{HOME}.img",
  ];
  const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/'/g, "&apos;").replace(/</g, "&lt;");
  const xml = domain(hostile.map((p, i) => `<disk type='file'><source file='${escapeXml(p)}'/><target dev='vd${String.fromCharCode(97 + i)}'/></disk>`).join(""));

  it("escapes each one so that the compiled grant is that literal path", () => {
    const { text, found } = one(xml, { tenant: "acme" });
    expect(found).toEqual([]);
    const compiled = compileTexts({ "import.iso": text! });
    expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const vm = compiled.model!.tenants[0]!.workloads[0]!;
    const granted = vm.resources.filter((r) => r.kind === "volume").map((r) => literalBytes(r.path.glob));
    expect(granted).toEqual(hostile.map((p) => toBytes(p)));
    expect(formatSource({ path: "import.iso", text: text! }).text).toBe(text);
  });

  it("normalizes // and /./ as the kernel does, and refuses what a string cannot hold", () => {
    const r = one(domain("<disk type='file'><source file='/srv//a/./b.img'/></disk><disk type='file'><source file='/srv/a&#10;b.img'/></disk>"), { tenant: "acme" });
    expect(lines(r.text!)).toContain('volume "/srv/a/b.img" rw');
    expect(r.found).toEqual(["MOAT703@domain.xml:1:178 <disk"]);
    expect(r.diagnostics[0]!.message).toContain("holds characters a policy string cannot hold");
  });
});

describe("moat import: bad input is a diagnostic", () => {
  it.each([
    ["not XML", "this is not xml", "not well-formed XML"],
    ["a syntax error", "<domain><name>x</domain>", "not well-formed XML"],
    ["an entity", "<!DOCTYPE domain [<!ENTITY big 'x'>]><domain>&big;</domain>", "DOCTYPE"],
    ["an unknown entity", "<domain><name>&big;</name></domain>", "not well-formed XML"],
    ["another document", "<network><name>default</name></network>", "not <domain>"],
    ["an empty file", "", "not well-formed XML"],
  ])("%s is MOAT701", (_, text, message) => {
    const r = one(text);
    expect(r.text).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MOAT701"]);
    expect(r.diagnostics[0]!.message).toContain(message);
    expect(r.diagnostics[0]!.span?.file).toBe("domain.xml");
  });

  it("refuses a huge document without parsing it", () => {
    const r = one(`<domain>${" ".repeat(5 * 1024 * 1024)}</domain>`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MOAT701"]);
    expect(r.diagnostics[0]!.message).toContain("refused");
  });
});
