/**
 * The model of the control plane's items: containers and their LXC names, a service's reads, runs,
 * capabilities and network rules, which kind of workload takes which item, and the diagnostics of
 * each (MOAT210, MOAT212, MOAT220, MOAT223 to MOAT227), several cases each.
 */
import { describe, expect, it } from "vitest";
import { lxcName } from "../../src/model/types.js";
import { compileTexts, located, spanText } from "../support/memory.js";

function compile(text: string): ReturnType<typeof compileTexts> {
  return compileTexts({ "/p/main.iso": text });
}

/** `CODE span-text` for each diagnostic. */
function found(text: string): string[] {
  const result = compile(text);
  return result.diagnostics.map((d) => `${d.code} ${spanText(result, d)}`);
}

const svc = (body: string): string => `tenant t {\n  service s {\n    exec "/usr/bin/s"\n    ${body}\n  }\n}\n`;
const ct = (body: string, name = "c"): string => `tenant t {\n  container ${name} {\n    ${body}\n  }\n}\n`;

describe("a container", () => {
  it("is a workload of kind container with its LXC name, its storage and its mode", () => {
    const result = compile(ct('lxc "infra1_galera_container-3ea2d8f4"\n    volume "/dev/lxc/infra1_galera_container-3ea2d8f4" rw\n    device "/dev/net/tun"\n    mode complain', "galera"));
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MOAT311"]);
    const w = result.model!.tenants[0]!.workloads[0]!;
    expect([w.kind, w.name, lxcName(w), w.mode]).toEqual(["container", "galera", "infra1_galera_container-3ea2d8f4", "complain"]);
    expect(w.resources.map((r) => `${r.kind} ${r.access} ${r.path.text}`)).toEqual(["volume rw /dev/lxc/infra1_galera_container-3ea2d8f4", "device rw /dev/net/tun"]);
  });

  it("is named as LXC names it by its own name when it has no lxc item", () => {
    const w = compile(ct('volume "/srv/c/{,**}"', "infra1-util")).model!.tenants[0]!.workloads[0]!;
    expect(w.lxc).toBeUndefined();
    expect(lxcName(w)).toBe("infra1-util");
  });

  it("takes only lxc, volume, device and mode (MOAT210, with why)", () => {
    const result = compile(ct('volume "/srv/c/{,**}"\n    exec "/usr/bin/c"\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    socket "@c"\n    read "/etc/c"\n    run "/usr/bin/x" inherit\n    capability kill\n    network inet\n    abstraction "base"'));
    expect(located(result)).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((line) => `MOAT210@/p/main.iso:${line + 1}:5`));
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "exec is not allowed in a container",
      "uuid is not allowed in a container",
      "socket is not allowed in a container",
      "read is not allowed in a container",
      "run is not allowed in a container",
      "capability is not allowed in a container",
      "network is not allowed in a container",
      "abstraction is not allowed in a container",
    ]);
    expect(result.diagnostics[0]!.hint).toBeUndefined();
    expect(result.diagnostics[3]!.hint).toMatch(/^inside a container, lxc\/container-base already allows all file access, capabilities and network/);
  });

  it("takes one lxc item (MOAT212)", () => {
    expect(found(ct('lxc "a"\n    lxc "b"\n    volume "/srv/c/{,**}"'))).toEqual(['MOAT212 lxc "b"']);
  });

  it("grants nothing without storage (MOAT220)", () => {
    expect(found(ct('lxc "infra1_util_container-00000000"'))).toEqual(["MOAT220 c"]);
  });
});

describe("an LXC name (MOAT223)", () => {
  const cases: [string, string][] = [
    ["infra1_galera#container", "a name starts with a letter or digit and holds only letters, digits, '.', '_' and '-'"],
    ["galera container", "a name starts with a letter or digit and holds only letters, digits, '.', '_' and '-'"],
    ["-galera", "a name starts with a letter or digit and holds only letters, digits, '.', '_' and '-'"],
    ["", "a name starts with a letter or digit and holds only letters, digits, '.', '_' and '-'"],
    ["galera=1", "a name starts with a letter or digit and holds only letters, digits, '.', '_' and '-'"],
    ["a".repeat(65), "it is 65 characters long; at most 64 are allowed"],
  ];
  for (const [name, reason] of cases) {
    it(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…` : name)}`, () => {
      const result = compile(ct(`lxc "${name}"\n    volume "/srv/c/{,**}"`));
      expect(result.diagnostics.map((d) => d.code)).toEqual(["MOAT223"]);
      expect(result.diagnostics[0]!.message).toBe(`lxc ${JSON.stringify(name)} is not an LXC container name: ${reason}`);
      expect(spanText(result, result.diagnostics[0]!)).toBe(`"${name}"`);
    });
  }
  it("accepts OSA's names, up to 64 characters, through a let too", () => {
    expect(found(`let n = "infra1_galera_container-3ea2d8f4"\n${ct('lxc "${n}"\n    volume "/srv/c/{,**}"')}`)).toEqual([]);
    expect(found(ct(`lxc "${"a".repeat(64)}"\n    volume "/srv/c/{,**}"`))).toEqual([]);
    expect(found(ct('lxc "9.node_1-x"\n    volume "/srv/c/{,**}"'))).toEqual([]);
  });
});

describe("two containers with one LXC name (MOAT227)", () => {
  it("across tenants, at the later one, with the first as related", () => {
    const text = `tenant a {\n  container x {\n    lxc "infra1_c"\n    volume "/srv/a/{,**}"\n  }\n}\ntenant b {\n  container y {\n    lxc "infra1_c"\n    volume "/srv/b/{,**}"\n  }\n}\n`;
    const result = compile(text);
    expect(located(result)).toEqual(["MOAT227@/p/main.iso:9:9"]);
    expect(result.diagnostics[0]!.message).toBe('LXC container name "infra1_c" is already used by container a/x; LXC container names are unique on a host');
    expect(result.diagnostics[0]!.related.map((r) => r.message)).toEqual(["container a/x is LXC container infra1_c"]);
  });

  it("by default names: two tenants' containers of one name", () => {
    const text = `tenant a {\n  container util {\n    volume "/srv/a/{,**}"\n  }\n}\ntenant b {\n  container util {\n    volume "/srv/b/{,**}"\n  }\n}\n`;
    expect(located(compile(text))).toEqual(["MOAT227@/p/main.iso:7:13"]);
  });

  it("an lxc item against another's default name", () => {
    const text = `tenant a {\n  container util {\n    volume "/srv/a/{,**}"\n  }\n  container other {\n    lxc "util"\n    volume "/srv/o/{,**}"\n  }\n}\n`;
    expect(found(text)).toEqual(['MOAT227 "util"']);
  });

  it("a vm or service of the same name is no LXC container", () => {
    const text = `tenant a {\n  container util {\n    volume "/srv/a/{,**}"\n  }\n}\ntenant b {\n  service util {\n    volume "/srv/b/{,**}"\n  }\n}\n`;
    expect(found(text)).toEqual([]);
  });
});

describe("a service's reads, runs, capabilities and network rules", () => {
  it("are resources (read, run) and lists of names, deduplicated, in written order", () => {
    const result = compile(svc('read "/etc/s/{,**}"\n    run "/usr/bin/qemu-img" inherit\n    capability sys_admin, net_admin\n    capability net_admin\n    network inet stream\n    network netlink\n    network inet stream'));
    expect(result.diagnostics).toEqual([]);
    const w = result.model!.tenants[0]!.workloads[0]!;
    expect(w.resources.map((r) => `${r.kind} ${r.access} ${r.path.text}${r.run === undefined ? "" : ` ${r.run}`}`)).toEqual(["read ro /etc/s/{,**}", "run ro /usr/bin/qemu-img inherit"]);
    expect(w.capabilities!.map((c) => c.name)).toEqual(["sys_admin", "net_admin"]);
    expect(w.networks!.map((n) => `${n.family} ${n.type ?? "*"}`)).toEqual(["inet stream", "netlink *"]);
  });

  it("count as grants (no MOAT220)", () => {
    for (const item of ['read "/etc/s"', 'run "/usr/bin/x" inherit', "capability kill", "network unix"]) {
      expect(found(`tenant t {\n  service s {\n    ${item}\n  }\n}\n`), item).toEqual([]);
    }
  });

  it("check their paths as every path is checked", () => {
    expect(found(svc('read "etc/s"\n    run "/usr/bin/../x" inherit'))).toEqual(['MOAT213 "etc/s"', 'MOAT214 "/usr/bin/../x"']);
  });

  it("a vm takes read, not run, capability or network (MOAT210, with why)", () => {
    const text = `tenant t {\n  vm v {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    read "/usr/share/OVMF/OVMF_CODE_4M.fd"\n    run "/usr/bin/x" inherit\n    capability sys_admin\n    network inet\n  }\n}\n`;
    const result = compile(text);
    expect(result.diagnostics.map((d) => d.message)).toEqual(["run is not allowed in a vm", "capability is not allowed in a vm", "network is not allowed in a vm"]);
    expect(result.diagnostics[0]!.hint).toMatch(/abstractions\/libvirt-qemu/);
    expect(result.model!.tenants[0]!.workloads[0]!.resources.filter((r) => r.kind === "read").map((r) => r.path.text)).toEqual(["/usr/share/OVMF/OVMF_CODE_4M.fd"]);
  });
});

describe("capability names (MOAT224)", () => {
  const cases: [string, string][] = [
    ["CAP_SYS_ADMIN", "; did you mean sys_admin?"],
    ["NET_ADMIN", "; did you mean net_admin?"],
    ["sysadmin", "; did you mean sys_admin?"],
    ["net_admni", "; did you mean net_admin?"],
    ["net-raw", "; did you mean net_raw?"],
    ["frobnicate", ""],
  ];
  for (const [name, suggestion] of cases) {
    it(`${name}${suggestion === "" ? " (nothing near it)" : ""}`, () => {
      const result = compile(svc(`capability chown, ${name}`));
      expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([`MOAT224 unknown capability ${name}${suggestion}`]);
      expect(spanText(result, result.diagnostics[0]!)).toBe(name);
      expect(result.diagnostics[0]!.hint).toMatch(/lower case without CAP_/);
    });
  }
  it("accepts every name of Linux 6.x, checkpoint_restore the last", () => {
    expect(found(svc("capability chown, dac_override, audit_read, perfmon, bpf, checkpoint_restore"))).toEqual([]);
  });
});

describe("network families and types (MOAT225)", () => {
  it("an unknown family, with the nearest", () => {
    expect(compile(svc("network inet4 stream")).diagnostics.map((d) => d.message)).toEqual(["unknown network family inet4; did you mean inet?"]);
    expect(compile(svc("network AF_INET6")).diagnostics.map((d) => d.message)).toEqual(["unknown network family AF_INET6; did you mean inet6?"]);
  });
  it("an unknown type, with the nearest", () => {
    expect(compile(svc("network inet streem")).diagnostics.map((d) => d.message)).toEqual(["unknown network type streem; did you mean stream?"]);
    expect(compile(svc("network inet SOCK_DGRAM")).diagnostics.map((d) => d.message)).toEqual(["unknown network type SOCK_DGRAM; did you mean dgram?"]);
  });
  it("both, each at its name", () => {
    const result = compile(svc("network tcp udp"));
    expect(result.diagnostics.map((d) => `${d.code} ${spanText(result, d)}`)).toEqual(["MOAT225 tcp", "MOAT225 udp"]);
  });
  it("accepts packet as a family and as a type", () => {
    expect(found(svc("network packet packet\n    network packet raw\n    network unix seqpacket"))).toEqual([]);
  });
});

describe("run … own (MOAT226)", () => {
  it("needs a service of the tenant whose exec is exactly the path", () => {
    expect(found(svc('run "/usr/sbin/dnsmasq" own'))).toEqual(['MOAT226 "/usr/sbin/dnsmasq"']);
    const ok = `tenant t {\n  service s {\n    run "/usr/sbin/dnsmasq" own\n  }\n  service dnsmasq {\n    exec "/usr/sbin/dnsmasq"\n    read "/etc/dnsmasq.d/**"\n  }\n}\n`;
    expect(found(ok)).toEqual([]);
  });

  it("another tenant's service does not do", () => {
    const text = `tenant t {\n  service s {\n    run "/usr/sbin/dnsmasq" own\n  }\n}\ntenant u {\n  service dnsmasq {\n    exec "/usr/sbin/dnsmasq"\n    read "/etc/dnsmasq.d/**"\n  }\n}\n`;
    const result = compile(text);
    expect(result.diagnostics.map((d) => d.message)).toEqual(['run "/usr/sbin/dnsmasq" own: tenant t has no service whose exec is exactly "/usr/sbin/dnsmasq"']);
    expect(result.diagnostics[0]!.hint).toMatch(/or run it with inherit$/);
  });

  it("an exec glob that only matches the path does not do; the same glob does, however written", () => {
    const glob = (exec: string, run: string): string =>
      `tenant t {\n  service s {\n    run "${run}" own\n  }\n  service h {\n    exec "${exec}"\n    read "/etc/h"\n  }\n}\n`;
    expect(found(glob("/usr/lib/h/*", "/usr/lib/h/x"))).toEqual(['MOAT226 "/usr/lib/h/x"']);
    expect(found(glob("/usr/lib/h/x", "/usr/lib/h/*"))).toEqual(['MOAT226 "/usr/lib/h/*"']);
    expect(found(glob("/usr/lib/h/{a,b}", "/usr/lib/h/{a,b}"))).toEqual([]);
    expect(found(`let h = "/usr/lib/h"\n${glob("${h}/x", "/usr/lib/h/x")}`)).toEqual([]);
  });

  it("inherit needs no service", () => {
    expect(found(svc('run "/usr/sbin/dnsmasq" inherit'))).toEqual([]);
  });
});
