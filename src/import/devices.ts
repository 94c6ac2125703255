/**
 * libvirt domain elements -> `.iso` items, element by element, as virt-aa-helper reads the same
 * elements (libvirt 9.0.0, src/security/virt-aa-helper.c). Every host path the mapping reads is marked
 * as used; whatever holds a host path and was not used is reported by the caller (domain.ts), so a
 * device this mapping does not know is a warning, never a silent drop.
 */
import type { Element } from "@xmldom/xmldom";
import { attr, childElement, childElements, textOf } from "./xml.js";
import { commentSafe, hostPath, literalText, shown, type Access, type ImportItem } from "./items.js";

/** What the device mappers share: where items and warnings go, and which attributes and texts were used. */
export class DomainReader {
  readonly items: ImportItem[] = [];
  readonly warnings: { readonly element: Element; readonly detail: string }[] = [];
  private readonly used = new Set<unknown>();

  constructor(readonly name: string, readonly uuid: string) {}

  /** An attribute's value, marked as read. */
  take(e: Element | undefined, name: string): string | undefined {
    if (e === undefined) return undefined;
    const node = e.getAttributeNode(name);
    if (node === null) return undefined;
    this.used.add(node);
    return node.value;
  }

  /** An element's text, marked as read. */
  takeText(e: Element | undefined): string | undefined {
    if (e === undefined) return undefined;
    this.used.add(e);
    return textOf(e);
  }

  isUsed(node: unknown): boolean {
    return this.used.has(node);
  }

  /** MOAT703: `element`, or part of it, has no item; `detail` says what and why. */
  warn(element: Element, detail: string): void {
    this.warnings.push({ element, detail: `is not imported: ${detail}` });
  }

  /** MOAT703 for an element that has its items, but not everything it needs. */
  partly(element: Element, detail: string): void {
    this.warnings.push({ element, detail: `is imported in part: ${detail}` });
  }

  /** Adds the item for a host path, or warns (naming `element`) when the path cannot be written. */
  path(element: Element, raw: string | undefined, make: (glob: string) => ImportItem): void {
    if (raw === undefined || raw.trim() === "") return;
    const p = hostPath(raw);
    if ("problem" in p) {
      this.warn(element, p.problem);
      return;
    }
    this.items.push(make(literalText(p.path)));
    // libvirt's per-run folders (`…/domain-3-NAME/`, as a running domain's XML shows its channel
    // sockets) hold the domain's id, which changes at every start; a glob over the id is refused as
    // over-broad (MOAT305), so the path is written as it is now, and said so.
    const id = /^\/var\/lib\/libvirt\/qemu\/(?:[^/]+\/)*domain-([0-9]+)-/.exec(p.path);
    if (id !== null) {
      this.partly(element, `${shown(p.path)} holds the running domain's id (${id[1]}), which libvirt changes at every start; the item is written for this run only: give the device a fixed path in the domain XML, or edit the item after the next start`);
    }
  }

  add(item: ImportItem): void {
    this.items.push(item);
  }
}

/** The `<target dev>` of a device, for the comment that says which device an item is for. */
function target(e: Element, what: string): string {
  const dev = attr(childElement(e, "target"), "dev") ?? attr(childElement(e, "target"), "name");
  return commentSafe(dev === undefined ? what : `${what} ${dev}`);
}

/** The file a `<source>` names, whichever attribute its type uses. */
function sourcePath(r: DomainReader, source: Element | undefined): string | undefined {
  return r.take(source, "file") ?? r.take(source, "dev") ?? r.take(source, "dir");
}

export function mapDisk(r: DomainReader, disk: Element): void {
  const type = attr(disk, "type") ?? "file";
  const device = attr(disk, "device") ?? "disk";
  const note = target(disk, device);
  const readonly = childElement(disk, "readonly") !== undefined || device === "cdrom";
  const access: Access = readonly ? "ro" : "rw";
  const source = childElement(disk, "source");
  diskSource(r, disk, type, source, access, note);
  // The backing chain: QEMU opens every image of it read-only.
  let backing = childElement(disk, "backingStore");
  while (backing !== undefined) {
    diskSource(r, backing, attr(backing, "type") ?? "file", childElement(backing, "source"), "ro", `${note} backing store`);
    backing = childElement(backing, "backingStore");
  }
  // A qcow2 image's external data file is written with the image.
  const dataStore = childElement(source, "dataStore");
  if (dataStore !== undefined) diskSource(r, dataStore, attr(dataStore, "type") ?? "file", childElement(dataStore, "source"), access, `${note} data file`);
}

function diskSource(r: DomainReader, element: Element, type: string, source: Element | undefined, access: Access, note: string): void {
  if (source === undefined) return; // an empty drive (a cdrom without a medium)
  switch (type) {
    case "dir":
      // QEMU presents a host folder as a FAT drive (vvfat), reading it.
      r.path(element, sourcePath(r, source), (glob) => ({ kind: "volume", glob, access: "ro", note }));
      return;
    case "file":
    case "block":
      r.path(element, sourcePath(r, source), (glob) => ({ kind: "volume", glob, access, note }));
      return;
    case "network":
      // A network disk needs no host file, except a unix socket of its server (NBD).
      for (const host of childElements(source, "host")) {
        if (attr(host, "transport") === "unix") r.path(element, r.take(host, "socket"), (glob) => ({ kind: "socket", glob, note: `${note} server` }));
      }
      return;
    case "vhostuser":
      r.path(element, r.take(source, "path"), (glob) => ({ kind: "socket", glob, note }));
      return;
    case "volume":
      r.warn(element, `a storage pool volume (pool ${shown(attr(source, "pool") ?? "")}, volume ${shown(attr(source, "volume") ?? "")}): only the host's libvirt knows its path; write a volume item with the path \`virsh vol-path\` gives`);
      return;
    default:
      r.warn(element, `a disk of type ${shown(type)}, which moat import does not map`);
  }
}

export function mapFilesystem(r: DomainReader, fs: Element): void {
  const type = attr(fs, "type") ?? "mount";
  const source = childElement(fs, "source");
  const note = commentSafe(`filesystem ${attr(childElement(fs, "target"), "dir") ?? ""}`.trim());
  // virtiofsd is started by libvirtd, not by QEMU: its binary is not the VM's to read.
  r.take(childElement(fs, "binary"), "path");
  if (type !== "mount") {
    r.warn(fs, `a filesystem of type ${shown(type)} (moat maps type 'mount', a host folder shared with 9p or virtiofs)`);
    return;
  }
  const socket = r.take(source, "socket");
  if (socket !== undefined) {
    r.path(fs, socket, (glob) => ({ kind: "socket", glob, note: `${note} (external virtiofsd)` }));
    return;
  }
  const access: Access = childElement(fs, "readonly") !== undefined ? "ro" : "rw";
  r.path(fs, r.take(source, "dir"), (glob) => ({ kind: "share", glob, access, note }));
}

const hex = (v: string | undefined, width: number): string | undefined => {
  if (v === undefined) return undefined;
  const m = /^(?:0x)?([0-9a-fA-F]+)$/.exec(v.trim());
  if (m === null) return undefined;
  const digits = m[1]!.replace(/^0+(?=.)/, "").toLowerCase();
  return digits.length > width ? undefined : digits.padStart(width, "0");
};

const decimal = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const t = v.trim();
  const n = /^0x[0-9a-fA-F]+$/.test(t) ? parseInt(t, 16) : /^[0-9]+$/.test(t) ? parseInt(t, 10) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
};

export function mapHostdev(r: DomainReader, hostdev: Element): void {
  const mode = attr(hostdev, "mode") ?? "subsystem";
  const type = attr(hostdev, "type") ?? "";
  const source = childElement(hostdev, "source");
  if (mode === "capabilities") {
    const node = childElement(source, type === "storage" ? "block" : "char");
    if (type === "storage" || type === "misc") r.path(hostdev, r.takeText(node), (glob) => ({ kind: "device", glob, access: "rw", note: `hostdev ${type}` }));
    else if (type !== "net") r.warn(hostdev, `a capabilities hostdev of type ${shown(type)}, which moat import does not map`);
    return;
  }
  switch (type) {
    case "pci": {
      const a = childElement(source, "address");
      const [d, b, s, f] = [hex(attr(a, "domain") ?? "0", 4), hex(attr(a, "bus"), 2), hex(attr(a, "slot"), 2), hex(attr(a, "function"), 1)];
      if (d === undefined || b === undefined || s === undefined || f === undefined) r.warn(hostdev, "a PCI hostdev without a complete source address");
      else r.add({ kind: "pci", value: `${d}:${b}:${s}.${f}`, note: "hostdev pci" });
      return;
    }
    case "usb": {
      const vendor = hex(attr(childElement(source, "vendor"), "id"), 4);
      const product = hex(attr(childElement(source, "product"), "id"), 4);
      const a = childElement(source, "address");
      const bus = decimal(attr(a, "bus"));
      const dev = decimal(attr(a, "device"));
      if (bus !== undefined && dev !== undefined) r.add({ kind: "usb", value: `${bus}:${dev}`, note: "hostdev usb" });
      else if (vendor !== undefined && product !== undefined) r.add({ kind: "usb-id", vendor: `0x${vendor}`, product: `0x${product}`, note: "hostdev usb" });
      else r.warn(hostdev, "a USB hostdev with neither a bus and device address nor a vendor and product id");
      return;
    }
    case "scsi": {
      if (attr(source, "protocol") === "iscsi") return; // a network LUN: no host node
      const adapter = /^scsi_host([0-9]+)$/.exec(attr(childElement(source, "adapter"), "name") ?? "");
      const a = childElement(source, "address");
      const parts = [adapter?.[1], attr(a, "bus"), attr(a, "target"), attr(a, "unit")].map((v) => decimal(v));
      if (parts.some((p) => p === undefined)) r.warn(hostdev, "a SCSI hostdev without a scsi_hostN adapter and a bus, target and unit address");
      else r.add({ kind: "scsi", value: parts.join(":"), note: "hostdev scsi" });
      return;
    }
    case "scsi_host":
      r.add({ kind: "device", glob: "/dev/vhost-scsi", access: "rw", note: "hostdev scsi_host (vhost-scsi)" });
      return;
    case "mdev":
      r.warn(hostdev, `a mediated device (${shown(attr(childElement(source, "address"), "uuid") ?? "")}): its /dev/vfio group is only known on the host; grant it with a device item`);
      return;
    default:
      r.warn(hostdev, `a hostdev of type ${shown(type)}, which moat import does not map`);
  }
}

/** serial, parallel, console, channel, redirdev, smartcard, rng backends: a character device's source and log. */
export function mapChardev(r: DomainReader, e: Element, what: string, type: string | undefined = attr(e, "type")): void {
  const note = commentSafe(`${what}${attr(childElement(e, "target"), "name") === undefined ? "" : ` ${attr(childElement(e, "target"), "name")}`}`);
  if (type === "pty") r.take(e, "tty");
  for (const source of childElements(e, "source")) {
    const path = r.take(source, "path");
    if (path === undefined || type === "pty") continue; // a pty's path is the one libvirt allocated, through /dev/ptmx
    if (type === "unix") r.path(e, path, (glob) => ({ kind: "socket", glob, note }));
    else if (type === "file") r.path(e, path, (glob) => ({ kind: "serial", glob, note }));
    else if (type === "pipe") {
      // QEMU opens PATH.in and PATH.out when they exist, else PATH (qemu-char pipe).
      for (const suffix of ["", ".in", ".out"]) r.path(e, `${path}${suffix}`, (glob) => ({ kind: "serial", glob, note }));
    }
    else if (type === "dev") r.path(e, path, (glob) => ({ kind: "device", glob, access: "rw", note }));
    else r.warn(e, `a ${what} of type ${shown(type ?? "")} with a path, which moat import does not map`);
  }
  if (type === "unix" && what === "channel" && childElements(e, "source").every((s) => attr(s, "path") === undefined)) {
    r.warn(e, `libvirt names this socket at start, under /var/lib/libvirt/qemu/channel/target/domain-<id>-${r.name.slice(0, 20)}/, with the domain's id, which changes at every start: no item names it yet`);
  }
  if (what === "smartcard" && (attr(e, "mode") === "host" || attr(e, "mode") === "host-certificates")) {
    // The NSS database QEMU reads the certificates from (libvirt's default when none is given).
    const db = hostPath(r.takeText(childElement(e, "database")) ?? "/etc/pki/nssdb");
    if ("problem" in db) r.warn(e, db.problem);
    else r.add({ kind: "volume", glob: `${literalText(db.path)}/{,*}`, access: "ro", note: "smartcard certificate database" });
  }
  const log = childElement(e, "log");
  if (log !== undefined) r.path(e, r.take(log, "file"), (glob) => ({ kind: "log", glob, note: `${note} log` }));
}

export function mapInterface(r: DomainReader, iface: Element): void {
  const type = attr(iface, "type");
  const source = childElement(iface, "source");
  if (type === "vhostuser") r.path(iface, r.take(source, "path"), (glob) => ({ kind: "socket", glob, note: "interface vhost-user" }));
  else if (type === "vdpa") r.path(iface, r.take(source, "dev"), (glob) => ({ kind: "device", glob, access: "rw", note: "interface vdpa" }));
  const backend = childElement(iface, "backend");
  for (const key of ["tap", "vhost"]) r.path(iface, r.take(backend, key), (glob) => ({ kind: "device", glob, access: "rw", note: `interface ${key} backend` }));
  // Scripts are run by libvirtd when the interface is set up, not by QEMU.
  r.take(childElement(iface, "script"), "path");
  r.take(childElement(iface, "downscript"), "path");
}

export function mapTpm(r: DomainReader, tpm: Element): void {
  const backend = childElement(tpm, "backend");
  const type = attr(backend, "type");
  if (type === "passthrough") {
    r.path(tpm, r.take(childElement(backend, "device"), "path") ?? "/dev/tpm0", (glob) => ({ kind: "device", glob, access: "rw", note: "tpm passthrough" }));
    return;
  }
  if (type !== "emulator") {
    r.warn(tpm, `a TPM with a ${shown(type ?? "")} backend, which moat import does not map`);
    return;
  }
  // swtpm's state and log, as libvirt names them (qemu_tpm.c) and the helper grants them.
  r.add({ kind: "volume", glob: `/var/lib/libvirt/swtpm/${literalText(r.uuid)}/{,**}`, access: "rw", note: "tpm emulator state" });
  r.add({ kind: "log", glob: `/var/log/swtpm/libvirt/qemu/${literalText(r.name)}-swtpm.log`, note: "tpm emulator log" });
  r.partly(tpm, `swtpm's pid file and socket (/run/libvirt/qemu/swtpm/<id>-${r.name}-swtpm.{pid,sock}) are named with the domain's id, which changes at every start, and no item names them yet`);
}

export function mapGraphics(r: DomainReader, g: Element): void {
  // SDL draws through the X server, authenticating with this file.
  r.path(g, r.take(g, "xauth"), (glob) => ({ kind: "read", glob, note: "graphics sdl X authority" }));
  const sockets = [r.take(g, "socket"), ...childElements(g, "listen").map((l) => r.take(l, "socket"))];
  for (const s of sockets) r.path(g, s, (glob) => ({ kind: "socket", glob, note: `graphics ${commentSafe(attr(g, "type") ?? "")}` }));
  const gl = childElement(g, "gl");
  const render = r.take(gl, "rendernode");
  if (render !== undefined) {
    r.path(g, render, (glob) => ({ kind: "device", glob, access: "rw", note: "graphics render node" }));
    r.partly(g, "OpenGL rendering also reads the GPU driver's libraries and configuration (Mesa, NVIDIA), which moat import does not list: add read items for the driver the host uses");
  }
}

export function mapShmem(r: DomainReader, shmem: Element): void {
  const name = attr(shmem, "name");
  if (name !== undefined) r.path(shmem, `/dev/shm/${name}`, (glob) => ({ kind: "volume", glob, access: "rw", note: "shmem" }));
  // The helper grants the server's socket, libvirt's default one when no path is given, with or without a server.
  const server = childElement(shmem, "server");
  r.path(shmem, r.take(server, "path") ?? `/var/lib/libvirt/shmem-${name ?? ""}-sock`, (glob) => ({ kind: "socket", glob, note: "shmem server" }));
}

export function mapMemoryDevice(r: DomainReader, mem: Element): void {
  const path = r.takeText(childElement(childElement(mem, "source"), "path"));
  r.path(mem, path, (glob) => ({ kind: "volume", glob, access: "rw", note: `memory ${commentSafe(attr(mem, "model") ?? "")}` }));
}

export function mapInput(r: DomainReader, input: Element): void {
  const source = childElement(input, "source");
  r.path(input, r.take(source, "evdev") ?? r.take(source, "dev"), (glob) => ({ kind: "device", glob, access: "rw", note: `input ${commentSafe(attr(input, "type") ?? "")}` }));
}

export function mapRng(r: DomainReader, rng: Element): void {
  const backend = childElement(rng, "backend");
  const model = attr(backend, "model");
  if (model === "random") r.path(rng, r.takeText(backend) ?? "/dev/random", (glob) => ({ kind: "device", glob, access: "rw", note: "rng" }));
  else if (model === "egd") mapChardev(r, backend!, "rng egd", attr(backend, "type"));
}
