/**
 * A table of named cases for every isolation rule (docs/language.md, "Isolation rules"), the awkward ones included. Each case is
 * a small policy; the table states exactly which diagnostics (code and witness) it must produce.
 */
import { describe, expect, it } from "vitest";
import { compileTexts, spanText } from "../support/memory.js";

const U = [
  "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f",
  "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04",
  "1e2d3c4b-5a69-4788-9a0b-c1d2e3f40516",
];

/** Two tenants, each with one service granting the given items. */
function twoTenants(a: string, b: string, extra = ""): string {
  return `tenant acme {\n  service one {\n    ${a}\n  }\n}\ntenant globex {\n  service two {\n    ${b}\n  }\n}\n${extra}`;
}

interface Case {
  readonly name: string;
  readonly policy: string;
  /** `CODE` or `CODE witness`, in the order moat reports them. */
  readonly expect: readonly string[];
}

const CASES: readonly Case[] = [
  // Rule 1: cross-tenant overlap, decided on AppArmor's glob semantics.
  { name: "equal literal paths", policy: twoTenants('volume "/srv/a.img"', 'volume "/srv/a.img"'), expect: ["MOAT301 /srv/a.img"] },
  { name: "a glob reaching another tenant's file", policy: twoTenants('volume "/srv/data/*.img"', 'volume "/srv/data/db.img"'), expect: ["MOAT301 /srv/data/db.img"] },
  // It does not reach it, but writing the folder /d/ lets globex rename what acme's /d/* holds.
  { name: "/d/* does not reach the folder /d/ itself", policy: twoTenants('volume "/d/*"', 'volume "/d/"'), expect: ["MOAT320 /d/"] },
  { name: "/d/* does not reach the folder /d/ itself, read-only", policy: twoTenants('volume "/d/*" ro', 'volume "/d/" ro'), expect: [] },
  { name: "/d/* does not reach /d/a/b", policy: twoTenants('volume "/d/*"', 'volume "/d/a/b"'), expect: [] },
  { name: "/d/** reaches /d/a/b", policy: twoTenants('volume "/d/**"', 'volume "/d/a/b"'), expect: ["MOAT301 /d/a/b"] },
  { name: "/a/{,**} reaches the folder /a/", policy: twoTenants('volume "/a/{,**}"', 'volume "/a/"'), expect: ["MOAT301 /a/"] },
  { name: "/dev/nbd* reaches /dev/nbd10", policy: twoTenants('device "/dev/nbd*"', 'device "/dev/nbd10"'), expect: ["MOAT305"] }, // the overlap it causes is counted in its hint (test/check/consequences.test.ts)
  { name: "/dev/vfio/[0-9] does not reach /dev/vfio/12", policy: twoTenants('device "/dev/vfio/[0-9]"', 'device "/dev/vfio/12"'), expect: [] },
  { name: "an escaped \\* is a literal star", policy: twoTenants('volume "/srv/\\*"', 'volume "/srv/x"'), expect: [] },
  { name: "an escaped \\* against a real *", policy: twoTenants('volume "/srv/t/\\*"', 'volume "/srv/t/*"'), expect: ["MOAT301 /srv/t/*"] },
  { name: "an escaped backslash before a real *", policy: twoTenants('volume "/srv/t/\\\\*"', 'volume "/srv/t/\\\\x"'), expect: ["MOAT301 /srv/t/\\x"] },
  { name: "nested braces", policy: twoTenants('volume "/srv/{a,b{c,d}}/x"', 'volume "/srv/bd/x"'), expect: ["MOAT301 /srv/bd/x"] },
  { name: "nested braces that miss", policy: twoTenants('volume "/srv/{a,b{c,d}}/x"', 'volume "/srv/be/x"'), expect: [] },
  { name: "a folder and the file of the same name differ", policy: twoTenants('volume "/srv/a/"', 'volume "/srv/a"'), expect: [] },
  { name: "the mapper alias of another tenant's LV", policy: twoTenants('volume "/dev/vg0/acme-db"', 'volume "/dev/mapper/vg0-acme--db"'), expect: ["MOAT307 2 links", "MOAT301 /dev/vg0/acme-db"] },
  { name: "a mapper glob reaching another tenant's LV", policy: twoTenants('volume "/dev/mapper/vg0-web*"', 'volume "/dev/vg0/web01"'), expect: ["MOAT307 2 links", "MOAT301 /dev/mapper/vg0-web01"] },
  { name: "a mapper glob over hyphenated LV names", policy: twoTenants('volume "/dev/mapper/vg0-acme--*"', 'volume "/dev/vg0/acme-db"'), expect: ["MOAT307 2 links", "MOAT301 /dev/mapper/vg0-acme--db"] },
  { name: "a mapper glob that stops at another volume group", policy: twoTenants('volume "/dev/mapper/vg1-*"', 'volume "/dev/vg0/web01"'), expect: ["MOAT307 2 links"] },
  { name: "a different LV behind a similar mapper name", policy: twoTenants('volume "/dev/vg0/acme-db"', 'volume "/dev/mapper/vg0--acme-db"'), expect: ["MOAT307 2 links"] },
  { name: "abstract and filesystem sockets are separate namespaces", policy: twoTenants('socket "@run/x.sock"', 'socket "/run/x.sock"'), expect: [] },
  { name: "two abstract sockets of one name", policy: twoTenants('socket "@backup"', 'socket "@back*"'), expect: ["MOAT301 @backup"] },
  { name: "host-shared devices take no part", policy: twoTenants('device "/dev/kvm"', 'device "/dev/kvm"'), expect: [] },

  // The shared exception and everything that keeps it from applying.
  {
    name: "shared ro among both tenants allows it",
    policy: twoTenants('volume "/img/base/u.qcow2" ro', 'volume "/img/base/*.qcow2" ro', 'shared "/img/base/**" ro with acme, globex\n'),
    expect: [],
  },
  {
    name: "shared that misses a tenant",
    policy: twoTenants('volume "/img/base/u.qcow2" ro', 'volume "/img/base/u.qcow2" ro', 'shared "/img/base/**" ro with acme\n'),
    expect: ["MOAT302 /img/base/u.qcow2 tenant globex is not listed"],
  },
  {
    name: "shared with a rw grant",
    policy: twoTenants('volume "/img/base/u.qcow2" rw', 'volume "/img/base/u.qcow2" ro', 'shared "/img/base/**" ro with acme, globex\n'),
    expect: ["MOAT302 /img/base/u.qcow2 acme/one grants /img/base/u.qcow2 rw"],
  },
  {
    name: "shared that does not cover the whole grant",
    policy: twoTenants('volume "/img/**" ro', 'volume "/img/base/u.qcow2" ro', 'shared "/img/base/**" ro with acme, globex\n'),
    expect: ["MOAT302 /img/base/u.qcow2 /img/** of acme/one reaches beyond /img/base/**"],
  },

  // Rule 2: within a tenant, a writable overlap is a warning.
  {
    name: "two workloads of one tenant, one writing",
    policy: `tenant acme {\n  service a {\n    volume "/srv/x" rw\n  }\n  service b {\n    volume "/srv/x" ro\n  }\n}\n`,
    expect: ["MOAT303 /srv/x"],
  },
  {
    name: "two workloads of one tenant, both reading",
    policy: `tenant acme {\n  service a {\n    volume "/srv/x" ro\n  }\n  service b {\n    volume "/srv/x" ro\n  }\n}\n`,
    expect: [],
  },

  // Implied rules: two tenants' VMs whose names agree in their first 20 characters share libvirt's per-domain folder.
  {
    name: "vm names that clash in libvirt's 20-character short name",
    policy: `tenant acme {\n  vm abcdefghijklmnopqrst-one {\n    uuid "${U[0]}"\n    volume "/img/a.qcow2"\n  }\n}\ntenant globex {\n  vm abcdefghijklmnopqrst-two {\n    uuid "${U[1]}"\n    volume "/img/b.qcow2"\n  }\n}\n`,
    expect: ["MOAT301 /var/lib/libvirt/qemu/domain-0-abcdefghijklmnopqrst/x"],
  },

  // Rule 4: protected host paths.
  { name: "/etc/sha* reaches /etc/shadow", policy: twoTenants('volume "/etc/sha*" ro', 'volume "/srv/b"'), expect: ["MOAT304 /etc/shadow"] },
  { name: "a folder under /etc/libvirt", policy: twoTenants('volume "/etc/libvirt/qemu/x.xml" ro', 'volume "/srv/b"'), expect: ["MOAT304 /etc/libvirt/qemu/x.xml"] },
  { name: "the policy's own protect", policy: twoTenants('volume "/srv/backups/x"', 'volume "/srv/b"', 'protect "/srv/backups/**"\n'), expect: ["MOAT304 /srv/backups/x"] },
  // The backup copy passwd keeps of the hashes is protected in its own right, not through /etc/shadow.
  { name: "/etc/shadow- is protected too", policy: twoTenants('volume "/etc/shadow-" ro', 'volume "/srv/b"'), expect: ["MOAT304 /etc/shadow-"] },
  { name: "/etc/shadowx is not protected", policy: twoTenants('volume "/etc/shadowx" ro', 'volume "/srv/b"'), expect: [] },

  // Rule 6: over-broad grants.
  { name: "/var/**", policy: twoTenants('volume "/var/**"', 'volume "/srv/b"'), expect: ["MOAT304 /var/backups/shadow.bak", "MOAT305", "MOAT310 /var/spool/cron"] },
  // Every rule that /** breaks reports it: it reaches the protected set and the other tenant's file too.
  { name: "/** (over-broad against /)", policy: twoTenants('volume "/**" ro', 'volume "/srv/b"'), expect: ["MOAT304 /etc/shadow", "MOAT305", "MOAT310 /etc/crontab"] },
  { name: "/{var,tmp}/** covers /var", policy: twoTenants('volume "/{var,tmp}/**"', 'volume "/srv/b"'), expect: ["MOAT304 /var/backups/shadow.bak", "MOAT305", "MOAT310 /var/spool/cron"] },
  { name: "/var/lib/** is narrower than /var", policy: twoTenants('volume "/var/lib/app/**"', 'volume "/srv/b"'), expect: [] },
];

function summarize(policy: string): string[] {
  const result = compileTexts({ "/p/host.iso": policy });
  return result.diagnostics.map((d) => {
    if (d.code === "MOAT302") return `${d.code} ${d.witness} ${d.message.split(": ").pop()}`;
    // One summary for every grant that names a host link (moat install resolves them): its count.
    if (d.code === "MOAT307") return `${d.code} ${/^(\d+) grants name links/.exec(d.message)?.[1] ?? "1"} link${/^\d+ grants/.test(d.message) ? "s" : ""}`;
    return d.witness === undefined ? d.code : `${d.code} ${d.witness}`;
  });
}

describe("isolation rules: named cases", () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(summarize(c.policy)).toEqual(c.expect);
    });
  }
});

describe("what an overlap reports", () => {
  it("points at the later grant, names both sides, and relates the earlier one", () => {
    const result = compileTexts({ "/p/host.iso": twoTenants('volume "/srv/data/*.img"', 'volume "/srv/data/db.img"') });
    const [d] = result.diagnostics;
    expect(d!.message).toBe('volume of globex/two overlaps volume of acme/one: both match "/srv/data/db.img"');
    expect(spanText(result, d!)).toBe('"/srv/data/db.img"');
    expect(d!.related.map((r) => [r.message, r.span.start])).toEqual([["volume of acme/one: /srv/data/*.img", 41]]);
    expect(d!.hint).toContain("narrow the globs");
    expect(result.outputs).toEqual([]);
  });

  it("suggests shared when both sides only read", () => {
    const result = compileTexts({ "/p/host.iso": twoTenants('volume "/srv/a.img" ro', 'volume "/srv/a.img" ro') });
    expect(result.diagnostics[0]!.hint).toBe('if both tenants may read it, declare it: shared "…" ro with acme, globex');
  });

  it("reports one pair once even when an LVM volume is granted under both of its names", () => {
    const result = compileTexts({
      "/p/host.iso": twoTenants('volume "/dev/vg0/db"\n    volume "/dev/mapper/vg0-db"', 'volume "/dev/mapper/vg0-db"'),
    });
    expect(result.diagnostics.filter((d) => d.code === "MOAT301")).toHaveLength(2);
  });
});

describe("one glob granted by many tenants", () => {
  const N = 300;
  function fleet(access: (i: number) => string, extra = ""): string {
    let text = extra;
    for (let i = 0; i < N; i++) text += `tenant t${i} {\n  service s {\n    volume "/img/base/u.qcow2" ${access(i)}\n  }\n}\n`;
    return text;
  }

  it("without a shared statement, reports each grant after the first once, against the first", () => {
    const result = compileTexts({ "/p/f.iso": fleet(() => "ro") });
    const overlaps = result.diagnostics.filter((d) => d.code === "MOAT301");
    expect(overlaps).toHaveLength(N - 1);
    expect(new Set(overlaps.map((d) => d.span!.start)).size).toBe(N - 1);
    expect(overlaps.every((d) => d.related[0]!.message.startsWith("volume of t0/s:"))).toBe(true);
  });

  it("with a shared statement listing every tenant, reports nothing", () => {
    const all = Array.from({ length: N }, (_, i) => `t${i}`).join(", ");
    const result = compileTexts({ "/p/f.iso": fleet(() => "ro", `shared "/img/base/**" ro with ${all}\n`) });
    expect(result.diagnostics).toEqual([]);
  });

  it("one writer among readers is reported once, at the writer, counting every reader and saying to add ro", () => {
    const all = Array.from({ length: N }, (_, i) => `t${i}`).join(", ");
    const result = compileTexts({ "/p/f.iso": fleet((i) => (i === 150 ? "rw" : "ro"), `shared "/img/base/**" ro with ${all}\n`) });
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MOAT302"]);
    const [d] = result.diagnostics;
    expect(d!.message).toMatch(/^volume of t150\/s overlaps volume of t0\/s at .*t150\/s grants \/img\/base\/u\.qcow2 rw$/);
    expect(spanText(result, d!)).toBe('"/img/base/u.qcow2"');
    expect(d!.span!.start).toBe(result.sources[0]!.text.indexOf("tenant t150 {") + "tenant t150 {\n  service s {\n    volume ".length);
    expect(d!.hint).toBe(`add ro: a shared path is read-only for every tenant that uses it (volume "/img/base/u.qcow2" ro); it meets ${N - 1} read-only grants of other tenants in all, ${N - 4} not shown`);
    expect(d!.related.map((r) => r.message)).toEqual(["volume of t0/s: /img/base/u.qcow2", "volume of t1/s: /img/base/u.qcow2", "volume of t10/s: /img/base/u.qcow2", "the shared statement that reaches this path"]);
  });

  it("a tenant missing from the shared list clashes with every listed one, each reported once", () => {
    const listed = Array.from({ length: N - 1 }, (_, i) => `t${i}`).join(", ");
    const result = compileTexts({ "/p/f.iso": fleet(() => "ro", `shared "/img/base/**" ro with ${listed}\n`) });
    expect(result.diagnostics.map((d) => d.code)).toEqual(Array(N - 1).fill("MOAT302"));
    expect(result.diagnostics.every((d) => d.message.includes(`tenant t${N - 1} is not listed`))).toBe(true);
  });
});
