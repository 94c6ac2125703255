/**
 * Block devices as the host's sysfs shows them, read through the host view: each device's `major:minor`
 * (`/sys/class/block/NAME/dev`), what is stacked on it (`holders/`), what it is stacked on (`slaves/`),
 * its partitions (subfolders holding a `partition` file), and the PCI devices it sits on (the PCI
 * addresses in the sysfs path `/sys/class/block/NAME` leads to). Mounted file systems come from
 * `/proc/self/mountinfo`: field 3 is the mounted device's `major:minor`, and the source after
 * ` - FSTYPE ` its name. Under --root all of it is read inside ROOT, so a host can be staged with plain
 * files and links; a node is then a block device when sysfs knows its name.
 *
 * Which devices share data with a device X (`reach`): X; what lies inside X (its partitions, and what is
 * stacked on X or on them: holders, transitively); what X lies inside (what X is stacked on, transitively,
 * and the disk of any partition among them); and for a whole disk X is stacked on, that disk's
 * partitions and what is stacked on them (X may map any part of the disk). Devices that merely share a
 * slave with X (two logical volumes of one volume group) are not in it: device-mapper gives them
 * distinct extents.
 */
import type { Resolver } from "./host-view.js";

export interface BlockDevice {
  readonly name: string;
  readonly dev: string;
  readonly holders: readonly string[];
  readonly slaves: readonly string[];
  readonly partitions: readonly string[];
  /** The disk a partition is on. */
  readonly disk?: string;
  /** The PCI addresses on the device's sysfs path, nearest last. */
  readonly pci: readonly string[];
}

export interface Mount {
  readonly dev: string;
  readonly mountPoint: string;
  readonly source: string;
}

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const MAJOR_MINOR = /^\d+:\d+$/;

/** mountinfo lines: `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS`. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (fields.length < 7 || dash < 6 || !MAJOR_MINOR.test(fields[2]!)) continue;
    mounts.push({ dev: fields[2]!, mountPoint: unescapeMount(fields[4]!), source: unescapeMount(fields[dash + 2] ?? "") });
  }
  return mounts;
}

/** mountinfo writes space, tab, newline and backslash as `\ooo`. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export class BlockGraph {
  private devices: Map<string, BlockDevice> | undefined;
  private byDev: Map<string, string> | undefined;
  private mountsCache: { readonly mounts: readonly Mount[]; readonly byName: ReadonlyMap<string, Mount[]> } | undefined | null;

  constructor(private readonly resolver: Resolver) {}

  private load(): Map<string, BlockDevice> {
    if (this.devices !== undefined) return this.devices;
    const names = [...(this.resolver.readdir("/sys/class/block") ?? [])].sort();
    const raw = names.map((name) => {
      const base = `/sys/class/block/${name}`;
      const dev = this.resolver.readFile(`${base}/dev`)?.trim() ?? "";
      const list = (sub: string): string[] => [...(this.resolver.readdir(`${base}/${sub}`) ?? [])].sort();
      const where = this.resolver.resolve(base).path;
      const isPartition = this.resolver.readFile(`${base}/partition`) !== undefined;
      return { name, dev, holders: list("holders"), slaves: list("slaves"), isPartition, where, pci: where.split("/").filter((c) => PCI_ADDRESS.test(c)) };
    });
    const known = new Set(raw.map((d) => d.name));
    // A partition's disk: the folder its sysfs folder is in (sysfs puts sda1 inside sda); in a staged
    // tree where it is not, the disk whose folder lists it.
    const diskOf = new Map<string, string>();
    const disks = raw.filter((d) => !d.isPartition);
    for (const d of raw) {
      if (!d.isPartition) continue;
      const parent = d.where.split("/").slice(-2, -1)[0];
      const disk = parent !== undefined && known.has(parent) && parent !== d.name ? parent : disks.find((x) => this.resolver.view.lstat(`${x.where}/${d.name}`) !== undefined)?.name;
      if (disk !== undefined) diskOf.set(d.name, disk);
    }
    const devices = new Map<string, BlockDevice>();
    for (const d of raw) {
      if (!MAJOR_MINOR.test(d.dev)) continue;
      const disk = diskOf.get(d.name);
      const partitions = [...diskOf].filter(([, of]) => of === d.name).map(([p]) => p);
      const device: BlockDevice = { name: d.name, dev: d.dev, holders: d.holders, slaves: d.slaves, partitions, pci: d.pci };
      devices.set(d.name, disk === undefined ? device : { ...device, disk });
    }
    this.devices = devices;
    this.byDev = new Map([...devices.values()].map((d) => [d.dev, d.name]));
    return devices;
  }

  device(name: string): BlockDevice | undefined {
    return this.load().get(name);
  }

  nameOf(dev: string): string | undefined {
    this.load();
    return this.byDev!.get(dev);
  }

  /** Mounted file systems by the block device they are on; null when mountinfo cannot be read. */
  mounts(): { readonly mounts: readonly Mount[]; readonly byName: ReadonlyMap<string, Mount[]> } | null {
    if (this.mountsCache !== undefined) return this.mountsCache;
    const text = this.resolver.readFile("/proc/self/mountinfo");
    if (text === undefined) return (this.mountsCache = null);
    const mounts = parseMountinfo(text);
    const byName = new Map<string, Mount[]>();
    for (const m of mounts) {
      const names = new Set<string>();
      const byNumber = this.nameOf(m.dev);
      if (byNumber !== undefined) names.add(byNumber);
      if (m.source.startsWith("/dev/")) {
        const node = this.resolver.resolve(m.source);
        const name = node.exists ? this.nodeName(node.path) : undefined;
        if (name !== undefined) names.add(name);
      }
      for (const n of names) byName.set(n, [...(byName.get(n) ?? []), m]);
    }
    return (this.mountsCache = { mounts, byName });
  }

  /**
   * The block device a resolved node is: by its device number where the view reads real nodes, else
   * (a staged tree) by its name under /dev, when sysfs knows it.
   */
  nodeName(node: string, rdev?: string): string | undefined {
    if (rdev !== undefined) return this.nameOf(rdev);
    if (!node.startsWith("/dev/")) return undefined;
    const name = node.slice(node.lastIndexOf("/") + 1);
    return this.device(name) === undefined ? undefined : name;
  }

  private closure(start: readonly string[], next: (d: BlockDevice) => readonly string[]): Set<string> {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const d = this.device(n);
      if (d !== undefined) stack.push(...next(d));
    }
    return seen;
  }

  /** X and what lies inside it: partitions, and everything stacked on X or on them. */
  inside(name: string): Set<string> {
    return this.closure([name], (d) => [...d.partitions, ...d.holders]);
  }

  /** Every device that shares data with `name` (see the header). */
  reach(name: string): Set<string> {
    const out = this.inside(name);
    const below = this.closure([name], (d) => d.slaves);
    for (const n of below) {
      out.add(n);
      const d = this.device(n);
      if (d === undefined) continue;
      if (d.disk !== undefined) out.add(d.disk);
      // A whole disk X is stacked on: X may map any part of it, its partitions and what sits on them.
      if (n !== name && d.disk === undefined && d.partitions.length > 0) for (const p of d.partitions) for (const m of this.inside(p)) out.add(m);
    }
    return out;
  }

  /** The PCI devices holding a block device's data: its own, and those of what it is stacked on. */
  pciOf(name: string): Set<string> {
    const out = new Set<string>();
    for (const n of this.closure([name], (d) => (d.disk === undefined ? d.slaves : [...d.slaves, d.disk]))) {
      const pci = this.device(n)?.pci ?? [];
      if (pci.length > 0) out.add(pci[pci.length - 1]!);
    }
    return out;
  }
}
