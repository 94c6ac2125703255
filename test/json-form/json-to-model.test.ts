import { describe, expect, it } from "vitest";
import { locate, modelOf, normalizedModel } from "./pipeline.js";

const UUID_A = "6F1C2A3E-0B7D-4A52-9A39-0B1F5C6D7E8F";
const UUID_B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";

const ISO = `policy compute-01
let images = "/var/lib/libvirt/images"
protect "/srv/backups/**"
tenant acme {
  vm web01 {
    uuid "${UUID_A}"
    volume "\${images}/acme/web01.qcow2" rw
    volume "\${images}/base/ubuntu.qcow2" ro
    device "/dev/vfio/12"
    socket "/run/libvirt/qemu/acme-web01.sock"
    mode complain
  }
  service backup-agent {
    exec "/usr/bin/backup-agent"
    volume "/srv/acme/{,**}" rw
    volume "/srv/acme/odd\\*name\\\\x \\"q\\" é"
    socket "@acme-backup"
    abstraction "nameservice"
    abstraction "ssl_certs"
  }
}
tenant globex {
  vm ci01 {
    uuid "${UUID_B}"
    volume "\${images}/base/ubuntu.qcow2" ro
  }
}
tenant acme {
  service empty { }
}
shared "\${images}/base/**" ro with acme, globex
`;

// The same policy by hand in the JSON form: lets substituted, glob escapes as JSON strings.
const JSON_TEXT = JSON.stringify(
  {
    policy: "compute-01",
    protect: ["/srv/backups/**"],
    tenants: [
      {
        name: "acme",
        workloads: [
          {
            kind: "vm",
            name: "web01",
            uuid: UUID_A,
            mode: "complain",
            resources: [
              { kind: "volume", path: "/var/lib/libvirt/images/acme/web01.qcow2", access: "rw" },
              { kind: "volume", path: "/var/lib/libvirt/images/base/ubuntu.qcow2", access: "ro" },
              { kind: "device", path: "/dev/vfio/12" },
              { kind: "socket", path: "/run/libvirt/qemu/acme-web01.sock" },
            ],
          },
          {
            kind: "service",
            name: "backup-agent",
            exec: "/usr/bin/backup-agent",
            abstractions: ["nameservice", "ssl_certs"],
            resources: [
              { kind: "volume", path: "/srv/acme/{,**}", access: "rw" },
              { kind: "volume", path: '/srv/acme/odd\\*name\\\\x "q" é' },
              { kind: "socket", path: "@acme-backup" },
            ],
          },
        ],
      },
      { name: "globex", workloads: [{ kind: "vm", name: "ci01", uuid: UUID_B, resources: [{ kind: "volume", path: "/var/lib/libvirt/images/base/ubuntu.qcow2", access: "ro" }] }] },
      { name: "acme", workloads: [{ kind: "service", name: "empty" }] },
    ],
    shared: [{ path: "/var/lib/libvirt/images/base/**", access: "ro", tenants: ["acme", "globex"] }],
  },
  null,
  2,
);

describe("a JSON policy resolves like the .iso text it transcribes", () => {
  it("gives the same model, warnings included", () => {
    const iso = modelOf({ "/p/host.iso": ISO });
    const json = modelOf({ "/p/host.iso.json": JSON_TEXT });
    expect(iso.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["MOAT220 service empty grants nothing"]);
    expect(json.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["MOAT220 service empty grants nothing"]);
    expect(normalizedModel(json.model!)).toEqual(normalizedModel(iso.model!));
    // Sanity: the comparison sees the things the two forms spell differently.
    const agent = json.model!.tenants[0]!.workloads.find((w) => w.name === "backup-agent")!;
    expect(agent.resources[1]!.path.text).toBe('/srv/acme/odd\\*name\\\\x "q" é');
    expect(json.model!.tenants[0]!.workloads.find((w) => w.name === "web01")!.uuid).toBe(UUID_A.toLowerCase());
    expect(json.model!.tenants[0]!.spans).toHaveLength(2);
  });

  it("reports model problems with the .iso codes, at the JSON node that causes them", () => {
    const text = [
      `{ "tenants": [`,
      `  { "name": "a", "workloads": [`,
      `    { "kind": "vm", "name": "v", "uuid": "not-a-uuid", "resources": [ { "kind": "volume", "path": "relative/x" } ] },`,
      `    { "kind": "service", "name": "s", "uuid": "${UUID_B}", "abstractions": ["bad name"],`,
      `      "resources": [ { "kind": "device", "path": "/dev/{a" }, { "kind": "socket", "path": "@" }, { "kind": "volume", "path": "/x/../y" } ] },`,
      `    { "kind": "vm", "name": "v", "uuid": "${UUID_B}" },`,
      `    { "kind": "vm", "name": "nouuid", "resources": [ { "kind": "volume", "path": "/srv/\\\\q" } ] }`,
      `  ] }`,
      `], "shared": [ { "path": "/srv/**", "access": "ro", "tenants": ["a", "ghost"] } ] }`,
    ].join("\n");
    const result = modelOf({ "/p/bad.iso.json": text });
    const rows = text.split("\n");
    const at = (line: number, needle: string): string => `bad.iso.json:${line}:${rows[line - 1]!.indexOf(needle) + 1}`;
    // Identifiers are located inside their quotes, as a name in .iso has none; strings at their opening quote.
    // No MOAT220 ("grants nothing"): a vm always carries libvirt's rules for the domain.
    expect(locate(result)).toEqual([
      `MOAT211@${at(3, '"not-a-uuid"')}`,
      `MOAT213@${at(3, '"relative/x"')}`,
      `MOAT210@${at(4, '"uuid"')}`,
      `MOAT216@${at(4, '"bad name"')}`,
      `MOAT215@${at(5, '"/dev/{a"')}`,
      `MOAT217@${at(5, '"@"')}`,
      `MOAT214@${at(5, '"/x/../y"')}`,
      `MOAT206@${at(6, 'v"')}`,
      `MOAT209@${at(7, "nouuid")}`,
      `MOAT215@${at(7, '"/srv/')}`,
      `MOAT219@${at(9, "ghost")}`,
    ]);
  });

  it("treats ${ in a JSON string as text: the JSON form has no lets", () => {
    const text = JSON.stringify({ tenants: [{ name: "a", workloads: [{ kind: "service", name: "s", resources: [{ kind: "volume", path: "/srv/$\\{x\\}" }] }] }] });
    const result = modelOf({ "/p/a.iso.json": text });
    expect(locate(result)).toEqual([]);
    expect(result.model!.tenants[0]!.workloads[0]!.resources[0]!.path.text).toBe("/srv/$\\{x\\}");
    const interpolated = modelOf({ "/p/a.iso.json": text.replace("$\\\\{x\\\\}", "${x}") });
    expect(interpolated.diagnostics.map((d) => d.code)).toEqual(["MOAT215"]);
    expect(interpolated.diagnostics[0]!.message).toContain("${x}");
  });

  it("merges tenants across .iso and JSON files of one compilation", () => {
    const result = modelOf({
      "/p/a.iso": `tenant acme { vm web { uuid "${UUID_B}"\n volume "/srv/acme/web.img" } }\n`,
      "/p/b.iso.json": JSON.stringify({ tenants: [{ name: "acme", workloads: [{ kind: "service", name: "agent", resources: [{ kind: "socket", path: "@acme" }] }] }] }),
    });
    expect(locate(result)).toEqual([]);
    expect(result.model!.tenants.map((t) => [t.name, t.workloads.map((w) => w.name)])).toEqual([["acme", ["agent", "web"]]]);
  });
});
