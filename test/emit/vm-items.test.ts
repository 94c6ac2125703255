/**
 * The vm items of virt-aa-helper's coverage (docs/language.md, "VM items"), end to end: parsed, resolved,
 * checked, emitted, formatted, and written in the JSON form; the profile compiles with the real
 * apparmor_parser and holds every rule the real virt-aa-helper writes for the same domain features.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/index.js";
import { formatSource } from "../../src/format/format-source.js";
import { explain } from "../../src/explain/explain.js";
import { renderExplanationText } from "../../src/explain/render-text.js";
import { matchesPath } from "../../src/glob/match.js";
import { parseGlob } from "../../src/glob/parse.js";
import { checkProfiles, describeWithValidators, virtAaHelperRules } from "../support/validators.js";

const UUID_A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const UUID_B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";

function run(files: Record<string, string>, entry = "/p/main.iso") {
  return compile({ entries: [entry], readFile: (p) => (files[p] === undefined ? { error: "no such file" } : { text: files[p]! }) });
}

function diagnostics(policy: string): string[] {
  return run({ "/p/main.iso": policy }).diagnostics.map((d) => {
    const line = policy.slice(0, d.span?.start ?? 0).split("\n").length;
    return `${line} ${d.code}: ${d.message}`;
  });
}

function profileOf(policy: string, uuid = UUID_A): string {
  const result = run({ "/p/main.iso": policy });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join("\n"));
  return result.outputs.find((o) => o.path === `apparmor.d/libvirt-${uuid}`)!.content;
}

const vm = (items: string, name = "web01", uuid = UUID_A): string => `  vm ${name} {\n    uuid "${uuid}"\n${items}  }\n`;
const tenant = (name: string, body: string): string => `tenant ${name} {\n${body}}\n`;

const ALL_ITEMS = [
  '    firmware "/usr/share/OVMF/OVMF_CODE_4M.fd"',
  '    kernel "/boot/vmlinuz-6.1"',
  '    initrd "/boot/initrd.img-6.1"',
  '    dtb "/boot/x.dtb"',
  '    nvram "/var/lib/libvirt/qemu/nvram/web01_VARS.fd"',
  '    share "/srv/acme/share" rw',
  '    share "/srv/acme/ro/" ro',
  "    hugepages",
  "    memory-backing",
  '    serial "/dev/ttyS1"',
  '    log "/var/log/libvirt/qemu/web01-serial.log"',
  '    pci "0000:03:00.0"',
  '    usb "3:7"',
  '    usb vendor "0x046d" product "0xc52b"',
  '    scsi "0:0:1:0"',
  "",
].join("\n");

const DIGITS = "[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]{,[0-9]}}}}}}}}}";

describe("the vm items become virt-aa-helper's rules", () => {
  const profile = profileOf(tenant("acme", vm(ALL_ITEMS)));

  it("files: firmware rk, kernel/initrd/dtb r (writes denied), nvram rwk, serial rw, log w", () => {
    for (const rule of [
      '  # firmware (main.iso:4)\n  "/usr/share/OVMF/OVMF_CODE_4M.fd" rk,\n  deny "/usr/share/OVMF/OVMF_CODE_4M.fd" w,\n',
      '  # kernel (main.iso:5)\n  "/boot/vmlinuz-6.1" r,\n  deny "/boot/vmlinuz-6.1" w,\n',
      '  "/boot/initrd.img-6.1" r,\n  deny "/boot/initrd.img-6.1" w,\n',
      '  "/boot/x.dtb" r,\n  deny "/boot/x.dtb" w,\n',
      '  # nvram (main.iso:8)\n  "/var/lib/libvirt/qemu/nvram/web01_VARS.fd" rwk,\n',
      '  # serial (main.iso:13)\n  "/dev/ttyS1" rw,\n',
      '  # log (main.iso:14)\n  "/var/log/libvirt/qemu/web01-serial.log" w,\n',
    ]) {
      expect(profile).toContain(rule);
    }
  });

  it("shares: the folder r, what is in it rk or rwlk", () => {
    expect(profile).toContain('  # share rw (main.iso:9)\n  "/srv/acme/share/" r,\n  "/srv/acme/share/**" rwlk,\n');
    expect(profile).toContain('  # share ro (main.iso:10)\n  "/srv/acme/ro/" r,\n  "/srv/acme/ro/**" rk,\n');
  });

  it("hugepages and memory-backing: libvirt's per-domain folders, for any domain id and this domain only", () => {
    expect(profile).toContain(`  "/dev/hugepages/libvirt/qemu/${DIGITS}-web01/{,**}" rwk,\n`);
    expect(profile).toContain(`  "/var/lib/libvirt/qemu/ram/${DIGITS}-web01/{,**}" rwk,\n`);
    const parsed = parseGlob(`/var/lib/libvirt/qemu/ram/${DIGITS}-web01/{,**}`);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(matchesPath(parsed.glob, "/var/lib/libvirt/qemu/ram/12-web01/pc.ram")).toBe(true);
    expect(matchesPath(parsed.glob, "/var/lib/libvirt/qemu/ram/12-web01/")).toBe(true);
    expect(matchesPath(parsed.glob, "/var/lib/libvirt/qemu/ram/12-web01x/pc.ram")).toBe(false);
    expect(matchesPath(parsed.glob, "/var/lib/libvirt/qemu/ram/12-acme-web01/pc.ram")).toBe(false);
  });

  it("devices by address: a comment each, the node is install's", () => {
    const install = ": its node is granted by moat install on the host\n";
    expect(profile).toContain(
      [`  # pci "0000:03:00.0" (main.iso:15)`, `  # usb "003:007" (main.iso:16)`, `  # usb vendor "0x046d" product "0xc52b" (main.iso:17)`, `  # scsi "0:0:1:0" (main.iso:18)`].map((l) => l + install).join("\n"),
    );
    expect(profile).not.toContain("/dev/vfio/[0-9]");
  });

  it("the short name is libvirt's: the first 20 characters", () => {
    const long = profileOf(tenant("acme", vm("    hugepages\n", "abcdefghij-klmnopqrst_uvwxyz")));
    expect(long).toContain(`"/dev/hugepages/libvirt/qemu/${DIGITS}-abcdefghij-klmnopqrs/{,**}" rwk,`);
  });
});

describe("their words are not reserved", () => {
  it("a tenant, workload, policy or let may be called log, kernel, pci", () => {
    const policy = `policy kernel\nlet pci = "/srv"\n${tenant("log", `  service serial {\n    exec "/usr/bin/x"\n    network inet\n    read "\${pci}/x"\n  }\n${vm('    log "/var/log/x.log"\n', "usb")}`)}`;
    expect(diagnostics(policy)).toEqual([]);
  });

  it("after a network family an item word starts the next item, never the type", () => {
    const policy = tenant("acme", `  service s {\n    exec "/usr/bin/x"\n    network inet\n    log "/var/log/x.log"\n  }\n`);
    expect(diagnostics(policy)).toEqual(["5 MOAT210: log is not allowed in a service"]);
  });
});

describe("model errors", () => {
  it("malformed addresses: MOAT231 at the string, saying what to write", () => {
    const policy = tenant("acme", vm('    pci "03:00.0"\n    usb "0:200"\n    usb vendor "046d" product "0xc52b"\n    scsi "0:0:x:0"\n'));
    const result = run({ "/p/main.iso": policy });
    expect(result.diagnostics.map((d) => [d.code, policy.slice(d.span!.start, d.span!.end), d.hint])).toEqual([
      ["MOAT231", '"03:00.0"', 'write it as pci "0000:03:00.0"'],
      ["MOAT231", '"0:200"', 'write it as usb "3:7" or usb vendor "0x046d" product "0xc52b"'],
      ["MOAT231", '"046d"', 'write it as usb vendor "0x046d" product "0xc52b"'],
      ["MOAT231", '"0:0:x:0"', 'write it as scsi "0:0:0:0"'],
    ]);
    expect(result.diagnostics[0]!.message).toBe('pci address "03:00.0" is malformed: it is written DOMAIN:BUS:SLOT.FUNCTION in hexadecimal, as lspci -D prints it');
  });

  it("vm items in a service: MOAT210 naming the item", () => {
    const policy = tenant("acme", `  service s {\n    exec "/usr/bin/x"\n    firmware "/usr/share/x.fd"\n    hugepages\n    pci "0000:03:00.0"\n  }\n`);
    expect(diagnostics(policy)).toEqual(["4 MOAT210: firmware is not allowed in a service", "5 MOAT210: hugepages is not allowed in a service", "6 MOAT210: pci is not allowed in a service"]);
  });

  it("a vm with only vm items grants something (no MOAT220)", () => {
    expect(diagnostics(tenant("acme", vm("    hugepages\n")))).toEqual([]);
  });
});

describe("isolation", () => {
  it("two tenants naming one device: MOAT314, also through another spelling", () => {
    const policy = tenant("acme", vm('    usb "3:7"\n    pci "0000:03:00.0"\n')) + tenant("globex", vm('    usb "003:007"\n    pci "0000:03:00.1"\n', "ci01", UUID_B));
    expect(diagnostics(policy)).toEqual([
      '4 MOAT307: 4 items name devices by their address, the first usb "003:007"; AppArmor mediates the node a link or a device address leads to, which only the host knows: moat install grants that node there',
      '11 MOAT314: usb "003:007" is passed through to globex/ci01 and to acme/web01; a host device goes to one guest',
    ]);
  });

  it("the same device twice in one tenant is not a clash", () => {
    const policy = tenant("acme", vm('    pci "0000:03:00.0"\n') + vm('    pci "0000:03:00.0"\n', "web02", UUID_B));
    expect(diagnostics(policy).filter((d) => d.includes("MOAT314"))).toEqual([]);
  });

  it("firmware, kernel, initrd and dtb read host-critical /boot; nvram, log, share may not write there", () => {
    expect(diagnostics(tenant("acme", vm('    kernel "/boot/vmlinuz"\n    initrd "/boot/initrd.img"\n    firmware "/usr/lib/firmware/x.fd"\n    dtb "/boot/x.dtb"\n')))).toEqual([]);
    const writes = diagnostics(tenant("acme", vm('    nvram "/boot/x_VARS.fd"\n    share "/boot/efi" rw\n    log "/boot/x.log"\n')));
    expect(writes.map((d) => d.slice(0, 10))).toEqual(["4 MOAT310:", "5 MOAT310:", "6 MOAT310:"]);
  });

  it("reads never reach a protected path", () => {
    expect(diagnostics(tenant("acme", vm('    firmware "/etc/shadow"\n'))).map((d) => d.slice(0, 10))).toEqual(["4 MOAT304:"]);
  });

  it("a share or an nvram over another tenant's path: MOAT301", () => {
    const policy = tenant("acme", vm('    share "/srv/data" rw\n')) + tenant("globex", vm('    volume "/srv/data/globex.img" rw\n    firmware "/srv/data/fw.fd"\n', "ci01", UUID_B));
    expect(diagnostics(policy).map((d) => d.split(":")[0])).toEqual(["10 MOAT301", "11 MOAT301"]);
    const nvram = tenant("acme", vm('    nvram "/srv/data/x_VARS.fd"\n')) + tenant("globex", vm('    volume "/srv/data/*" rw\n', "ci01", UUID_B));
    const found = diagnostics(nvram);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\d+ MOAT301: .*nvram of acme\/web01/);
  });
});

describe("moat explain", () => {
  it("names the item and gives its rules' permissions", () => {
    const model = run({ "/p/main.iso": tenant("acme", vm(ALL_ITEMS)) }).model!;
    const said = (path: string): string => {
      const e = explain(model, path, "web01");
      if ("error" in e) throw new Error(e.error);
      return renderExplanationText(e, (f) => f.slice(3)).split("\n")[1]!.replace(/\s+/g, " ").trim();
    };
    expect(said("/srv/acme/share/a/b")).toBe("acme/web01 (vm) allowed rwkl share rw at main.iso:9");
    expect(said("/srv/acme/share/")).toBe("acme/web01 (vm) allowed r share rw at main.iso:9");
    expect(said("/boot/vmlinuz-6.1")).toBe("acme/web01 (vm) allowed r, writes denied kernel at main.iso:5");
    expect(said("/usr/share/OVMF/OVMF_CODE_4M.fd")).toBe("acme/web01 (vm) allowed rk, writes denied firmware at main.iso:4");
    expect(said("/dev/hugepages/libvirt/qemu/3-web01/x")).toBe("acme/web01 (vm) allowed rwk hugepages folder, implied by libvirt for domain web01 (main.iso:11)");
  });
});

describe("fmt and the JSON form", () => {
  it("fmt lines the items up like the others", () => {
    const text = tenant("acme", vm('    firmware "/f.fd"\n  share "/srv/s" rw\n    usb   vendor "0x046d"   product "0xc52b"\n  memory-backing\n    scsi "0:0:1:0"\n'));
    expect(formatSource({ path: "/p/main.iso", text }).text).toBe(
      [
        "tenant acme {",
        "  vm web01 {",
        `    uuid     "${UUID_A}"`,
        '    firmware "/f.fd"',
        '    share    "/srv/s" rw',
        '    usb      vendor "0x046d" product "0xc52b"',
        "    memory-backing",
        '    scsi     "0:0:1:0"',
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("the JSON form gives the same outputs", () => {
    const policy = tenant("acme", vm(ALL_ITEMS));
    const model = run({ "/p/main.iso": policy }, "/p/main.iso");
    const text = JSON.stringify(
      {
        tenants: [
          {
            name: "acme",
            workloads: [
              {
                kind: "vm",
                name: "web01",
                uuid: UUID_A,
                resources: [
                  { kind: "firmware", path: "/usr/share/OVMF/OVMF_CODE_4M.fd" },
                  { kind: "kernel", path: "/boot/vmlinuz-6.1" },
                  { kind: "initrd", path: "/boot/initrd.img-6.1" },
                  { kind: "dtb", path: "/boot/x.dtb" },
                  { kind: "nvram", path: "/var/lib/libvirt/qemu/nvram/web01_VARS.fd" },
                  { kind: "share", path: "/srv/acme/share", access: "rw" },
                  { kind: "share", path: "/srv/acme/ro/", access: "ro" },
                  { kind: "serial", path: "/dev/ttyS1" },
                  { kind: "log", path: "/var/log/libvirt/qemu/web01-serial.log" },
                ],
                memory: ["hugepages", "memory-backing"],
                devices: [
                  { bus: "pci", address: "0000:03:00.0" },
                  { bus: "usb", address: "3:7" },
                  { bus: "usb", vendor: "0x046d", product: "0xc52b" },
                  { bus: "scsi", address: "0:0:1:0" },
                ],
              },
            ],
          },
        ],
      },
      null,
      2,
    );
    const fromJson = run({ "/p/main.iso.json": text }, "/p/main.iso.json");
    expect(fromJson.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const body = (o: { content: string }): string => o.content.replace(/^# Generated.*\n/, "").replace(/\((main\.iso(\.json)?):\d+\)/g, "(FILE)");
    const iso = model.outputs.find((o) => o.path.startsWith("apparmor.d/"))!;
    const js = fromJson.outputs.find((o) => o.path.startsWith("apparmor.d/"))!;
    expect(body(js)).toBe(body(iso));
  });

  it("a bad resource kind lists the vm items among the kinds", () => {
    const text = JSON.stringify({ tenants: [{ name: "acme", workloads: [{ kind: "vm", name: "web01", uuid: UUID_A, resources: [{ kind: "firmwear", path: "/x" }] }] }] });
    const result = run({ "/p/main.iso.json": text }, "/p/main.iso.json");
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MOAT111"]);
    expect(result.diagnostics[0]!.message).toContain("firmware");
  });
});

describeWithValidators("vm item profiles and apparmor_parser", ["apparmor_parser", "libvirt-qemu-abstraction"], () => {
  it("compiles a profile holding every vm item", () => {
    const profile = profileOf(tenant("acme", vm(ALL_ITEMS)));
    expect(checkProfiles([{ name: "vm-items", content: profile }]).filter((r) => !r.ok)).toEqual([]);
  });
});

describeWithValidators("vm items against libvirt's virt-aa-helper", ["virt-aa-helper"], () => {
  const domain = [
    "<domain type='kvm'>",
    "  <name>web01</name>",
    `  <uuid>${UUID_A}</uuid>`,
    "  <memory>1048576</memory>",
    "  <os>",
    "    <type arch='x86_64' machine='pc'>hvm</type>",
    "    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>",
    "    <nvram>/var/lib/libvirt/qemu/nvram/web01_VARS.fd</nvram>",
    "    <kernel>/boot/vmlinuz-6.1</kernel>",
    "    <initrd>/boot/initrd.img-6.1</initrd>",
    "    <dtb>/boot/x.dtb</dtb>",
    "  </os>",
    "  <devices>",
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
    "    <filesystem type='mount' accessmode='passthrough'><source dir='/srv/acme/share'/><target dir='share'/></filesystem>",
    "    <filesystem type='mount' accessmode='passthrough'><source dir='/srv/acme/ro'/><target dir='ro'/><readonly/></filesystem>",
    "    <serial type='dev'><source path='/dev/ttyS1'/><target port='0'/></serial>",
    "  </devices>",
    "</domain>",
  ].join("\n");

  it("every rule the helper writes for these features is in moat's profile, with at least its permissions", () => {
    const helper = virtAaHelperRules(domain, UUID_A).filter((r) => !/\/(var\/log|run|var\/run)\/libvirt\/|\/qemu\/domain-|vhost-net|vfio/.test(r));
    expect(helper.some((r) => r.includes("/nvram/"))).toBe(true);
    expect(helper.length).toBeGreaterThanOrEqual(12);
    const ours = new Map<string, string>();
    for (const m of profileOf(tenant("acme", vm(ALL_ITEMS))).matchAll(/^ {2}((?:deny )?"[^"]+") ([a-z]+),$/gm)) ours.set(m[1]!, m[2]!);
    const missing = helper.filter((rule) => {
      const m = /^((?:deny )?"[^"]+") ([a-z]+),$/.exec(rule);
      if (m === null) return true;
      const perms = ours.get(m[1]!);
      return perms === undefined || [...m[2]!].some((p) => !perms.includes(p));
    });
    expect(missing).toEqual([]);
  });
});
