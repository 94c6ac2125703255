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
 * lower device with X (two logical volumes of one volume group) are not in it: whether they share data
 * is the question of their device-mapper tables (`sharedData`, dm-extents.ts). They do when the extents
 * they map on a common lower device overlap, when that device is an LVM snapshot's `-real` or `-cow`
 * (its `dm/uuid` says so: origin and snapshots read one origin), and whenever a table cannot be read or
 * has a target whose mapping moat does not follow.
 *
 * Mounted file systems are those of every mount namespace: /proc/self/mountinfo, and the mountinfo of
 * one process of each other namespace (`/proc/PID/ns/mnt` names it), so that a disk a container or a
 * service with its own namespace mounted counts as mounted too.
 */
import { firstOverlap, parseDmTable, piecesOf, type DmSegment, type Extent } from "./dm-extents.js";
import { thinApart, thinVolumeOf, type ThinVolume } from "./thin-ids.js";
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
  /** The process whose mount namespace holds it, when that is not install's own. */
  readonly pid?: string;
}

/** Where a mount is, for messages: `/srv` or `/srv in the mount namespace of process 812`. */
export function mountPlace(m: Mount): string {
  return m.pid === undefined ? m.mountPoint : `${m.mountPoint} in the mount namespace of process ${m.pid}`;
}

/** Why two devices share data although neither is in the other's reach. */
export interface SharedData {
  /** The lower device both sit on. */
  readonly lower: string;
  readonly why: string;
}

type Table = { readonly segments: readonly DmSegment[] } | { readonly why: string };
type Mapped = Extent[] | { readonly why: string };

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
  private readonly tables = new Map<string, Table>();
  private readonly belowCache = new Map<string, Set<string>>();
  private readonly footprints = new Map<string, Mapped>();

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
    const mounts = [...parseMountinfo(text), ...this.otherNamespaceMounts()];
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
   * The mounts of every other mount namespace a process is in: one process's mountinfo per namespace
   * (`/proc/PID/ns/mnt` reads `mnt:[INODE]`). A process that exits meanwhile is skipped.
   */
  private otherNamespaceMounts(): Mount[] {
    const nsDir = this.resolver.resolveDir("/proc/self/ns");
    const own = nsDir === undefined ? undefined : this.resolver.view.readlink(`${nsDir}/mnt`);
    const seen = new Set<string>(own === undefined ? [] : [own]);
    const out: Mount[] = [];
    const pids = [...(this.resolver.view.readdir("/proc") ?? [])].filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
    for (const pid of pids) {
      const ns = this.resolver.view.readlink(`/proc/${pid}/ns/mnt`);
      if (ns === undefined || seen.has(ns)) continue;
      seen.add(ns);
      const text = this.resolver.view.readFile(`/proc/${pid}/mountinfo`);
      if (text !== undefined) for (const m of parseMountinfo(text)) out.push({ ...m, pid });
    }
    return out;
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

  /** What `name` is stacked on, transitively, and itself. */
  below(name: string): Set<string> {
    let set = this.belowCache.get(name);
    if (set === undefined) this.belowCache.set(name, (set = this.closure([name], (d) => d.slaves)));
    return set;
  }

  /** The extents of `lower` that all of `name` maps to, remembered: every pair of a volume group's volumes asks. */
  private footprint(name: string, lower: string): Mapped {
    const key = `${name}\u0000${lower}`;
    let f = this.footprints.get(key);
    if (f === undefined) this.footprints.set(key, (f = this.mapped(name, 0, Infinity, lower, 0)));
    return f;
  }

  /**
   * Whether two devices, neither in the other's reach, share data through a lower device both sit on
   * (see the header); undefined when they share none or their extents on each are apart.
   */
  sharedData(a: string, b: string): SharedData | undefined {
    const belowB = this.below(b);
    const common = [...this.below(a)].filter((n) => n !== a && n !== b && belowB.has(n)).sort();
    for (const lower of common) {
      const uuid = this.resolver.readFile(`/sys/class/block/${lower}/dm/uuid`)?.trim();
      const kind = uuid === undefined ? undefined : /-(real|cow)$/.exec(uuid)?.[1];
      if (kind !== undefined) return { lower, why: `${lower} is an LVM snapshot's -${kind} device (uuid ${uuid}): an origin and its snapshots read the same data` };
    }
    // Two thin volumes of one pool: each has its own block map in the pool (thin-ids.ts says why that is
    // apart); the pool and everything under it is theirs in common, and that is all they share.
    const ta = this.thinVolume(a);
    const tb = this.thinVolume(b);
    if (ta !== undefined && tb !== undefined && ta.pool === tb.pool) {
      return thinApart(ta, tb) ? undefined : { lower: this.nameOf(ta.pool) ?? ta.pool, why: `both are thin device ${ta.id} of pool ${ta.pool}` };
    }
    for (const lower of common) {
      const fa = this.footprint(a, lower);
      if (!Array.isArray(fa)) return { lower, why: fa.why };
      const fb = this.footprint(b, lower);
      if (!Array.isArray(fb)) return { lower, why: fb.why };
      const hit = firstOverlap(fa, fb);
      if (hit !== undefined) return { lower, why: `both map sectors ${hit[0]}-${hit[1] - 1} of ${lower}` };
    }
    return undefined;
  }

  /** The thin volume `name` is (its pool and thin device id), or undefined when its table is anything else. */
  private thinVolume(name: string): ThinVolume | undefined {
    if (!/^dm-\d+$/.test(name)) return undefined;
    const table = this.table(name);
    return "why" in table ? undefined : thinVolumeOf(table.segments);
  }

  /** The device-mapper table of `name`, read once. */
  private table(name: string): Table {
    const known = this.tables.get(name);
    if (known !== undefined) return known;
    const dev = this.device(name)?.dev ?? "";
    let table: Table;
    if (!/^dm-\d+$/.test(name)) table = { why: `${name} is stacked on other devices but is no device-mapper device, so where it keeps their data is unknown` };
    else {
      const read = this.resolver.view.dmTable(name, dev);
      const segments = "text" in read ? parseDmTable(read.text) : undefined;
      table = segments !== undefined ? { segments } : { why: `the device-mapper table of ${name} cannot be read (${"error" in read ? read.error : "it is empty or not a table"})` };
    }
    this.tables.set(name, table);
    return table;
  }

  /** The extents of `lower` that sectors [from, to) of `name` map to (through what is stacked between). */
  private mapped(name: string, from: number, to: number, lower: string, depth: number): Mapped {
    if (name === lower) return [[from, to]];
    if (depth > 64) return { why: `the devices below ${name} are stacked too deep to follow` };
    const table = this.table(name);
    if ("why" in table) return table;
    const out: Extent[] = [];
    for (const seg of table.segments) {
      const lo = Math.max(from, seg.start);
      const hi = Math.min(to, seg.start + seg.length);
      if (lo >= hi) continue;
      const pieces = piecesOf(seg, lo, hi);
      if (pieces === undefined) return { why: `${name}'s table has a ${seg.target} target, which may map any data of what it sits on` };
      for (const p of pieces) {
        const dev = /^\d+:\d+$/.test(p.dev) ? this.nameOf(p.dev) : p.dev.startsWith("/dev/") ? this.nodeName(p.dev) : undefined;
        if (dev === undefined) return { why: `${name}'s table names ${p.dev}, a device sysfs does not know` };
        if (dev !== lower && !this.below(dev).has(lower)) continue;
        const deeper = this.mapped(dev, p.offset, p.offset + p.length, lower, depth + 1);
        if (!Array.isArray(deeper)) return deeper;
        out.push(...deeper);
      }
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
