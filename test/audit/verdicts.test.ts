/**
 * The verdicts of `moat audit`, on a policy compiled in memory: each record of a moat profile is mapped
 * to its workload and judged cross-tenant (with the owner's line), protected, not-granted (with the line
 * that would grant it), complain, logged or foreign; and the learning loop's suggestions, which never
 * name another tenant's path or a protected one.
 */
import { describe, expect, it } from "vitest";
import { auditPolicy, installedNodes, judge, SuggestionCollector, type AuditPolicy, type Judgement } from "../../src/audit/index.js";
import { compile } from "../../src/index.js";
import { parseGrantsModel } from "../../src/install/grants-model.js";
import { record } from "./helpers.js";

const UUID_A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const UUID_B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";
const VM_A = `libvirt-${UUID_A}`;
const VM_B = `libvirt-${UUID_B}`;

export const POLICY = `policy audit-test
protect "/srv/backups/**"
tenant acme {
  vm web01 {
    uuid "${UUID_A}"
    volume "/var/lib/libvirt/images/acme/web01.qcow2" rw
    volume "/var/lib/libvirt/images/base/debian.img" ro
    volume "/dev/vg0/acme-web01" rw
    device "/dev/vfio/41" rw
  }
  service agent {
    exec "/opt/acme/bin/agent"
    volume "/srv/acme/agent/{,**}" rw
    volume "/etc/acme/agent.toml" ro
    mode complain
  }
}
tenant globex {
  vm ci01 {
    uuid "${UUID_B}"
    volume "/var/lib/libvirt/images/globex/ci01.qcow2" rw
    volume "/var/lib/libvirt/images/base/debian.img" ro
    volume "/dev/mapper/vg0-globex--ci01" rw
    volume "/srv/shared/globex-b" rw
  }
}
shared "/var/lib/libvirt/images/base/**" ro with acme, globex
`;

export function compiled(policy: string): Map<string, string> {
  const result = compile({ entries: ["/p/main.iso"], readFile: (p) => (p === "/p/main.iso" ? { text: policy } : { error: "no such file" }) });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join("\n"));
  return new Map(result.outputs.map((o) => [o.path, o.content]));
}

function policyOf(text: string, installed?: Map<string, ReturnType<typeof installedNodes>>): AuditPolicy {
  const parsed = parseGrantsModel(compiled(text).get("moat-grants.json")!);
  if ("error" in parsed) throw new Error(parsed.error);
  return auditPolicy(parsed.model, installed);
}

const policy = policyOf(POLICY);

function line(event: string, profile: string, name: string, mask = "r", operation = "open"): string {
  return `audit: type=1400 audit(1733533323.417:1042): apparmor="${event}" operation="${operation}" profile="${profile}" name="${name}" pid=4242 comm="qemu" requested_mask="${mask}" denied_mask="${mask}" fsuid=0 ouid=0`;
}

function verdictOf(l: string, p: AuditPolicy = policy): Judgement {
  return judge(p, record(l));
}

describe("verdicts", () => {
  it("cross-tenant: another tenant's grant, with its workload and policy line", () => {
    const j = verdictOf(line("DENIED", VM_B, "/var/lib/libvirt/images/acme/web01.qcow2", "w"));
    expect(j.verdict).toBe("cross-tenant");
    expect(j.workload).toMatchObject({ tenant: "globex", name: "ci01", kind: "vm", file: "main.iso", line: 19 });
    expect(j.owner).toEqual({ tenant: "acme", workload: "web01", kind: "vm", grant: 'volume "/var/lib/libvirt/images/acme/web01.qcow2" rw', file: "main.iso", line: 6 });
  });

  it("cross-tenant under a logical volume's other name, both ways", () => {
    expect(verdictOf(line("DENIED", VM_B, "/dev/mapper/vg0-acme--web01")).owner).toMatchObject({ workload: "web01", line: 8 });
    expect(verdictOf(line("DENIED", VM_A, "/dev/vg0/globex-ci01")).owner).toMatchObject({ workload: "ci01", line: 23 });
  });

  it("a record under a logical volume's /dev/VG/LV name meets another tenant's glob over /dev/mapper", () => {
    const globs = policyOf(`tenant acme {\n  vm web01 {\n    uuid "${UUID_A}"\n    volume "/var/lib/libvirt/images/acme/web01.qcow2" rw\n  }\n}\ntenant globex {\n  vm ci01 {\n    uuid "${UUID_B}"\n    volume "/dev/mapper/vg0-globex--data-*" rw\n  }\n}\n`);
    expect(verdictOf(line("DENIED", VM_A, "/dev/vg0/globex-data-x"), globs)).toMatchObject({ verdict: "cross-tenant", owner: { workload: "ci01", line: 10 } });
  });

  it("a read of a shared ro path both tenants are listed for is not cross-tenant; a write of it is", () => {
    expect(verdictOf(line("DENIED", VM_B, "/var/lib/libvirt/images/base/debian.img", "r")).verdict).toBe("not-granted");
    expect(verdictOf(line("DENIED", VM_B, "/var/lib/libvirt/images/base/debian.img", "w")).verdict).toBe("cross-tenant");
    // The shared glob covers the base folder only: a read of acme's own disk is still cross-tenant.
    expect(verdictOf(line("DENIED", VM_B, "/var/lib/libvirt/images/acme/web01.qcow2", "r")).verdict).toBe("cross-tenant");
  });

  it("protected: the built-in table with its reason, and the policy's protect with its line", () => {
    const builtin = verdictOf(line("DENIED", VM_A, "/etc/shadow"));
    expect(builtin.verdict).toBe("protected");
    expect(builtin.protectedBy).toMatchObject({ text: "/etc/shadow", reason: "the host's password hashes" });
    const own = verdictOf(line("DENIED", VM_A, "/srv/backups/db.tar"));
    expect(own.protectedBy).toMatchObject({ text: "/srv/backups/**", at: { file: "main.iso", line: 2 } });
  });

  it("not-granted: the line that would grant it, per workload kind, and the block it goes in", () => {
    const read = verdictOf(line("DENIED", VM_A, "/usr/share/OVMF/OVMF_CODE.fd", "r"));
    expect(read.verdict).toBe("not-granted");
    expect(read.suggestion).toMatchObject({ text: 'read "/usr/share/OVMF/OVMF_CODE.fd"', file: "main.iso", line: 4, workload: "acme/web01" });
    expect(verdictOf(line("DENIED", VM_A, "/srv/acme/new.img", "wc")).suggestion?.text).toBe('volume "/srv/acme/new.img" rw');
    expect(verdictOf(line("DENIED", VM_A, "/srv/acme/lock", "rk")).suggestion?.text).toBe('volume "/srv/acme/lock" ro');
    expect(verdictOf(line("DENIED", VM_A, "/dev/vfio/99", "rw")).suggestion?.text).toBe('device "/dev/vfio/99" rw');
    expect(verdictOf(line("DENIED", VM_A, "/dev/vg0/acme-web02", "rw")).suggestion?.text).toBe('volume "/dev/vg0/acme-web02" rw');
    // Glob characters and quotes in a path are escaped, so the line grants exactly that path.
    expect(verdictOf(line("DENIED", VM_A, "/srv/acme/a*b{c}", "r")).suggestion?.text).toBe('read "/srv/acme/a\\*b\\{c\\}"');
    // A vm runs no programs: no line, and why.
    const exec = verdictOf(line("DENIED", VM_A, "/usr/bin/curl", "x", "exec"));
    expect(exec.suggestion).toBeUndefined();
    expect(exec.note).toContain("only a service runs programs");
  });

  it("not-granted on the workload's own read-only grant: the same line with rw, replacing it", () => {
    const j = verdictOf(line("DENIED", "moat.acme.agent", "/etc/acme/agent.toml", "w"));
    expect(j.verdict).toBe("not-granted");
    expect(j.suggestion).toMatchObject({ text: 'volume "/etc/acme/agent.toml" rw', line: 11, replaces: { file: "main.iso", line: 14 } });
    // A device gives no lock: nothing to suggest, and the note says which grant gives what.
    const lock = verdictOf(line("DENIED", VM_A, "/dev/vfio/41", "k", "file_lock"));
    expect(lock.suggestion).toBeUndefined();
    expect(lock.note).toMatch(/device "\/dev\/vfio\/41" rw \(main\.iso:9\) gives rw, not k/);
  });

  it("complain: an ALLOWED record, with what enforce mode would have made of it", () => {
    const other = verdictOf(line("ALLOWED", "moat.acme.agent", "/var/lib/libvirt/images/globex/ci01.qcow2"));
    expect(other).toMatchObject({ verdict: "complain", wouldBe: "cross-tenant", owner: { tenant: "globex", workload: "ci01" } });
    const missing = verdictOf(line("ALLOWED", "moat.acme.agent", "/etc/ssl/openssl.cnf"));
    expect(missing).toMatchObject({ verdict: "complain", wouldBe: "not-granted", suggestion: { text: 'read "/etc/ssl/openssl.cnf"', workload: "acme/agent", line: 11 } });
  });

  it("a service's own children and hats are its workload; capabilities and programs have lines of their own", () => {
    const cap = judge(policy, record('audit: type=1400 audit(1.2:3): apparmor="DENIED" operation="capable" profile="moat.acme.agent//null-/usr/bin/tar" pid=1 comm="tar" capability=12 capname="net_admin"'));
    expect(cap).toMatchObject({ verdict: "not-granted", workload: { name: "agent" }, suggestion: { text: "capability net_admin" } });
    expect(verdictOf(line("DENIED", "moat.acme.agent", "/usr/bin/tar", "x", "exec")).suggestion?.text).toBe('run "/usr/bin/tar" inherit');
  });

  it("a signal to another tenant's workload is cross-tenant", () => {
    const j = judge(policy, record(`audit: type=1400 audit(1.2:3): apparmor="DENIED" operation="signal" class="signal" profile="moat.acme.agent" pid=1 comm="agent" requested_mask="send" denied_mask="send" signal=kill peer="${VM_B}"`));
    expect(j).toMatchObject({ verdict: "cross-tenant", owner: { tenant: "globex", workload: "ci01" } });
  });

  it("foreign and logged", () => {
    expect(verdictOf(line("DENIED", "/usr/sbin/cupsd", "/etc/shadow")).verdict).toBe("foreign");
    expect(judge(policy, record(`audit: type=1400 audit(1.2:3): apparmor="STATUS" operation="profile_replace" profile="unconfined" name="${VM_A}" pid=1 comm="apparmor_parser"`)).verdict).toBe("foreign");
    expect(judge(policy, record(`audit: type=1400 audit(1.2:3): apparmor="AUDIT" operation="open" profile="${VM_A}" name="/x" pid=1 comm="q" requested_mask="r"`)).verdict).toBe("logged");
  });

  it("a node moat install resolved maps back to its grant (read from the installed profile's added rules)", () => {
    const installedText = `profile x {\n}\n\n  # moat install: the nodes this host resolves these grants to\n\n  # volume rw (main.iso:8): /dev/vg0/acme-web01 -> /dev/dm-7\n  "/dev/dm-7" rwk,\n}\n`;
    const nodes = installedNodes(installedText);
    expect(nodes).toEqual([{ what: "volume rw", file: "main.iso", line: 8, path: "/dev/vg0/acme-web01", node: "/dev/dm-7", literal: true }]);
    const onHost = policyOf(POLICY, new Map([[VM_A, nodes]]));
    const j = verdictOf(line("DENIED", VM_B, "/dev/dm-7", "rw"), onHost);
    expect(j).toMatchObject({ verdict: "cross-tenant", owner: { workload: "web01", line: 8, via: "/dev/vg0/acme-web01 -> /dev/dm-7 on this host" } });
    // Without what install recorded, /dev/dm-7 is nobody's known path, and no line names a node numbered at boot.
    const alone = verdictOf(line("DENIED", VM_B, "/dev/dm-7", "rw"));
    expect(alone.verdict).toBe("not-granted");
    expect(alone.suggestion).toBeUndefined();
    expect(alone.note).toContain("grant the volume by its LVM name");
  });
});

describe("the learning loop", () => {
  const SERVICE = "moat.acme.agent";
  function suggest(lines: string[], p: AuditPolicy = policy) {
    const c = new SuggestionCollector();
    for (const l of lines) {
      const r = record(l);
      c.add(judge(p, r), r.name);
    }
    return c.finish(p);
  }

  it("groups per workload, one line per path with the widest access, and collapses a folder's files", () => {
    const report = suggest([
      line("ALLOWED", SERVICE, "/var/lib/acme-agent/cache/a", "r"),
      line("ALLOWED", SERVICE, "/var/lib/acme-agent/cache/b", "r"),
      line("ALLOWED", SERVICE, "/var/lib/acme-agent/cache/c", "w"),
      line("ALLOWED", SERVICE, "/etc/ssl/openssl.cnf", "r"),
      line("ALLOWED", SERVICE, "/etc/ssl/openssl.cnf", "r"),
      line("ALLOWED", SERVICE, "/run/acme/agent.pid", "r"),
      line("ALLOWED", SERVICE, "/run/acme/agent.pid", "w"),
    ]);
    expect(report.workloads).toHaveLength(1);
    const w = report.workloads[0]!;
    expect(w).toMatchObject({ workload: "acme/agent", file: "main.iso", line: 11, leftOut: [] });
    expect(w.lines.map((l) => [l.line, l.records])).toEqual([
      ['read "/etc/ssl/openssl.cnf"', 2],
      ['volume "/run/acme/agent.pid" rw', 2],
      ['volume "/var/lib/acme-agent/cache/*" rw', 3],
    ]);
  });

  it("never suggests another tenant's path or a protected one, and says why it left them out", () => {
    const report = suggest([
      line("ALLOWED", SERVICE, "/var/lib/libvirt/images/globex/ci01.qcow2", "r"),
      line("ALLOWED", SERVICE, "/dev/mapper/vg0-globex--ci01", "rw"),
      line("ALLOWED", SERVICE, "/etc/shadow", "r"),
      line("ALLOWED", SERVICE, "/etc/hostname", "r"),
    ]);
    const w = report.workloads[0]!;
    expect(w.lines.map((l) => l.line)).toEqual(['read "/etc/hostname"']);
    expect(w.leftOut.map((x) => [x.path, x.why])).toEqual([
      ["/dev/mapper/vg0-globex--ci01", 'owned by globex/ci01 (volume "/dev/mapper/vg0-globex--ci01" rw, main.iso:23)'],
      ["/etc/shadow", "protected: /etc/shadow (the host's password hashes)"],
      ["/var/lib/libvirt/images/globex/ci01.qcow2", 'owned by globex/ci01 (volume "/var/lib/libvirt/images/globex/ci01.qcow2" rw, main.iso:21)'],
    ]);
  });

  it("does not collapse a folder where the folder glob would reach another tenant's path: one line per path instead", () => {
    // globex owns /srv/shared/globex-b; /srv/shared/* would reach it.
    const report = suggest(["a1", "a2", "a3"].map((n) => line("ALLOWED", SERVICE, `/srv/shared/${n}`, "w")));
    const w = report.workloads[0]!;
    expect(w.lines.map((l) => l.line)).toEqual(['volume "/srv/shared/a1" rw', 'volume "/srv/shared/a2" rw', 'volume "/srv/shared/a3" rw']);
  });

  it("never collapses what the kernel names (a process's files, sysfs) into a folder line", () => {
    const report = suggest(["status", "cmdline", "stat"].map((n) => line("ALLOWED", SERVICE, `/proc/1/${n}`, "r")));
    expect(report.workloads[0]!.lines.map((l) => l.line)).toEqual(['read "/proc/1/cmdline"', 'read "/proc/1/stat"', 'read "/proc/1/status"']);
  });

  it("never suggests one path to two tenants, even when a refused folder line would hide their overlap", () => {
    // acme's three reads of /srv/pool collapse to /srv/pool/*, which reaches a protected path and is
    // refused; globex's write of /srv/pool/a overlaps that refused line. Neither may leave the two
    // tenants each holding /srv/pool/a, which the next compile would refuse (MOAT301).
    const two = policyOf(`policy pool
protect "/srv/pool/zz-secret"
tenant acme {
  service agent {
    exec "/opt/acme/bin/agent"
    volume "/srv/acme/{,**}" rw
    mode complain
  }
}
tenant globex {
  service gagent {
    exec "/opt/globex/bin/gagent"
    volume "/srv/globex/{,**}" rw
    mode complain
  }
}
`);
    const report = suggest(
      [
        ...["a", "b", "c"].map((n) => line("ALLOWED", "moat.acme.agent", `/srv/pool/${n}`, "r")),
        line("ALLOWED", "moat.globex.gagent", "/srv/pool/a", "rw"),
      ],
      two,
    );
    const owners = new Map<string, string[]>();
    for (const w of report.workloads) for (const l of w.lines) for (const p of l.covers) owners.set(p, [...(owners.get(p) ?? []), w.workload]);
    expect(owners.get("/srv/pool/a") ?? []).toHaveLength(1);
    expect(report.workloads.flatMap((w) => w.lines.map((l) => l.line))).not.toContain('read "/srv/pool/*"');
  });

  it("refuses, with the compiler's reason, a line the isolation checks refuse (a write into a host-critical tree)", () => {
    const report = suggest([line("ALLOWED", SERVICE, "/etc/systemd/system/evil.service", "w"), line("ALLOWED", SERVICE, "/etc/systemd/system/evil.service", "r")]);
    const w = report.workloads[0]!;
    expect(w.lines).toEqual([]);
    expect(w.leftOut).toHaveLength(1);
    expect(w.leftOut[0]!.why).toMatch(/^the isolation checks refuse volume "\/etc\/systemd\/system\/evil\.service" rw: MOAT310: /);
  });
});
