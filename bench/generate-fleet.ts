/**
 * A deterministic compute fleet, written as the `.iso` files an operator would keep in git: one main
 * file with the site's lets and protected paths, one folder per availability zone holding a zone file
 * (its includes and the zone's shared golden images) and one file per tenant, plus a few tenants whose
 * services live in a separate file (tenant blocks merge across files), plus the control plane.
 *
 * The fleet is isolated by construction, as a real one is: every tenant has its own image folder, LVM
 * volume nodes, vfio groups and sockets; VM names are unique in their first 20 characters (libvirt's
 * per-domain folder uses that short name); the only cross-tenant overlap is the zone's read-only golden
 * images, declared by a `shared … ro with` listing exactly the tenants of the zone. So the whole pipeline
 * runs, emit included, and a compile that reports anything means the generator or moat is wrong.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Prng } from "./prng.js";

export interface FleetOptions {
  /** Declared resources (volume, device, socket lines) to reach; the fleet stops at the first tenant past it. */
  readonly resources: number;
  readonly seed?: number;
  /** Tenants per availability zone; a zone's tenants share its golden images. */
  readonly tenantsPerZone?: number;
  /** Also grant each LV by its /dev/VG/LV or /dev/mapper link (one MOAT307 warning each). */
  readonly lvLinks?: boolean;
}

export interface FleetStats {
  readonly tenants: number;
  readonly zones: number;
  readonly vms: number;
  readonly services: number;
  /** Declared resource lines (volume, device, socket), the size the benchmark is indexed by. */
  readonly resources: number;
  readonly files: number;
  readonly bytes: number;
}

export interface Fleet {
  /** Relative POSIX path -> file text; `main.iso` includes everything else, directly or not. */
  readonly files: ReadonlyMap<string, string>;
  readonly stats: FleetStats;
}

const WORDS = [
  "acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne", "wonka", "tyrell",
  "cyberdy", "soylent", "oscorp", "gringot", "monarch", "aperture", "contoso", "fabrikm", "northw", "zorg",
];
const ROLES = ["web", "db", "app", "ci", "kv", "gpu", "k8s", "mq", "etl"];
const DISTROS = [
  "ubuntu-24.04-server-cloudimg-amd64.img", "ubuntu-22.04-server-cloudimg-amd64.img", "debian-12-genericcloud-amd64.qcow2",
  "rocky-9.4-genericcloud.qcow2", "windows-server-2022.qcow2", "fedora-coreos-40.qcow2",
];
const CONTROL_SERVICES = ["nova-api", "nova-conductor", "nova-scheduler", "glance-api", "neutron-server", "placement-api", "keystone"];

/** Column at which a resource's access mode starts, as a hand-aligned policy has it. */
const ALIGN = 56;

export function generateFleet(options: FleetOptions): Fleet {
  const rng = new Prng(options.seed ?? 0x6d6f6174);
  const perZone = options.tenantsPerZone ?? 10;
  const files = new Map<string, string>();
  const uuids = new Set<string>();
  const counts = { tenants: 0, vms: 0, services: 0, resources: 0 };
  let vfioGroup = 16; // IOMMU groups below 16 belong to the host's own devices
  let dmNode = 8; // the host's own LVs come first

  const zones: { name: string; tenants: string[] }[] = [];
  const separateServices: string[] = [];
  while (counts.resources < options.resources) {
    if (zones.length === 0 || zones[zones.length - 1]!.tenants.length === perZone) {
      zones.push({ name: `zone-${String(zones.length + 1).padStart(3, "0")}`, tenants: [] });
    }
    const zone = zones[zones.length - 1]!;
    const zoneIndex = zones.length;
    const tenant = `${WORDS[counts.tenants % WORDS.length]}-${String(counts.tenants + 1).padStart(4, "0")}`;
    counts.tenants++;
    zone.tenants.push(tenant);

    const lines: string[] = [`# ${tenant}: ${zone.name}, generated fleet (seeded); VM disks under \${images}/${tenant}`, `tenant ${tenant} {`];
    const vmCount = rng.int(4, 16);
    const perRole = new Map<string, number>();
    const vg = `vg${zoneIndex % 4}`;
    for (let v = 0; v < vmCount; v++) {
      const role = rng.pick(ROLES);
      const n = (perRole.get(role) ?? 0) + 1;
      perRole.set(role, n);
      const vm = `${tenant}-${role}${String(n).padStart(2, "0")}`;
      let uuid = rng.uuid();
      while (uuids.has(uuid)) uuid = rng.uuid();
      uuids.add(uuid);
      const items: [string, string, string?][] = [];
      items.push(rng.chance(0.2) ? ["volume", `\${images}/${tenant}/${vm}-{root,data}.qcow2`, "rw"] : ["volume", `\${images}/${tenant}/${vm}.qcow2`, "rw"]);
      items.push(["volume", `\${images}/base/${zone.name}/${rng.pick(DISTROS)}`, "ro"]);
      if (rng.chance(0.7)) items.push(["volume", `\${nvram}/${vm}_VARS.fd`, "rw"]);
      if (rng.chance(0.8)) items.push(["socket", `\${agents}/${vm}.org.qemu.guest_agent.0`]);
      if (rng.chance(0.4)) {
        // AppArmor mediates the node an LV link resolves to, so that node is what a working policy grants
        // (moat warns, MOAT307, on a link granted alone). With lvLinks the link is granted too, a quarter
        // of them by their device-mapper name, which moat must see as /dev/VG/LV.
        items.push(["volume", `/dev/dm-${dmNode++}`, "rw"]);
        if (options.lvLinks === true) {
          const lv = `${vm}-data`;
          items.push(["volume", rng.chance(0.25) ? `/dev/mapper/${vg}-${lv.replace(/-/g, "--")}` : `/dev/${vg}/${lv}`, "rw"]);
        }
      }
      if (rng.chance(0.25)) items.push(["device", `/dev/vfio/${vfioGroup++}`, "rw"]);
      if (rng.chance(0.3)) items.push(["socket", `\${vhu}/vhu-${vm}`]);
      if (rng.chance(0.2)) items.push(["device", "/dev/vhost-vsock", "rw"]);
      lines.push(`  vm ${vm} {`, `    uuid   "${uuid}"`);
      for (const [kind, value, access] of items) lines.push(resourceLine(kind, value, access));
      if (rng.chance(0.05)) lines.push(`    mode complain                                      # being migrated from virt-aa-helper`);
      lines.push("  }", "");
      counts.vms++;
      counts.resources += items.length;
    }
    const service = rng.chance(0.25) ? serviceBlock(tenant, rng.chance(0.5)) : undefined;
    if (service !== undefined) {
      counts.services++;
      counts.resources += service.resources;
      if (rng.chance(0.3)) {
        separateServices.push(tenant);
        files.set(`services/${tenant}.iso`, [`# ${tenant}'s host agents, kept apart from its VMs`, `tenant ${tenant} {`, ...service.lines, "}", ""].join("\n"));
      } else {
        lines.push(...service.lines);
      }
    }
    if (lines[lines.length - 1] === "") lines.pop();
    lines.push("}", "");
    files.set(`zones/${zone.name}/tenants/${tenant}.iso`, lines.join("\n"));
  }

  for (const zone of zones) {
    const text = [
      `# ${zone.name}: ${zone.tenants.length} tenants. Golden images are synced nightly into \${images}/base/${zone.name}.`,
      ...zone.tenants.map((t) => `include "tenants/${t}.iso"`),
      "",
      `shared "\${images}/base/${zone.name}/**" ro with ${wrapList(zone.tenants)}`,
      "",
    ].join("\n");
    files.set(`zones/${zone.name}/zone.iso`, text);
  }

  const control = controlPlane();
  counts.services += control.services;
  counts.resources += control.resources;
  files.set("control/ops.iso", control.text);

  files.set("main.iso", mainFile(zones.map((z) => z.name), separateServices));

  let bytes = 0;
  for (const text of files.values()) bytes += Buffer.byteLength(text);
  return { files, stats: { ...counts, zones: zones.length, files: files.size, bytes } };
}

function resourceLine(kind: string, value: string, access?: string): string {
  const head = `    ${kind.padEnd(6)} "${value}"`;
  return access === undefined ? head : `${head.padEnd(ALIGN)} ${access}`;
}

function serviceBlock(tenant: string, complain: boolean): { lines: string[]; resources: number } {
  const lines = [
    `  # ships the tenant's database dumps off-site`,
    `  service backup-agent {`,
    `    exec   "/opt/${tenant}/bin/backup-agent"`,
    resourceLine("volume", `/srv/${tenant}/backup-staging/{,**}`, "rw"),
    resourceLine("volume", `/etc/${tenant}/backup-agent.toml`, "ro"),
    resourceLine("socket", `@${tenant}-backup`),
    `    abstraction "nameservice"`,
    `    abstraction "openssl"`,
  ];
  if (complain) lines.push("    mode complain");
  lines.push("  }");
  return { lines, resources: 3 };
}

function controlPlane(): { text: string; services: number; resources: number } {
  const lines = ["# The control plane's services on this host.", "tenant ops {"];
  for (const name of CONTROL_SERVICES) {
    const project = name.split("-")[0]!;
    lines.push(
      `  service ${name} {`,
      `    exec   "\${venv}/${name}"`,
      resourceLine("volume", `\${kolla}/${name}/{,**}`, "ro"),
      resourceLine("volume", `\${logs}/${project}/${name}.log`, "rw"),
      `    abstraction "nameservice"`,
      `    abstraction "python"`,
      "  }",
    );
  }
  lines.push("}", "");
  return { text: lines.join("\n"), services: CONTROL_SERVICES.length, resources: 2 * CONTROL_SERVICES.length };
}

function mainFile(zones: readonly string[], separateServices: readonly string[]): string {
  return [
    "# A generated compute fleet (moat benchmark): site constants, protected paths, zones.",
    "policy bench-fleet",
    "",
    `let images = "/var/lib/libvirt/images"`,
    `let nvram  = "/var/lib/libvirt/qemu/nvram"`,
    `let agents = "/var/lib/libvirt/qemu/channel/target"`,
    `let vhu    = "/run/openvswitch"`,
    `let venv   = "/opt/openstack/venv/bin"`,
    `let kolla  = "/var/lib/kolla/config_files"`,
    `let logs   = "/var/log/kolla"`,
    "",
    `protect "/etc/ceph/*.keyring"`,
    `protect "/etc/ssl/private/**"`,
    `protect "/srv/backups/**"`,
    "",
    `include "control/ops.iso"`,
    ...zones.map((z) => `include "zones/${z}/zone.iso"`),
    ...separateServices.map((t) => `include "services/${t}.iso"`),
    "",
  ].join("\n");
}

/** A long `with` list broken over lines, eight names a line. */
function wrapList(names: readonly string[]): string {
  const rows: string[] = [];
  for (let i = 0; i < names.length; i += 8) rows.push(names.slice(i, i + 8).join(", "));
  return rows.join(",\n    ");
}

/** Writes the fleet under `dir` (created); returns the absolute paths of the `.iso` files, sorted. */
export function writeFleet(fleet: Fleet, dir: string): string[] {
  const written: string[] = [];
  for (const [rel, text] of fleet.files) {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
    written.push(full);
  }
  return written.sort();
}
