import { describe, expect, it } from "vitest";
import { explain } from "../../src/explain/explain.js";
import type { Explanation, WorkloadVerdict } from "../../src/explain/types.js";
import { FILES, lineOf, modelOf } from "./fixture.js";

const ACME = "/p/tenants/acme.iso";
const GLOBEX = "/p/tenants/globex.iso";
const BASE = "/var/lib/libvirt/images/base/ubuntu-24.04.qcow2";

function explained(path: string, workload?: string, model = modelOf()): Explanation {
  const e = explain(model, path, workload);
  if ("error" in e) throw new Error(e.error);
  return e;
}

function verdictOf(e: Explanation, id: string): WorkloadVerdict {
  const v = e.workloads.find((w) => `${w.tenant}/${w.workload}` === id);
  if (v === undefined) throw new Error(`${id} not in the explanation`);
  return v;
}

describe("explain", () => {
  it("an allowed read-only volume: rk with writes denied, the granting line, and the shared statement", () => {
    const e = explained(BASE);
    expect(e).toMatchObject({ path: BASE, namespace: "path", hostShared: false, protectedBy: [] });
    expect(verdictOf(e, "acme/web01")).toEqual({
      tenant: "acme",
      workload: "web01",
      kind: "vm",
      mode: "enforce",
      verdict: "allowed",
      permissions: "rk",
      writesDenied: true,
      grants: [
        {
          kind: "volume",
          access: "ro",
          glob: BASE,
          allow: "rk",
          deny: "w",
          at: { file: ACME, line: lineOf(ACME, "base/ubuntu") },
          hostShared: false,
          shared: { glob: "/var/lib/libvirt/images/base/**", tenants: ["acme", "globex"], at: { file: "/p/main.iso", line: lineOf("/p/main.iso", "shared") } },
        },
      ],
    });
    expect(verdictOf(e, "globex/ci01")).toMatchObject({ verdict: "allowed", permissions: "rk", grants: [{ at: { file: GLOBEX, line: lineOf(GLOBEX, "base/ubuntu") } }] });
    // allowed ones first, then those allowed only by complain mode, then the denied, each in the model's order
    expect(e.workloads.map((w) => `${w.tenant}/${w.workload}:${w.verdict}`)).toEqual([
      "acme/web01:allowed",
      "globex/ci01:allowed",
      "acme/backup-agent:complain",
      "ops/nova-api:denied",
    ]);
  });

  it("a read-write volume gives rwk, without denied writes", () => {
    expect(verdictOf(explained("/var/lib/libvirt/images/acme/web01.qcow2"), "acme/web01")).toMatchObject({ verdict: "allowed", permissions: "rwk", writesDenied: false });
    expect(verdictOf(explained("/run/libvirt/qemu/acme-web01.sock"), "acme/web01")).toMatchObject({ permissions: "rw", grants: [{ kind: "socket" }] });
    const agent = verdictOf(explained("/srv/acme/"), "acme/backup-agent");
    expect(agent).toMatchObject({ verdict: "allowed", permissions: "rwk", mode: "complain" });
  });

  it("another tenant's resource is denied naming the owner and its line; the same tenant's is merely not granted", () => {
    const e = explained("/var/lib/libvirt/images/acme/web01.qcow2");
    // backup-agent is in complain mode: enforce mode would deny it, complain mode logs it and lets it through
    expect(verdictOf(e, "acme/backup-agent")).toMatchObject({ verdict: "complain", reason: { kind: "not-granted", sameTenant: [{ tenant: "acme", workload: "web01" }] } });
    const denied = verdictOf(e, "globex/ci01");
    expect(denied).toMatchObject({ verdict: "denied", reason: { kind: "other-tenant", owners: [{ tenant: "acme", workload: "web01", grant: { at: { file: ACME, line: 4 } } }] } });
    // the shared image belongs to both tenants that have it
    const ops = verdictOf(explained(BASE), "ops/nova-api");
    expect(ops.verdict === "denied" && ops.reason.kind === "other-tenant" && ops.reason.owners.map((o) => `${o.tenant}/${o.workload}`)).toEqual(["acme/web01", "globex/ci01"]);
    // acme holds it (with globex): for acme's service it is its tenant's, not another tenant's
    expect(verdictOf(explained(BASE), "acme/backup-agent")).toMatchObject({ reason: { kind: "not-granted", sameTenant: [{ workload: "web01" }] } });
  });

  it("a path nobody is granted is denied to everyone as not granted", () => {
    const e = explained("/var/lib/libvirt/images/initech/x.qcow2");
    expect(e.workloads.map((w) => w.verdict !== "allowed" && w.reason)).toEqual(Array(4).fill({ kind: "not-granted", sameTenant: [] }));
    expect(e.workloads.map((w) => w.verdict)).toEqual(["complain", "denied", "denied", "denied"]);
  });

  it("a protected path is denied to every workload, citing the protect line or the built-in set", () => {
    const e = explained("/srv/backups/db/today.tar");
    expect(e.protectedBy).toEqual([{ glob: "/srv/backups/**", at: { file: "/p/main.iso", line: 3 } }]);
    expect(e.workloads.every((w) => w.verdict === "denied" && w.reason.kind === "protected")).toBe(true);
    const builtin = explained("/etc/shadow");
    expect(builtin.protectedBy).toEqual([{ glob: "/etc/shadow" }]);
    expect(verdictOf(builtin, "acme/web01")).toMatchObject({ verdict: "denied", reason: { kind: "protected", by: { glob: "/etc/shadow" }, overridden: [] } });
  });

  it("a protected deny overrides a grant: the grant is named as overridden", () => {
    // The compile refuses this policy (MOAT304); the model still shows what the profile would do.
    const files = { ...FILES, "/p/main.iso": FILES["/p/main.iso"]!.replace('protect "/srv/backups/**"', 'protect "/srv/acme/keys/**"') };
    const model = modelOf(files, false);
    const v = verdictOf(explained("/srv/acme/keys/id_rsa", undefined, model), "acme/backup-agent");
    expect(v).toMatchObject({
      verdict: "denied",
      reason: { kind: "protected", by: { glob: "/srv/acme/keys/**", at: { line: 3 } }, overridden: [{ kind: "volume", access: "rw", allow: "rwk", at: { file: ACME, line: lineOf(ACME, "/srv/acme/") } }] },
    });
  });

  it("a vm's implied rules allow it its own log and pid file, cited as implied by libvirt, and make them its tenant's", () => {
    const log = explained("/var/log/libvirt/qemu/web01.log");
    expect(verdictOf(log, "acme/web01")).toMatchObject({
      verdict: "allowed",
      permissions: "w",
      grants: [{ kind: "implied", implied: "libvirt log", allow: "w", at: { file: ACME, line: lineOf(ACME, "vm web01") } }],
    });
    expect(verdictOf(log, "globex/ci01")).toMatchObject({ verdict: "denied", reason: { kind: "other-tenant", owners: [{ workload: "web01", grant: { implied: "libvirt log" } }] } });
    expect(verdictOf(explained("/run/libvirt/qemu/ci01.pid"), "globex/ci01")).toMatchObject({ permissions: "rwk", grants: [{ implied: "libvirt pid file" }] });
  });

  it("host-shared devices belong to nobody: granted ones are allowed, the others are not granted (not another tenant's)", () => {
    const kvm = explained("/dev/kvm");
    expect(kvm.hostShared).toBe(true);
    expect(verdictOf(kvm, "acme/web01")).toMatchObject({ verdict: "allowed", permissions: "rw", grants: [{ kind: "device", hostShared: true }] });
    expect(verdictOf(kvm, "globex/ci01")).toMatchObject({ verdict: "denied", reason: { kind: "not-granted" } });
    // every vm has /dev/vhost-net through libvirt's implied rules
    const vhost = explained("/dev/vhost-net");
    expect(vhost.workloads.filter((w) => w.verdict === "allowed").map((w) => w.workload)).toEqual(["web01", "ci01"]);
    expect(verdictOf(vhost, "ops/nova-api")).toMatchObject({ reason: { kind: "not-granted" } });
  });

  it("abstract sockets (@name) are their own namespace, with the unix permissions of the profile", () => {
    const e = explained("@acme-backup");
    expect(e.namespace).toBe("abstract");
    expect(verdictOf(e, "acme/backup-agent")).toMatchObject({
      verdict: "allowed",
      permissions: "bind, listen, accept, send, receive",
      writesDenied: false,
      grants: [{ kind: "socket", glob: "@acme-backup", at: { file: ACME, line: lineOf(ACME, "@acme-backup") } }],
    });
    expect(verdictOf(e, "globex/ci01")).toMatchObject({ reason: { kind: "other-tenant", owners: [{ tenant: "acme", workload: "backup-agent" }] } });
    // a file path of the same spelling is not the abstract socket
    expect(explained("/acme-backup").workloads.every((w) => w.verdict !== "allowed" && w.reason.kind === "not-granted")).toBe(true);
    expect(explained("@other").workloads.every((w) => w.verdict === (w.mode === "complain" ? "complain" : "denied"))).toBe(true);
  });

  it("sees an LVM volume under both names when naming the owner", () => {
    const v = verdictOf(explained("/dev/vg0/globex-ci01"), "acme/web01");
    expect(v).toMatchObject({ verdict: "denied", reason: { kind: "other-tenant", owners: [{ tenant: "globex", workload: "ci01", alias: "/dev/mapper/vg0-globex--ci01" }] } });
    // its own grant names a link: AppArmor mediates /dev/dm-N, so the rule matches nothing at run time (MOAT307)
    expect(verdictOf(explained("/dev/mapper/vg0-globex--ci01"), "globex/ci01")).toMatchObject({
      verdict: "denied",
      reason: { kind: "symlink", target: "/dev/dm-N", grants: [{ kind: "volume", access: "rw", allow: "rwk" }] },
    });
    // under the other name its own rule does not match (AppArmor matches names), and explain says it has the volume
    expect(verdictOf(explained("/dev/vg0/globex-ci01"), "globex/ci01")).toMatchObject({
      verdict: "denied",
      reason: { kind: "not-granted", sameTenant: [{ workload: "ci01", alias: "/dev/mapper/vg0-globex--ci01" }] },
    });
  });

  it("names the owner of a /dev/VG/LV path granted only through a /dev/mapper glob, as the isolation check does", () => {
    const model = modelOf({
      "/q/host.iso": 'tenant acme {\n  service lvm-backup {\n    volume "/dev/mapper/vg0-web*" ro\n  }\n}\ntenant globex {\n  service other {\n    volume "/srv/g"\n  }\n}\n',
    });
    const v = verdictOf(explained("/dev/vg0/web01", undefined, model), "globex/other");
    expect(v).toMatchObject({ verdict: "denied", reason: { kind: "other-tenant", owners: [{ tenant: "acme", workload: "lvm-backup" }] } });
  });

  it("--workload: tenant/name or a unique bare name selects one; an unknown or ambiguous one is an error naming candidates", () => {
    expect(explained(BASE, "acme/web01").workloads.map((w) => w.workload)).toEqual(["web01"]);
    expect(explained(BASE, "nova-api").workloads).toMatchObject([{ tenant: "ops", verdict: "denied" }]);
    const unknown = explain(modelOf(), BASE, "acme/web02");
    expect(unknown).toEqual({ error: expect.stringContaining("--workload acme/web02 is not a workload of the policy; the workloads are acme/backup-agent, acme/web01, globex/ci01, ops/nova-api") });
    const twice = { ...FILES, "/p/tenants/globex.iso": FILES["/p/tenants/globex.iso"]!.replace("service nova-api", "service backup-agent") };
    const ambiguous = explain(modelOf(twice), BASE, "backup-agent");
    expect(ambiguous).toEqual({ error: "--workload backup-agent names several workloads: acme/backup-agent, ops/backup-agent; write tenant/name" });
    expect(explain(modelOf(twice), BASE, "ops/backup-agent")).not.toHaveProperty("error");
  });

  it("takes only absolute paths or @names; resolves . and .. as the kernel does", () => {
    expect(explain(modelOf(), "var/lib/x", undefined)).toEqual({ error: expect.stringMatching(/^--path must be an absolute path or @name/) });
    expect(explain(modelOf(), "@", undefined)).toHaveProperty("error");
    expect(explain(modelOf(), "/a\0b", undefined)).toHaveProperty("error");
    const e = explained("/var/lib/libvirt/images/x/../acme/./web01.qcow2");
    expect(e.path).toBe("/var/lib/libvirt/images/acme/web01.qcow2");
    expect(verdictOf(e, "acme/web01").verdict).toBe("allowed");
  });

  it("complain mode: allowed (and logged) where enforce mode denies, but a deny rule stays enforced", () => {
    const model = modelOf({
      "/q/host.iso":
        'tenant acme {\n  service agent {\n    volume "/srv/acme/{,**}" rw\n    volume "/srv/images/base.img" ro\n    mode complain\n  }\n}\ntenant globex {\n  service db {\n    volume "/srv/globex/db" rw\n  }\n}\n',
    }, false);
    expect(verdictOf(explained("/srv/globex/db", undefined, model), "acme/agent")).toMatchObject({ verdict: "complain", reason: { kind: "other-tenant" } });
    expect(verdictOf(explained("/srv/other", undefined, model), "acme/agent")).toMatchObject({ verdict: "complain", reason: { kind: "not-granted" } });
    // The protected denies are deny rules: enforced in complain mode too.
    expect(verdictOf(explained("/etc/shadow", undefined, model), "acme/agent")).toMatchObject({ verdict: "denied", reason: { kind: "protected" } });
    // Writes to a read-only grant are refused by a deny rule as well.
    expect(verdictOf(explained("/srv/images/base.img", undefined, model), "acme/agent")).toMatchObject({ verdict: "allowed", permissions: "rk", writesDenied: true });
    // The enforce-mode workload is denied as before.
    expect(verdictOf(explained("/srv/acme/x", undefined, model), "globex/db")).toMatchObject({ verdict: "denied", reason: { kind: "other-tenant" } });
  });

  it("a grant on a path that is a symlink on the host matches nothing at run time, and says so", () => {
    const disk = "/dev/disk/by-id/nvme-SAMSUNG_MZQL21T9HCJR-00A07_S64GNE0R712345";
    const model = modelOf({ "/q/host.iso": `tenant acme {\n  vm db {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "${disk}" rw\n    volume "/dev/vg0/acme-{data,wal}" rw\n  }\n}\n` }, false);
    expect(verdictOf(explained(disk, undefined, model), "acme/db")).toMatchObject({
      verdict: "denied",
      reason: { kind: "symlink", target: "/dev/sdX, /dev/nvmeXnY or /dev/dm-N", grants: [{ kind: "volume", glob: disk }] },
    });
    expect(verdictOf(explained("/dev/vg0/acme-wal", undefined, model), "acme/db")).toMatchObject({ verdict: "denied", reason: { kind: "symlink", target: "/dev/dm-N" } });
    // A node that is no link stays what its grant says.
    const plain = modelOf({ "/q/host.iso": 'tenant acme {\n  vm db {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    device "/dev/sdb" rw\n  }\n}\n' });
    expect(verdictOf(explained("/dev/sdb", undefined, plain), "acme/db")).toMatchObject({ verdict: "allowed", permissions: "rw" });
  });
});
