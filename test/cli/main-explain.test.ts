/** moat explain through main(): the policy of test/explain/fixture.ts written to a temp folder. */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { EXPLAIN_SCOPE_NOTE } from "../../src/explain/types.js";
import { FILES } from "../explain/fixture.js";
import { tempDir, writeTree, runMain } from "./helpers.js";

const BASE = "/var/lib/libvirt/images/base/ubuntu-24.04.qcow2";

const run = runMain;

function project(files: Readonly<Record<string, string>> = FILES): string {
  const dir = tempDir();
  writeTree(dir, Object.fromEntries(Object.entries(files).map(([p, text]) => [p.replace(/^\/p\//, ""), text])));
  return dir;
}

describe("moat explain", () => {
  it("prints who may access the path and by which line, relative to the working folder; warnings are only counted", async () => {
    const dir = project();
    const r = await run(dir, ["explain", "main.iso", "--path", BASE]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        BASE,
        "  acme/web01 (vm)    allowed  rk, writes denied   volume ro at tenants/acme.iso:5  (shared with acme, globex at main.iso:6)",
        "  globex/ci01 (vm)   allowed  rk, writes denied   volume ro at tenants/globex.iso:5  (shared with acme, globex at main.iso:6)",
        "  acme/backup-agent  allowed (complain mode)  logged, not enforced; enforce mode denies it: not granted; its tenant's acme/web01 (tenants/acme.iso:5) has it",
        "  ops/nova-api       denied   belongs to acme/web01 (tenants/acme.iso:5), globex/ci01 (tenants/globex.iso:5)",
        `note: ${EXPLAIN_SCOPE_NOTE}`,
        "",
      ].join("\n"),
    );
    // the fixture's /dev/mapper volume draws MOAT307 warnings
    expect(r.err).toMatch(/^moat: the policy has \d+ warnings?; moat validate shows them\n$/);
    // the same answer from another folder, with paths relative to it; the folder form finds the same policy
    const sub = await run(path.join(dir, "tenants"), ["explain", "..", "--path", BASE]);
    expect(sub.out).toContain("volume ro at acme.iso:5  (shared with acme, globex at ../main.iso:6)");
  });

  it("--workload narrows to one workload; an unknown one is a usage error naming the candidates", async () => {
    const dir = project();
    const one = await run(dir, ["explain", "--path", "@acme-backup", "--workload", "backup-agent"]);
    expect(one.code).toBe(0);
    expect(one.out.split("\n").slice(0, 2)).toEqual([
      "@acme-backup",
      "  acme/backup-agent  allowed  bind, listen, accept, send, receive   socket at tenants/acme.iso:12  [complain mode: denials are logged, not enforced]",
    ]);
    const unknown = await run(dir, ["explain", "--path", BASE, "--workload", "globex/web01"]);
    expect(unknown).toMatchObject({ code: 2, out: "" });
    expect(unknown.err).toContain("moat: --workload globex/web01 is not a workload of the policy; the workloads are acme/web01, globex/ci01, acme/backup-agent, ops/nova-api\n");
    expect(unknown.err).toContain("Usage: moat explain");
  });

  it("--format json prints the documented shape with display paths", async () => {
    const r = await run(project(), ["explain", "--path", "/var/log/libvirt/qemu/web01.log", "--format", "json", "--workload", "acme/web01"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      path: "/var/log/libvirt/qemu/web01.log",
      namespace: "path",
      hostShared: false,
      protected: [],
      workloads: [
        {
          tenant: "acme",
          workload: "web01",
          kind: "vm",
          mode: "enforce",
          verdict: "allowed",
          permissions: "w",
          writesDenied: false,
          grants: [
            { kind: "implied", access: "rw", glob: "/var/log/libvirt/**/web01.log", allow: "w", deny: "", file: "tenants/acme.iso", line: 2, implied: "libvirt log", hostShared: false },
          ],
        },
      ],
      note: EXPLAIN_SCOPE_NOTE,
    });
  });

  it("a policy with errors is reported, not explained (exit 1); no policy at all is exit 2", async () => {
    const broken = { ...FILES, "/p/tenants/globex.iso": FILES["/p/tenants/globex.iso"]!.replace("images/globex/ci01.qcow2", "images/acme/web01.qcow2") };
    const r = await run(project(broken), ["explain", "--path", BASE]);
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toContain("error MOAT301");
    expect(r.err).toContain("moat: the policy has errors; fix them before asking what it grants\n");
    const none = await run(tempDir(), ["explain", "--path", BASE, "--format", "json"]);
    expect(none).toMatchObject({ code: 2, out: "" });
    expect(none.err).toContain("error MOAT218");
  });
});
