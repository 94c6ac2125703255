/**
 * The `.iso` item that would grant what a record was refused: the narrowest item of the workload's kind
 * whose rules (docs/language.md, "What each grant becomes in the profile") hold every permission asked.
 * `read` gives r; a volume ro rk, rw rwk; a device ro r, rw rw; a socket rw; `run … inherit` ix. So a
 * read is `read`, a read and lock `volume … ro`, any write `volume … rw` (`device` for a node under
 * /dev that is no logical volume, unless a lock is asked), an exec `run … inherit`. Permissions no item gives (m, l) and items a kind does not
 * take (a vm runs no programs; a container's files are its own) give no line, with the reason.
 */
import { otherLvmName } from "../check/lvm.js";
import { globToText } from "../glob/text.js";
import { toBytes } from "../glob/bytes.js";
import type { AuditWorkload } from "./policy.js";

export type ItemKind = "read" | "volume" | "device" | "socket" | "run" | "capability" | "network";

/** An item to add to a workload's block, before it is checked against the policy (suggest.ts). */
export interface IsoItem {
  readonly kind: ItemKind;
  /** For path items: the glob text in policy syntax (escaped, without quotes). */
  readonly glob?: string;
  readonly access?: "ro" | "rw";
  /** capability and network items: their words. */
  readonly words?: string;
}

export type ItemResult = { readonly item: IsoItem } | { readonly none: string };

/** The item as a line of the policy: `volume "/srv/x" rw`. */
export function itemText(item: IsoItem): string {
  if (item.words !== undefined) return `${item.kind} ${item.words}`;
  const path = `"${item.glob!.replace(/"/g, '\\"')}"`;
  if (item.kind === "run") return `run ${path} inherit`;
  if (item.kind === "read" || item.kind === "socket") return `${item.kind} ${path}`;
  return `${item.kind} ${path} ${item.access}`;
}

/** A literal path as a glob in policy syntax: glob characters escaped, so it matches exactly that path. */
export function literalGlobText(path: string): string {
  return globToText({ parts: [{ kind: "literal", bytes: toBytes(path) }] });
}

/** The permission letters of a mask as the kernel writes it (`r`, `wc::`, `rw::r`): the owner and other parts together. */
export function maskLetters(mask: string | undefined): string {
  if (mask === undefined) return "";
  let out = "";
  for (const c of mask) if (c !== ":" && !out.includes(c)) out += c;
  return out;
}

const WRITES = /[wacd]/;
/** Operations on a path that reach a unix socket in the file system. */
const SOCKET_OPS = new Set(["connect", "sendmsg", "recvmsg", "bind", "listen", "accept"]);

/** The item granting `letters` on `path` to workload `w`, or why none can. */
export function pathItem(w: AuditWorkload, path: string, letters: string, operation: string | undefined): ItemResult {
  if (w.kind === "container") {
    return { none: "a container's own files are allowed by lxc/container-base; what its profile refuses (a kernel interface, a mount) is no item of a container" };
  }
  // A path that cannot be written in a policy string: control characters, or bytes that were not UTF-8.
  if (/[\u0000-\u001f\u007f\ufffd]/.test(path)) return { none: "the path holds characters a policy string cannot hold" };
  // A device-mapper node's number is chosen at boot: a line naming it would grant another volume tomorrow.
  if (/^\/dev\/dm-\d+$/.test(path)) {
    return { none: "a device-mapper node is numbered at boot: grant the volume by its LVM name (/dev/VG/LV), which moat install resolves to its node; run audit with --root to map the nodes install resolved" };
  }
  const glob = literalGlobText(path);
  if (letters.includes("x")) {
    if (w.kind !== "service") return { none: "only a service runs programs (`run`); a vm's are abstractions/libvirt-qemu's" };
    return { item: { kind: "run", glob } };
  }
  const unsupported = [...letters].filter((c) => !"rwacdk".includes(c));
  if (unsupported.length > 0) return { none: `no item grants ${unsupported.join("")} (${unsupported.includes("m") ? "mmap with exec: an abstraction such as base grants it for libraries" : "a link needs an abstraction or a rule moat does not write"})` };
  const writes = WRITES.test(letters);
  const lock = letters.includes("k");
  if (operation !== undefined && SOCKET_OPS.has(operation)) return { item: { kind: "socket", glob } };
  // A logical volume (either of its names) is a volume, as the policy grants disks; other nodes are devices.
  if (path.startsWith("/dev/") && !lock && otherLvmName(toBytes(path)) === undefined) return { item: { kind: "device", glob, access: writes ? "rw" : "ro" } };
  if (writes) return { item: { kind: "volume", glob, access: "rw" } };
  if (lock) return { item: { kind: "volume", glob, access: "ro" } };
  return { item: { kind: "read", glob } };
}
