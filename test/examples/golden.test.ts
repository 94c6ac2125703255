/**
 * The bundled examples are what a user would commit: compiling each host folder must reproduce its
 * committed generated/ folder byte for byte, from any working folder and whatever the order of the
 * inputs, and every committed output must pass the real validators.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { describeWithValidators, checkProfiles, domainWithSeclabel, validateDomain, validateSeclabel } from "../support/validators.js";
import { snapshot, tempDir } from "../cli/helpers.js";

const repo = path.resolve(import.meta.dirname, "../..");
const HOSTS = ["compute-01", "control-01", "openstack-ansible"];

function committed(host: string): Record<string, string> {
  return snapshot(path.join(repo, "examples", host, "generated"));
}

async function compileInto(cwd: string, argv: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await main(argv, { cwd, stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, env: {} });
  return { code, err };
}

for (const host of HOSTS) {
  it(`${host}: compiling reproduces the committed outputs byte for byte`, async () => {
    const out = tempDir();
    const { code, err } = await compileInto(repo, ["compile", `examples/${host}`, "--out", out]);
    expect(code, err).toBe(0);
    const files = committed(host);
    expect(Object.keys(files).length).toBeGreaterThan(5);
    expect(snapshot(out)).toEqual(files);
  });

  it(`${host}: the same bytes from another working folder, with the files named one by one in reverse`, async () => {
    const hostDir = path.join(repo, "examples", host);
    const isoFiles = Object.keys(snapshot(hostDir)).filter((f) => f.endsWith(".iso") && !f.startsWith("generated/"));
    const out = tempDir();
    const { code, err } = await compileInto(hostDir, ["compile", ...isoFiles.reverse(), "--out", out]);
    expect(code, err).toBe(0);
    expect(snapshot(out)).toEqual(committed(host));
  });
}

it("compute-01's only diagnostics are the documented MOAT307 summary of its four LVM grants and MOAT311 on its complain-mode agent", async () => {
  const { code, err } = await compileInto(repo, ["validate", "examples/compute-01"]);
  expect(code).toBe(0);
  expect(err.match(/(error|warning) MOAT\d+/g)?.sort()).toEqual(["warning MOAT307", "warning MOAT311"]);
  // One line for every grant that names an LVM link, at the first of them, however many there are.
  expect(err).toMatch(/tenants\/acme\.iso:\d+:12: warning MOAT307: 4 grants name links on the host, the first "\/dev\/vg0\/acme-db01-\{data,wal\}" \(to \/dev\/dm-N\)/);
  expect(err).toMatch(/warning MOAT311: service acme\/backup-agent is in complain mode: its isolation is logged, not enforced/);
});

it("control-01 compiles without a single diagnostic", async () => {
  const { code, err } = await compileInto(repo, ["validate", "examples/control-01"]);
  expect(code).toBe(0);
  expect(err).not.toMatch(/MOAT\d/);
});

it("openstack-ansible compiles without a diagnostic: its containers' LVs are host-side storage, which install adds no rule for (no MOAT307)", async () => {
  const { code, err } = await compileInto(repo, ["validate", "examples/openstack-ansible"]);
  expect(code).toBe(0);
  expect(err).not.toMatch(/MOAT\d/);
});

it("openstack-ansible: every container has its profile and its LXC config lines, and nothing else", () => {
  const files = committed("openstack-ansible");
  const confs = Object.keys(files).filter((p) => p.startsWith("lxc/")).sort();
  expect(confs).toEqual([
    "lxc/galera.galera.conf",
    "lxc/glance.glance.conf",
    "lxc/keystone.keystone.conf",
    "lxc/neutron.neutron-server.conf",
    "lxc/nova.nova-api.conf",
    "lxc/rabbitmq.rabbitmq.conf",
  ]);
  for (const conf of confs) {
    const profile = /^lxc\/([^.]+)\.(.+)\.conf$/.exec(conf)!;
    const name = `moat.${profile[1]}.${profile[2]}`;
    const lines = files[conf]!.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(lines).toEqual([`lxc.apparmor.profile = ${name}`, "lxc.apparmor.allow_nesting = 0"]);
    expect(files[`apparmor.d/${name}`]).toContain(`profile ${name} flags=(attach_disconnected, mediate_deleted) {\n  include <abstractions/lxc/container-base>\n`);
  }
});

describeWithValidators("the committed example outputs and the real validators", ["apparmor_parser", "libvirt-qemu-abstraction", "lxc-abstractions", "xmllint", "virt-xml-validate", "libvirt-schemas"], () => {
  for (const host of HOSTS) {
    it(`${host}: every profile passes apparmor_parser --warn=all --Werror`, () => {
      const profiles = Object.entries(committed(host)).filter(([p]) => p.startsWith("apparmor.d/"));
      expect(profiles.length).toBeGreaterThan(0);
      const results = checkProfiles(profiles.map(([name, content]) => ({ name, content })));
      expect(results.filter((r) => !r.ok)).toEqual([]);
    });
  }

  it("compute-01: every seclabel passes libvirt's schema, alone and inside a whole domain", () => {
    const snippets = Object.entries(committed("compute-01")).filter(([p]) => p.startsWith("libvirt/"));
    expect(snippets.length).toBe(11);
    for (const [name, xml] of snippets) {
      expect([name, validateSeclabel(xml).ok]).toEqual([name, true]);
      const uuid = /<label>libvirt-([0-9a-f-]{36})<\/label>/.exec(xml)![1]!;
      const vm = name.replace(/^libvirt\/[^.]+\./, "").replace(/\.seclabel\.xml$/, "");
      expect([name, validateDomain(domainWithSeclabel(vm, uuid, xml)).ok]).toEqual([name, true]);
    }
  });
});

it("the committed manifests name only files that exist in their folder", () => {
  for (const host of HOSTS) {
    const files = committed(host);
    const manifest = JSON.parse(files["moat-manifest.json"]!) as { outputs: { path: string }[] };
    expect(manifest.outputs.map((o) => o.path).sort()).toEqual(Object.keys(files).filter((f) => f !== "moat-manifest.json" && files[f] !== "<dir>").sort());
    expect(fs.existsSync(path.join(repo, "examples", host, "generated", ".moat.lock"))).toBe(false);
  }
});
