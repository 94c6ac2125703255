/**
 * The control plane in the JSON form: a container (with its LXC name), a service's reads, runs,
 * capabilities and network rules, written by hand in JSON, give the model the .iso text gives, with the
 * same diagnostics at the JSON's own nodes; `run … unconfined` is refused by the schema, saying why.
 */
import { describe, expect, it } from "vitest";
import { formatModelJson } from "../../src/emit/model-json.js";
import { locate, modelOf, normalizedModel } from "./pipeline.js";

const ISO = `tenant control {
  container galera {
    lxc    "infra1_galera_container-3ea2d8f4"
    volume "/dev/lxc/infra1_galera_container-3ea2d8f4" rw
    mode complain
  }
  container util {
    volume "/openstack/infra1_utility_container-a1b2c3d4/{,**}" rw
  }
  service nova-compute {
    exec "/openstack/venvs/nova/bin/nova-compute"
    read "/etc/nova/{,**}"
    run  "/usr/bin/qemu-img" inherit
    run  "/openstack/venvs/nova/bin/privsep-helper" own
    capability net_admin, sys_admin
    network inet stream
    network netlink
  }
  service privsep {
    exec "/openstack/venvs/nova/bin/privsep-helper"
    capability sys_admin
  }
}
`;

const JSON_POLICY = {
  tenants: [
    {
      name: "control",
      workloads: [
        {
          kind: "container",
          name: "galera",
          lxc: "infra1_galera_container-3ea2d8f4",
          mode: "complain",
          resources: [{ kind: "volume", path: "/dev/lxc/infra1_galera_container-3ea2d8f4", access: "rw" }],
        },
        {
          kind: "service",
          name: "nova-compute",
          exec: "/openstack/venvs/nova/bin/nova-compute",
          capabilities: ["net_admin", "sys_admin"],
          network: [{ family: "inet", type: "stream" }, { family: "netlink" }],
          resources: [
            { kind: "read", path: "/etc/nova/{,**}" },
            { kind: "run", path: "/usr/bin/qemu-img", mode: "inherit" },
            { kind: "run", path: "/openstack/venvs/nova/bin/privsep-helper", mode: "own" },
          ],
        },
        { kind: "service", name: "privsep", exec: "/openstack/venvs/nova/bin/privsep-helper", capabilities: ["sys_admin"] },
        { kind: "container", name: "util", resources: [{ kind: "volume", path: "/openstack/infra1_utility_container-a1b2c3d4/{,**}", access: "rw" }] },
      ],
    },
  ],
};

describe("the control plane in the JSON form", () => {
  it("written by hand, gives the model the .iso text gives", () => {
    const iso = modelOf({ "/h/p.iso": ISO });
    const json = modelOf({ "/h/p.iso.json": JSON.stringify(JSON_POLICY, null, 2) });
    expect(json.diagnostics.map((d) => d.code)).toEqual(iso.diagnostics.map((d) => d.code));
    expect(normalizedModel(json.model!)).toEqual(normalizedModel(iso.model!));
  });

  it("is what --emit-model prints, in the schema's key order", () => {
    const iso = modelOf({ "/h/p.iso": ISO });
    const printed = JSON.parse(formatModelJson(iso.model!)) as { tenants: { workloads: Record<string, unknown>[] }[] };
    const [galera, novaCompute, privsep, util] = printed.tenants[0]!.workloads;
    expect(Object.keys(galera!)).toEqual(["kind", "name", "lxc", "mode", "resources"]);
    expect(Object.keys(util!)).toEqual(["kind", "name", "mode", "resources"]);
    expect(Object.keys(novaCompute!)).toEqual(["kind", "name", "exec", "mode", "capabilities", "network", "resources"]);
    expect(novaCompute!["resources"]).toEqual(JSON_POLICY.tenants[0]!.workloads[1]!.resources);
    expect(privsep!["capabilities"]).toEqual(["sys_admin"]);
  });

  it("reports the model's problems at the JSON's nodes", () => {
    const bad = structuredClone(JSON_POLICY) as typeof JSON_POLICY & { tenants: { workloads: Record<string, unknown>[] }[] };
    bad.tenants[0]!.workloads[0]!["lxc"] = "infra1 galera";
    bad.tenants[0]!.workloads[1]!["capabilities"] = ["net_admin", "CAP_NET_RAW"];
    bad.tenants[0]!.workloads[1]!["network"] = [{ family: "inet4" }];
    (bad.tenants[0]!.workloads[1]!["resources"] as unknown[]).push({ kind: "run", path: "/usr/sbin/dnsmasq", mode: "own" });
    const text = JSON.stringify(bad, null, 2);
    const result = modelOf({ "/h/p.iso.json": text });
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'lxc "infra1 galera" is not an LXC container name: a name starts with a letter or digit and holds only letters, digits, \'.\', \'_\' and \'-\'',
      "unknown capability CAP_NET_RAW; did you mean net_raw?",
      "unknown network family inet4; did you mean inet?",
      'run "/usr/sbin/dnsmasq" own: tenant control has no service whose exec is exactly "/usr/sbin/dnsmasq"',
    ]);
    const line = (needle: string): number => text.slice(0, text.indexOf(needle)).split("\n").length;
    expect(locate(result).map((l) => l.replace(/:\d+$/, ""))).toEqual([
      `MOAT223@p.iso.json:${line('"infra1 galera"')}`,
      `MOAT224@p.iso.json:${line('"CAP_NET_RAW"')}`,
      `MOAT225@p.iso.json:${line('"inet4"')}`,
      `MOAT226@p.iso.json:${line('"/usr/sbin/dnsmasq"')}`,
    ]);
  });

  it("refuses run … unconfined in the schema, saying why", () => {
    const bad = structuredClone(JSON_POLICY);
    (bad.tenants[0]!.workloads[1]!.resources![1] as { mode: string }).mode = "unconfined";
    const result = modelOf({ "/h/p.iso.json": JSON.stringify(bad, null, 2) });
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      expect.stringMatching(/^MOAT111 \/tenants\/0\/workloads\/1\/resources\/1\/mode: must be one of "inherit", "own": run … unconfined does not exist: a child that leaves confinement \(Ux\) escapes every isolation moat proves/),
    ]);
  });

  it("refuses a run without its mode, and a network rule without its family", () => {
    const bad = structuredClone(JSON_POLICY) as { tenants: { workloads: Record<string, unknown>[] }[] };
    bad.tenants[0]!.workloads[1]!["resources"] = [{ kind: "run", path: "/usr/bin/x" }];
    bad.tenants[0]!.workloads[1]!["network"] = [{ type: "stream" }];
    const result = modelOf({ "/h/p.iso.json": JSON.stringify(bad, null, 2) });
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "/tenants/0/workloads/1/network/0: must have required property 'family'",
      "/tenants/0/workloads/1/resources/0: must have required property 'mode'",
    ]);
  });
});
