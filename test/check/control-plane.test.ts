/**
 * The isolation rules on what the control plane adds: a service's `read` and `run`, and a container's
 * host-side storage. A table of named cases, several for each way a grant may go wrong; each states
 * exactly which diagnostics (code and witness) moat must report, in its order.
 */
import { describe, expect, it } from "vitest";
import { compileTexts } from "../support/memory.js";

/** Two tenants, one service each, granting the given items (and the first an exec of its own). */
function twoServices(a: string, b: string, extra = ""): string {
  return `tenant acme {\n  service one {\n    exec "/opt/acme/bin/one"\n    ${a}\n  }\n}\ntenant globex {\n  service two {\n    ${b}\n  }\n}\n${extra}`;
}

/** A container of tenant galera and a service or container of tenant glance. */
function containerAnd(other: string, extra = ""): string {
  return `tenant galera {\n  container galera {\n    lxc "infra1_galera_container-3ea2d8f4"\n    volume "/openstack/infra1_galera_container-3ea2d8f4/{,**}" rw\n    volume "/dev/lxc/infra1_galera_container-3ea2d8f4" rw\n  }\n}\ntenant glance {\n${other}\n}\n${extra}`;
}

interface Case {
  readonly name: string;
  readonly policy: string;
  /** `CODE` or `CODE witness`, in the order moat reports them. */
  readonly expect: readonly string[];
}

const UUID = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";

const CASES: readonly Case[] = [
  // A read reaching what another tenant owns.
  { name: "read: a glob reaching another tenant's volume", policy: twoServices('read "/srv/data/*.img"', 'volume "/srv/data/db.img" ro'), expect: ["MOAT301 /srv/data/db.img"] },
  { name: "read: another tenant's rw volume", policy: twoServices('read "/srv/globex/{,**}"', 'volume "/srv/globex/state/{,**}" rw'), expect: ["MOAT301 /srv/globex/state/"] },
  { name: "read: another tenant's LV by its mapper alias", policy: twoServices('read "/dev/mapper/vg0-globex--db"', 'volume "/dev/vg0/globex-db" rw'), expect: ["MOAT307 2 links", "MOAT301 /dev/mapper/vg0-globex--db"] },
  { name: "read: a mapper glob reaching another tenant's LV", policy: twoServices('read "/dev/mapper/vg0-glob*"', 'volume "/dev/vg0/globex-db" rw'), expect: ["MOAT307 2 links", "MOAT301 /dev/mapper/vg0-globex--db"] },
  { name: "read: another tenant's filesystem socket", policy: twoServices('read "/run/globex/*.sock"', 'socket "/run/globex/api.sock"'), expect: ["MOAT301 /run/globex/api.sock"] },
  {
    name: "read: another tenant's vm log (an implied rule)",
    policy: `tenant acme {\n  service one {\n    read "/var/log/libvirt/qemu/*.log"\n  }\n}\ntenant globex {\n  vm web {\n    uuid "${UUID}"\n    volume "/srv/globex/web.img"\n  }\n}\n`,
    expect: ["MOAT301 /var/log/libvirt/qemu/web.log"],
  },
  { name: "read: another tenant's container storage", policy: containerAnd('  service glance-api {\n    read "/openstack/*/{,**}"\n  }'), expect: ["MOAT301 /openstack/infra1_galera_container-3ea2d8f4/"] },
  // Reads never clash with each other, nor with what one's own tenant owns.
  { name: "read: two tenants read one host file", policy: twoServices('read "/usr/lib/python3/**"', 'read "/usr/lib/python3/dist-packages/**"'), expect: [] },
  { name: "read: a read meets another tenant's run", policy: twoServices('read "/usr/bin/qemu-img"', 'run "/usr/bin/qemu-img" inherit'), expect: [] },
  {
    name: "read: reading what a sibling writes is no warning",
    policy: `tenant acme {\n  service writer {\n    volume "/srv/acme/out/{,**}" rw\n  }\n  service reader {\n    read "/srv/acme/out/**"\n  }\n}\n`,
    expect: [],
  },
  // The shared exception: reads are read-only grants.
  {
    name: "read: a shared statement listing both tenants allows it",
    policy: twoServices('read "/img/base/u.qcow2"', 'volume "/img/base/*.qcow2" ro', 'shared "/img/base/**" ro with acme, globex\n'),
    expect: [],
  },
  {
    name: "read: shared does not cover a writer",
    policy: twoServices('read "/img/base/u.qcow2"', 'volume "/img/base/*.qcow2" rw', 'shared "/img/base/**" ro with acme, globex\n'),
    expect: ["MOAT302 /img/base/u.qcow2"],
  },
  // Protected paths and secrets.
  { name: "read: /etc/shadow- (the backup copy)", policy: twoServices('read "/etc/shadow-"', 'volume "/srv/b"'), expect: ["MOAT304 /etc/shadow-"] },
  { name: "read: a glob that reaches /etc/shadow", policy: twoServices('read "/etc/sha*"', 'volume "/srv/b"'), expect: ["MOAT304 /etc/shadow"] },
  { name: "read: a secret of the policy's own protect", policy: twoServices('read "/etc/openstack_deploy/{,**}"', 'volume "/srv/b"', 'protect "/etc/openstack_deploy/user_secrets.yml"\n'), expect: ["MOAT304 /etc/openstack_deploy/user_secrets.yml"] },
  // Host-critical paths are what reads are for; over-broad reads are refused.
  { name: "read: host-critical paths may be read", policy: twoServices('read "/usr/bin/qemu-img"', 'read "/boot/vmlinuz-6.1.0-18-amd64"'), expect: [] },
  { name: "read: /etc/nova/{,**}", policy: twoServices('read "/etc/nova/{,**}"', 'volume "/srv/b"'), expect: [] },
  { name: "read: /usr/lib/python3/** (below a whole level)", policy: twoServices('read "/usr/lib/python3/**"', 'volume "/srv/b"'), expect: [] },
  { name: "read: /** is over-broad", policy: twoServices('read "/**"', 'volume "/srv/b"'), expect: ["MOAT304 /etc/shadow", "MOAT305"] }, // its overlap with /srv/b is counted in MOAT305's hint (check/consequences.ts)
  { name: "read: /etc/** is over-broad", policy: twoServices('read "/etc/**"', 'volume "/srv/b"'), expect: ["MOAT304 /etc/shadow", "MOAT305"] },
  { name: "read: /usr/*/** is a whole level", policy: twoServices('read "/usr/*/**"', 'volume "/srv/b"'), expect: ["MOAT305"] },
  { name: "read: /dev/sd* reaches every disk", policy: twoServices('read "/dev/sd*"', 'volume "/srv/b"'), expect: ["MOAT305"] },

  // A run: guarded like an exec where it runs under the service's own profile.
  { name: "run: another tenant may write the program", policy: twoServices('run "/opt/tools/bin/helper" inherit', 'volume "/opt/tools/bin/{,**}" rw'), expect: ["MOAT301 /opt/tools/bin/helper", "MOAT308 /opt/tools/bin/"] },
  { name: "run: another tenant may write a folder above it", policy: twoServices('run "/opt/tools/bin/helper" inherit', 'volume "/opt/tools/" rw'), expect: ["MOAT308 /opt/tools/", "MOAT320 /opt/tools/"] },
  {
    name: "run: a sibling may write the program (a warning)",
    policy: `tenant acme {\n  service one {\n    run "/srv/acme/bin/helper" inherit\n  }\n  service two {\n    volume "/srv/acme/bin/{,**}" rw\n  }\n}\n`,
    expect: ["MOAT312 /srv/acme/bin/"],
  },
  {
    name: "run: the service may write its own program",
    policy: `tenant acme {\n  service one {\n    run "/srv/acme/bin/helper" inherit\n    volume "/srv/acme/bin/{,**}" rw\n  }\n}\n`,
    expect: [],
  },
  {
    // The run is a read of globex's file (MOAT301); the write above it is reported once, for the exec.
    name: "run own: guarded once, as the exec it names",
    policy: `tenant acme {\n  service one {\n    run "/opt/acme/bin/two" own\n  }\n  service two {\n    exec "/opt/acme/bin/two"\n    volume "/srv/acme/{,**}" rw\n  }\n}\ntenant globex {\n  service three {\n    volume "/opt/acme/{,**}" rw\n  }\n}\n`,
    expect: ["MOAT301 /opt/acme/bin/two", "MOAT308 /opt/acme/"],
  },
  { name: "run: /usr/bin/qemu-img is no grant of what runs as root", policy: twoServices('run "/usr/bin/qemu-img" inherit', 'volume "/srv/b"'), expect: [] },
  { name: "run: protected paths are not runnable", policy: twoServices('run "/root/bin/tool" inherit', 'volume "/srv/b"'), expect: ["MOAT304 /root/bin/tool"] },
  { name: "run: over-broad", policy: twoServices('run "/opt/**" inherit', 'volume "/srv/b"'), expect: ["MOAT305"] },
  // Two runs of one program in two ways (MOAT313).
  {
    name: "run modes: a wildcard against a wildcard",
    policy: `tenant acme {\n  service helper {\n    exec "/usr/lib/acme/a*"\n    read "/etc/acme/{,**}"\n  }\n  service one {\n    run "/usr/lib/acme/a*" own\n    run "/usr/lib/acme/*" inherit\n  }\n}\n`,
    expect: ["MOAT313 /usr/lib/acme/a"],
  },
  {
    name: "run modes: a plain path against an alternation of plain names (both exact)",
    policy: `tenant acme {\n  service helper {\n    exec "/usr/lib/acme/{a,b}"\n    read "/etc/acme/{,**}"\n  }\n  service one {\n    run "/usr/lib/acme/{a,b}" own\n    run "/usr/lib/acme/b" inherit\n  }\n}\n`,
    expect: ["MOAT313 /usr/lib/acme/b"],
  },
  {
    name: "run modes: an alternation of plain names overrides a wildcard",
    policy: `tenant acme {\n  service helper {\n    exec "/usr/lib/acme/{a,b}"\n    read "/etc/acme/{,**}"\n  }\n  service one {\n    run "/usr/lib/acme/{a,b}" own\n    run "/usr/lib/acme/*" inherit\n  }\n}\n`,
    expect: [],
  },
  {
    name: "run modes: the same plain path twice",
    policy: `tenant acme {\n  service helper {\n    exec "/usr/lib/acme/a"\n    read "/etc/acme/{,**}"\n  }\n  service one {\n    run "/usr/lib/acme/a" inherit\n    run "/usr/lib/acme/a" own\n  }\n}\n`,
    expect: ["MOAT313 /usr/lib/acme/a"],
  },
  {
    name: "run modes: a plain path overrides a glob",
    policy: `tenant acme {\n  service helper {\n    exec "/usr/lib/acme/a"\n    read "/etc/acme/{,**}"\n  }\n  service one {\n    run "/usr/lib/acme/a" own\n    run "/usr/lib/acme/*" inherit\n  }\n}\n`,
    expect: [],
  },
  { name: "run modes: one mode twice", policy: twoServices('run "/usr/lib/x/*" inherit\n    run "/usr/lib/x/a" inherit', 'volume "/srv/b"'), expect: [] },
  { name: "run modes: two globs that miss each other", policy: twoServices('run "/usr/lib/x/a*" inherit\n    run "/usr/lib/x/b*" inherit', 'volume "/srv/b"'), expect: [] },

  // A container's host-side storage is proven like any grant.
  { name: "container: a volume overlapping another tenant's", policy: containerAnd('  container glance {\n    volume "/openstack/infra1_*/{,**}" rw\n  }'), expect: ["MOAT301 /openstack/infra1_galera_container-3ea2d8f4/"] },
  { name: "container: another tenant's LV under its mapper name", policy: containerAnd('  container glance {\n    volume "/dev/mapper/lxc-infra1_galera_container--3ea2d8f4" rw\n  }'), expect: ["MOAT301 /dev/lxc/infra1_galera_container-3ea2d8f4"] },
  { name: "container: a host-critical path", policy: containerAnd('  container glance {\n    volume "/etc/cron.d/{,**}" rw\n  }'), expect: ["MOAT310 /etc/cron.d/"] },
  { name: "container: a protected path", policy: containerAnd('  container glance {\n    volume "/root/glance/{,**}" ro\n  }'), expect: ["MOAT304 /root/glance/"] },
  { name: "container: over-broad", policy: containerAnd('  container glance {\n    volume "/srv/**" rw\n  }'), expect: ["MOAT305"] },
  {
    name: "container: a write above another tenant's binary",
    policy: containerAnd('  service glance-api {\n    exec "/openstack/venvs/glance/bin/glance-api"\n    read "/etc/glance/{,**}"\n  }', "tenant ops {\n  container util {\n    volume \"/openstack/venvs/{,**}\" rw\n  }\n}\n"),
    expect: ["MOAT308 /openstack/venvs/"],
  },
  { name: "container: its own storage in one tenant, no overlap", policy: containerAnd('  container glance {\n    volume "/openstack/infra1_glance_container-c2f4a871/{,**}" rw\n  }'), expect: [] },
];

function summarize(policy: string): string[] {
  const result = compileTexts({ "/p/host.iso": policy });
  return result.diagnostics.map((d) => {
    if (d.code === "MOAT307") return `${d.code} ${/^(\d+) grants name links/.exec(d.message)?.[1] ?? "1"} link${/^\d+ grants/.test(d.message) ? "s" : ""}`;
    return d.witness === undefined ? d.code : `${d.code} ${d.witness}`;
  });
}

describe("control plane: isolation rules on reads, runs and containers", () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(summarize(c.policy)).toEqual(c.expect);
    });
  }
});

describe("what a read's overlap reports", () => {
  it("names the read and the owner, and says how to fix it", () => {
    const result = compileTexts({ "/p/host.iso": twoServices('read "/srv/data/*.img"', 'volume "/srv/data/db.img" rw') });
    const [d] = result.diagnostics;
    expect(d!.message).toBe('volume of globex/two overlaps read of acme/one: both match "/srv/data/db.img"');
    expect(d!.hint).toBe("a read may reach only host files no tenant owns: narrow /srv/data/*.img so that it misses what globex owns");
  });

  it("offers the shared statement when the owner only reads too", () => {
    const result = compileTexts({ "/p/host.iso": twoServices('read "/srv/data/*.img"', 'volume "/srv/data/db.img" ro') });
    expect(result.diagnostics[0]!.hint).toMatch(/; if both tenants may read it, declare it: shared "…" ro with acme, globex$/);
  });

  it("says a run target is a program the other service runs", () => {
    const result = compileTexts({ "/p/host.iso": twoServices('run "/opt/tools/bin/helper" inherit', 'volume "/opt/tools/" rw') });
    const d = result.diagnostics.find((x) => x.code === "MOAT308")!;
    expect(d.message).toBe(
      'volume "/opt/tools/" of globex/two lets it write "/opt/tools/", a program acme/one runs under its own profile (run … inherit) (or a folder above it); it could replace the binary and run with acme/one\'s grants',
    );
    expect(d.related.map((r) => r.message)).toEqual(["run of acme/one: /opt/tools/bin/helper"]);
  });
});
