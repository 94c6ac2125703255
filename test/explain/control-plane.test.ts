/**
 * `moat explain` on what the control plane adds: a read grant is exactly `r` and makes nobody the
 * path's owner; a run is `ix` or `Px`; a container's volume is its host-side storage (no rule of its
 * profile), which it holds and every other tenant is denied.
 */
import { describe, expect, it } from "vitest";
import { explain } from "../../src/explain/explain.js";
import { renderExplanationJson } from "../../src/explain/render-json.js";
import { renderExplanationText } from "../../src/explain/render-text.js";
import type { Explanation, WorkloadVerdict } from "../../src/explain/types.js";
import { compileTexts } from "../support/memory.js";

const FILE = "/p/infra1.iso";
const POLICY = `tenant galera {
  container galera {
    lxc    "infra1_galera_container-3ea2d8f4"
    volume "/openstack/infra1_galera_container-3ea2d8f4/{,**}" rw
    volume "/dev/lxc/infra1_galera_container-3ea2d8f4"         rw
  }
}
tenant compute {
  service nova-compute {
    exec "/openstack/venvs/nova/bin/nova-compute"
    read "/etc/nova/{,**}"
    run  "/usr/bin/qemu-img" inherit
    run  "/openstack/venvs/nova/bin/privsep-helper" own
  }
  service privsep {
    exec "/openstack/venvs/nova/bin/privsep-helper"
    read "/etc/nova/{,**}"
  }
}
tenant glance {
  service glance-api {
    exec "/openstack/venvs/glance/bin/glance-api"
    read "/etc/glance/{,**}"
  }
}
`;

function explained(path: string): Explanation {
  const result = compileTexts({ [FILE]: POLICY });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const e = explain(result.model!, path);
  if ("error" in e) throw new Error(e.error);
  return e;
}

function verdictOf(e: Explanation, id: string): WorkloadVerdict {
  const v = e.workloads.find((w) => `${w.tenant}/${w.workload}` === id);
  if (v === undefined) throw new Error(`${id} not in the explanation`);
  return v;
}

const line = (needle: string): number => POLICY.slice(0, POLICY.indexOf(needle)).split("\n").length;

describe("explain on a read grant", () => {
  it("is exactly r, from the read's line, for each reader; it makes no one the owner", () => {
    const e = explained("/etc/nova/nova.conf");
    expect(verdictOf(e, "compute/nova-compute")).toEqual({
      tenant: "compute",
      workload: "nova-compute",
      kind: "service",
      mode: "enforce",
      verdict: "allowed",
      permissions: "r",
      writesDenied: false,
      grants: [{ kind: "read", access: "ro", glob: "/etc/nova/{,**}", allow: "r", deny: "", at: { file: FILE, line: line('read "/etc/nova') }, hostShared: false }],
    });
    expect(verdictOf(e, "compute/privsep")).toMatchObject({ verdict: "allowed", permissions: "r" });
    // Another tenant is simply not granted it: a read owns nothing, so nobody's path is at stake.
    expect(verdictOf(e, "glance/glance-api")).toMatchObject({ verdict: "denied", reason: { kind: "not-granted", sameTenant: [] } });
  });

  it("reads as such in the text table and the JSON", () => {
    const e = explained("/etc/nova/nova.conf");
    const text = renderExplanationText(e, (f) => f.replace("/p/", ""));
    expect(text).toMatch(new RegExp(`\\n  compute/nova-compute +allowed  r   read at infra1\\.iso:${line('read "/etc/nova')}\\n`));
    const json = JSON.parse(renderExplanationJson(e, (f) => f)) as { workloads: { workload: string; grants?: { kind: string }[] }[] };
    expect(json.workloads.find((w) => w.workload === "nova-compute")!.grants![0]!.kind).toBe("read");
  });

  it("a run is ix or Px, as the profile writes it", () => {
    expect(verdictOf(explained("/usr/bin/qemu-img"), "compute/nova-compute")).toMatchObject({
      verdict: "allowed",
      permissions: "ix",
      grants: [{ kind: "run", run: "inherit", allow: "ix" }],
    });
    const own = explained("/openstack/venvs/nova/bin/privsep-helper");
    expect(verdictOf(own, "compute/nova-compute")).toMatchObject({ verdict: "allowed", permissions: "Px", grants: [{ kind: "run", run: "own" }] });
    expect(renderExplanationText(own, (f) => f)).toContain("Px   run own at /p/infra1.iso:");
  });
});

describe("explain on a container's volume", () => {
  it("the container holds it on the host side, rw as granted; another tenant is denied it as the container's", () => {
    const path = "/openstack/infra1_galera_container-3ea2d8f4/ibdata1";
    const e = explained(path);
    expect(verdictOf(e, "galera/galera")).toEqual({
      tenant: "galera",
      workload: "galera",
      kind: "container",
      mode: "enforce",
      verdict: "allowed",
      permissions: "rw",
      writesDenied: false,
      grants: [
        {
          kind: "volume",
          access: "rw",
          glob: "/openstack/infra1_galera_container-3ea2d8f4/{,**}",
          allow: "rw",
          deny: "",
          at: { file: FILE, line: 4 },
          hostSide: true,
          hostShared: false,
        },
      ],
    });
    expect(verdictOf(e, "glance/glance-api")).toMatchObject({ verdict: "denied", reason: { kind: "other-tenant", owners: [{ tenant: "galera", workload: "galera" }] } });
    const text = renderExplanationText(e, (f) => f.replace("/p/", ""));
    expect(text).toContain("galera/galera (container)  allowed  rw   volume rw at infra1.iso:4  (host side: the container's storage, reached through its mounts; no rule of its profile)");
    expect(text).toMatch(/\n {2}glance\/glance-api +denied +belongs to galera\/galera \(infra1\.iso:4\)\n/);
    const json = JSON.parse(renderExplanationJson(e, (f) => f)) as { workloads: { workload: string; grants?: { hostSide?: boolean }[] }[] };
    expect(json.workloads.find((w) => w.workload === "galera")!.grants![0]!.hostSide).toBe(true);
  });

  it("its LV is mounted by LXC on the host, so no symlink verdict applies to the container", () => {
    const e = explained("/dev/lxc/infra1_galera_container-3ea2d8f4");
    expect(verdictOf(e, "galera/galera")).toMatchObject({ verdict: "allowed", permissions: "rw", grants: [{ hostSide: true }] });
    expect(verdictOf(e, "compute/nova-compute")).toMatchObject({ verdict: "denied", reason: { kind: "other-tenant" } });
  });
});
