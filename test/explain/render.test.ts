import { describe, expect, it } from "vitest";
import { explain } from "../../src/explain/explain.js";
import { renderExplanationJson } from "../../src/explain/render-json.js";
import { renderExplanationText } from "../../src/explain/render-text.js";
import { EXPLAIN_SCOPE_NOTE, type Explanation } from "../../src/explain/types.js";
import { modelOf } from "./fixture.js";

const display = (file: string): string => file.replace(/^\/p\//, "");

function explained(path: string, workload?: string): Explanation {
  const e = explain(modelOf(), path, workload);
  if ("error" in e) throw new Error(e.error);
  return e;
}

describe("explain's text rendering", () => {
  it("one aligned row per workload with verdict, permissions and the deciding lines, then the scope note", () => {
    expect(renderExplanationText(explained("/var/lib/libvirt/images/base/ubuntu-24.04.qcow2"), display)).toBe(
      [
        "/var/lib/libvirt/images/base/ubuntu-24.04.qcow2",
        "  acme/web01 (vm)    allowed  rk, writes denied   volume ro at tenants/acme.iso:5  (shared with acme, globex at main.iso:6)",
        "  globex/ci01 (vm)   allowed  rk, writes denied   volume ro at tenants/globex.iso:5  (shared with acme, globex at main.iso:6)",
        "  acme/backup-agent  allowed (complain mode)  logged, not enforced; enforce mode denies it: not granted; its tenant's acme/web01 (tenants/acme.iso:5) has it",
        "  ops/nova-api       denied   belongs to acme/web01 (tenants/acme.iso:5), globex/ci01 (tenants/globex.iso:5)",
        `note: ${EXPLAIN_SCOPE_NOTE}`,
        "",
      ].join("\n"),
    );
  });

  it("pads the permissions of allowed rows to the widest of them, so the deciding lines start in one column", () => {
    const e = explained("/var/lib/libvirt/images/base/ubuntu-24.04.qcow2");
    // Narrower permissions on the first row than on the second.
    const [first, ...rest] = e.workloads;
    if (first?.verdict !== "allowed") throw new Error("the fixture's first workload is allowed this path");
    const narrowed: Explanation = { ...e, workloads: [{ ...first, permissions: "r", writesDenied: false }, ...rest] };
    const rows = renderExplanationText(narrowed, display).split("\n").filter((l) => l.includes("volume ro at"));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain("  allowed  r                   volume ro at tenants/acme.iso:5");
    expect(rows[0]!.indexOf("volume ro at")).toBe(rows[1]!.indexOf("volume ro at"));
  });

  it("says when a path is protected or host-shared, and cites implied rules as implied by libvirt", () => {
    const prot = renderExplanationText(explained("/srv/backups/x", "acme/web01"), display);
    expect(prot).toContain('\n  protected: "/srv/backups/**" at main.iso:3; every profile denies it, and a deny overrides any grant\n');
    expect(prot).toContain('\n  acme/web01 (vm)  denied   protected: "/srv/backups/**" at main.iso:3\n');
    expect(renderExplanationText(explained("/etc/libvirt/qemu.conf", "web01"), display)).toContain('denied   protected: "/etc/libvirt/**" (built-in)\n');
    expect(renderExplanationText(explained("/dev/kvm", "web01"), display)).toContain("a host-shared device node");
    const log = renderExplanationText(explained("/var/log/libvirt/qemu/web01.log"), display);
    expect(log).toContain("  acme/web01 (vm)    allowed  w   libvirt log, implied by libvirt for domain web01 (tenants/acme.iso:2)\n");
    expect(log).toContain("  globex/ci01 (vm)   denied   belongs to acme/web01 (libvirt log implied by libvirt for domain web01, tenants/acme.iso:2)\n");
  });

  it("shows control characters of the asked path visibly", () => {
    expect(renderExplanationText(explained("/tmp/a\u001b[2Jb"), display).split("\n")[0]).toBe("/tmp/a\\x1b[2Jb");
  });
});

describe("explain's JSON rendering", () => {
  it("has the documented shape, with files as displayed and no undefined fields", () => {
    const json = JSON.parse(renderExplanationJson(explained("@acme-backup"), display)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["path", "namespace", "hostShared", "protected", "workloads", "note"]);
    expect(json).toMatchObject({ path: "@acme-backup", namespace: "abstract", hostShared: false, protected: [], note: EXPLAIN_SCOPE_NOTE });
    const [allowed, ...denied] = json.workloads as Record<string, unknown>[];
    expect(allowed).toEqual({
      tenant: "acme",
      workload: "backup-agent",
      kind: "service",
      mode: "complain",
      verdict: "allowed",
      permissions: "bind, listen, accept, send, receive",
      writesDenied: false,
      grants: [{ kind: "socket", access: "rw", glob: "@acme-backup", allow: "bind, listen, accept, send, receive", deny: "", file: "tenants/acme.iso", line: 12, hostShared: false }],
    });
    expect(denied.map((d) => (d.reason as { kind: string }).kind)).toEqual(["not-granted", "other-tenant", "other-tenant"]);
    expect(denied[1]).toMatchObject({ tenant: "globex", verdict: "denied", reason: { owners: [{ tenant: "acme", workload: "backup-agent", grant: { file: "tenants/acme.iso", line: 12 } }] } });
    expect(denied[1]).not.toHaveProperty("permissions");
    const prot = JSON.parse(renderExplanationJson(explained("/etc/shadow", "web01"), display)) as { protected: unknown[] };
    expect(prot.protected).toEqual([{ glob: "/etc/shadow", builtin: true }]);
  });
});
