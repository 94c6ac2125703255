/**
 * Generated multi-tenant policies for the kernel suite: a few tenants with VMs and services, rw and ro
 * volumes (literal paths, alternations, classes and `{,**}` folders), devices, sockets, golden images
 * shared read-only with some tenants only, the policy's own protected paths, and one service in
 * complain mode. Small on purpose: every workload is tried on every path, in one boot. The same seed
 * gives the same policy.
 */
import { Prng } from "../../bench/prng.js";

export interface FleetPolicy {
  readonly seed: number;
  /** The policy's one file. */
  readonly text: string;
  /** Tenants listed in the `shared … ro with`, and those left out of it. */
  readonly sharedWith: readonly string[];
  readonly notShared: readonly string[];
  readonly complainService: string;
}

export function fleetPolicy(seed: number): FleetPolicy {
  const rnd = new Prng(seed);
  const tenants = ["amber", "birch", "cedar", "dune"].slice(0, rnd.int(3, 4));
  // At least two tenants share the golden images, at least one does not.
  const shuffled = [...tenants].sort(() => rnd.next() - 0.5);
  const sharedCount = rnd.int(2, tenants.length - 1);
  const sharedWith = shuffled.slice(0, sharedCount).sort();
  const notShared = shuffled.slice(sharedCount).sort();
  const images = ["debian-12.qcow2", "ubuntu-24.04.img", "rhel-9.4.qcow2"];
  let vfio = 10 + rnd.int(0, 9);
  const lines: string[] = [
    `# Generated for the kernel suite (test/kernel/fleet-policy.ts), seed ${seed}.`,
    "policy kernel-fleet",
    "",
    'let images = "/var/lib/libvirt/images"',
    'let nvram = "/var/lib/libvirt/qemu/nvram"',
    'protect "/srv/vault/**"',
    'protect "/etc/fleet/*.key"',
    "",
  ];
  const services: string[] = [];
  for (const t of tenants) {
    lines.push(`tenant ${t} {`);
    const vms = rnd.int(1, 3);
    for (let v = 0; v < vms; v++) {
      const vm = `${t}-vm${v}`;
      lines.push(`  vm ${vm} {`, `    uuid "${rnd.uuid()}"`);
      lines.push(`    volume "\${images}/${t}/${vm}.qcow2" rw`);
      if (rnd.chance(0.6)) lines.push(`    volume "\${images}/${t}/${vm}-{data,logs}.raw" rw`);
      if (rnd.chance(0.5)) lines.push(`    volume "\${images}/${t}/${vm}-seed.iso" ro`);
      if (sharedWith.includes(t)) lines.push(`    volume "\${images}/base/${rnd.pick(images)}" ro`);
      if (rnd.chance(0.5)) lines.push(`    volume "\${nvram}/${vm}_VARS.fd" rw`);
      if (rnd.chance(0.7)) lines.push(`    device "/dev/vfio/${vfio++}" rw`);
      if (rnd.chance(0.4)) lines.push(`    device "/dev/flt-${vm}-disk[0-9]" rw`);
      if (rnd.chance(0.4)) lines.push(`    device "/dev/flt-${vm}-ro" ro`);
      lines.push(`    socket "/run/fleet/${t}/${vm}.sock"`);
      lines.push("  }");
    }
    const svcs = rnd.int(1, 2);
    for (let s = 0; s < svcs; s++) {
      const svc = `agent${s}`;
      services.push(`${t}/${svc}`);
      lines.push(`  service ${svc} {`, `    exec "/opt/fleet/${t}/bin/${svc}"`);
      lines.push(`    volume "/srv/fleet/${t}/${svc}/{,**}" rw`);
      lines.push(`    volume "/etc/fleet/${t}/${svc}.conf" ro`);
      if (rnd.chance(0.5)) lines.push(`    volume "/var/log/fleet/${t}/${svc}-*.log" rw`);
      if (rnd.chance(0.4)) lines.push(`    device "/dev/flt-${t}-${svc}-tty" rw`);
      lines.push(`    socket "/run/fleet/${t}/${svc}.sock"`);
      lines.push(`    socket "@fleet-${t}-${svc}"`);
      lines.push("  }");
    }
    lines.push("}", "");
  }
  const complainService = services[rnd.int(0, services.length - 1)]!;
  // `mode complain` goes into the chosen service's block, after its exec line.
  const [ct, cs] = complainService.split("/");
  let inTenant = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === `tenant ${ct} {`) inTenant = true;
    else if (inTenant && lines[i] === `  service ${cs} {`) {
      lines.splice(i + 2, 0, "    mode complain");
      break;
    }
  }
  lines.push(`shared "\${images}/base/**" ro with ${sharedWith.join(", ")}`, "");
  return { seed, text: lines.join("\n"), sharedWith, notShared, complainService };
}
