/**
 * The Nova side of the language (docs/nova.md): projects, a tenant's direct grants, the `nova`
 * statement, their diagnostics, and how the isolation rules see a tenant's direct grants.
 */
import { describe, expect, it } from "vitest";
import { compileTexts, located } from "../support/memory.js";
import { formatSource } from "../../src/format/format-source.js";

const P1 = "8f3a1c2e9b7d4e5fa0b1c2d3e4f5a6b7";
const P2 = "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f";

describe("projects and a tenant's direct grants", () => {
  it("maps projects to tenants and keeps direct grants apart from workloads", () => {
    const result = compileTexts({
      "/p/main.iso": `tenant acme {\n  project "${P2}"\n  project "${P1}"\n  volume "/srv/acme/**" rw\n  read "/srv/iso/*.iso"\n  abstraction "nameservice"\n}\n`,
    });
    expect(located(result)).toEqual([]);
    const acme = result.model!.tenants[0]!;
    expect(acme.projects?.map((p) => p.name)).toEqual([P2, P1].sort());
    expect(acme.workloads).toEqual([]);
    expect(acme.instances?.name).toBe("(nova)");
    expect(acme.instances?.resources.map((r) => `${r.kind} ${r.path.text} ${r.access}`)).toEqual(["volume /srv/acme/** rw", "read /srv/iso/*.iso ro"]);
    expect(acme.instances?.abstractions.map((a) => a.name)).toEqual(["nameservice"]);
    expect(result.model!.nova).toEqual({ instances: "/var/lib/nova/instances", unknownProject: "refuse" });
  });

  it("refuses a project ID outside [A-Za-z0-9_-]{1,64}", () => {
    for (const bad of ['a"b', "a/b", "", "x".repeat(65), "a b", "../x"]) {
      const text = bad.replace(/"/g, '\\"');
      const result = compileTexts({ "/p/main.iso": `tenant acme {\n  project "${text}"\n}\n` });
      expect(located(result), bad).toEqual(["MOAT240@/p/main.iso:2:11"]);
    }
    expect(located(compileTexts({ "/p/main.iso": `tenant acme {\n  project "${"x".repeat(64)}"\n}\n` }))).toEqual([]);
  });

  it("refuses one project claimed by two tenants, naming the first", () => {
    const result = compileTexts({ "/p/main.iso": `tenant acme {\n  project "${P1}"\n}\ntenant globex {\n  project "${P1}"\n}\n` });
    expect(located(result)).toEqual(["MOAT241@/p/main.iso:5:11"]);
    expect(result.diagnostics[0]!.related[0]!.message).toBe("tenant acme claims it here");
  });

  it("takes only project, volume, device, socket, read and abstraction directly in a tenant", () => {
    const result = compileTexts({ "/p/main.iso": `tenant acme {\n  uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n  mode complain\n  run "/bin/x" inherit\n  socket "/run/acme.sock"\n}\n` });
    expect(located(result)).toEqual(["MOAT242@/p/main.iso:2:3", "MOAT242@/p/main.iso:3:3", "MOAT242@/p/main.iso:4:3"]);
  });

  it("checks a direct grant against other tenants like any workload's", () => {
    const result = compileTexts({
      "/p/main.iso": `tenant acme {\n  project "${P1}"\n  volume "/srv/data/**"\n}\ntenant globex {\n  service db {\n    volume "/srv/data/db.img"\n  }\n}\n`,
    });
    expect(located(result)).toEqual(["MOAT301@/p/main.iso:7:12"]);
    expect(result.diagnostics[0]!.message).toContain("acme/(nova)");
  });

  it("refuses a direct grant of a protected path", () => {
    const result = compileTexts({ "/p/main.iso": `tenant acme {\n  read "/etc/shadow"\n}\n` });
    expect(located(result)).toEqual(["MOAT304@/p/main.iso:2:8"]);
  });
});

describe("the nova statement", () => {
  it("sets the instances folder and the unknown-project action", () => {
    const result = compileTexts({ "/p/main.iso": `nova {\n  instances "/srv/nova/instances/"\n  unknown-project unassigned\n}\n` });
    expect(located(result)).toEqual([]);
    expect(result.model!.nova).toMatchObject({ instances: "/srv/nova/instances", unknownProject: "unassigned" });
  });

  it("refuses a relative or globbed instances folder, and a setting or statement given twice", () => {
    const result = compileTexts({
      "/p/main.iso": `nova {\n  instances "srv/nova"\n  instances "/a"\n}\nnova {\n  unknown-project refuse\n}\n`,
      "/p/other.iso": `nova {\n  instances "/srv/*/instances"\n}\n`,
    });
    expect(located(result)).toEqual(["MOAT244@/p/main.iso:2:13", "MOAT243@/p/main.iso:3:3", "MOAT243@/p/main.iso:5:1", "MOAT243@/p/other.iso:1:1"]);
  });

  it("keeps nova, project and the other words usable as names", () => {
    const result = compileTexts({ "/p/main.iso": `tenant nova {\n  service project {\n    volume "/srv/x"\n  }\n}\n` });
    expect(located(result)).toEqual([]);
  });
});

describe("fmt", () => {
  it("lays out the nova statement and a tenant's direct items, keeping source order", () => {
    const text = `nova {\n instances "/srv/i"\n   unknown-project   unassigned }\ntenant acme {\n project "${P1}"\n  volume "/srv/acme/**" rw\n  vm web { uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n volume "/v/w" }\n read "/srv/iso"\n}\n`;
    const formatted = formatSource({ path: "/p/main.iso", text });
    expect(formatted.diagnostics).toEqual([]);
    expect(formatted.text).toBe(
      `nova {\n  instances "/srv/i"\n  unknown-project unassigned\n}\n\ntenant acme {\n  project "${P1}"\n  volume  "/srv/acme/**" rw\n  vm web {\n    uuid   "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "/v/w"\n  }\n  read    "/srv/iso"\n}\n`,
    );
    expect(formatSource({ path: "/p/main.iso", text: formatted.text! }).text).toBe(formatted.text);
  });
});

describe("the JSON form", () => {
  it("holds projects, a tenant's direct grants and the nova statement, as the .iso form does", () => {
    const json = JSON.stringify({
      nova: { instances: "/srv/nova/instances", unknownProject: "unassigned" },
      tenants: [{ name: "acme", projects: [P1], abstractions: ["nameservice"], resources: [{ kind: "volume", path: "/srv/acme/**" }], workloads: [] }],
    });
    const fromJson = compileTexts({ "/p/main.iso.json": json });
    const fromIso = compileTexts({
      "/p/main.iso": `nova {\n  instances "/srv/nova/instances"\n  unknown-project unassigned\n}\ntenant acme {\n  project "${P1}"\n  abstraction "nameservice"\n  volume "/srv/acme/**"\n}\n`,
    });
    expect(located(fromJson)).toEqual([]);
    const strip = (value: unknown): string => JSON.stringify(value, (key, v: unknown) => (key === "span" || key === "spans" || key === "sources" ? undefined : v));
    expect(strip(fromJson.model!.tenants)).toBe(strip(fromIso.model!.tenants));
    expect(strip(fromJson.model!.nova)).toBe(strip(fromIso.model!.nova));
  });

  it("refuses a run among a tenant's direct grants, at its object", () => {
    const json = `{ "tenants": [{ "name": "acme", "resources": [{ "kind": "run", "path": "/bin/x", "mode": "inherit" }], "workloads": [] }] }`;
    expect(located(compileTexts({ "/p/main.iso.json": json }))).toEqual(["MOAT242@/p/main.iso.json:1:47"]);
  });
});

describe("explain", () => {
  it("answers for a tenant's Nova instances as tenant/(nova), and names them as the owner others are denied for", async () => {
    const { explain } = await import("../../src/explain/explain.js");
    const result = compileTexts({
      "/p/main.iso": `tenant acme {\n  project "${P1}"\n  volume "/srv/acme/**"\n}\ntenant globex {\n  service db {\n    volume "/srv/globex/db"\n  }\n}\n`,
    });
    const answer = explain(result.model!, "/srv/acme/disk.img");
    if ("error" in answer) throw new Error(answer.error);
    const verdicts = answer.workloads.map((w) => `${w.tenant}/${w.workload} ${w.verdict}`);
    expect(verdicts).toEqual(["acme/(nova) allowed", "globex/db denied"]);
    const denied = answer.workloads.find((w) => w.workload === "db")!;
    expect(JSON.stringify(denied)).toContain("(nova)");
  });
});

describe("--emit-model", () => {
  it("writes projects, direct grants and the nova statement, and compiling it gives the same outputs", async () => {
    const { formatModelJson } = await import("../../src/emit/model-json.js");
    const iso = compileTexts({
      "/p/main.iso": `nova {\n  instances "/srv/nova/instances"\n}\ntenant acme {\n  project "${P1}"\n  abstraction "nameservice"\n  volume "/srv/acme/**" ro\n  service s {\n    volume "/srv/s"\n  }\n}\n`,
    });
    const json = formatModelJson(iso.model!);
    expect(JSON.parse(json)).toMatchObject({ nova: { instances: "/srv/nova/instances", unknownProject: "refuse" }, tenants: [{ projects: [P1], abstractions: ["nameservice"], resources: [{ kind: "volume", path: "/srv/acme/**", access: "ro" }] }] });
    const again = compileTexts({ "/p/main.iso.json": json });
    expect(located(again)).toEqual([]);
    const contents = (r: typeof iso): string[] => r.outputs.filter((o) => o.path.startsWith("apparmor.d/moat/nova/") || o.path === "moat-nova.json").map((o) => o.content.replace(/from \S+:/, "from X:").replace(/\(\S+:\d+\)/g, "(X)"));
    const paths = (r: typeof iso): string[] => r.outputs.map((o) => o.path).filter((p) => p.startsWith("apparmor.d/moat/nova/") || p === "moat-nova.json").sort();
    expect(paths(iso)).toEqual(["apparmor.d/moat/nova/tenant.acme", "apparmor.d/moat/nova/unassigned", "moat-nova.json"]);
    expect(paths(again)).toEqual(paths(iso));
    expect(contents(again)).toEqual(contents(iso));
  });
});
