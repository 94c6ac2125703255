/**
 * The grant table: which AppArmor rules each kind of resource becomes. It is the meaning of a grant, so
 * it lives with the model: the emitter writes these rules into the profiles (emit/profile-views.ts),
 * the grants file lists them for install (emit/grants-file.ts), and `moat explain` evaluates the very
 * same rules, so that its answers are the profiles' answers.
 */
import type { Glob } from "../glob/ast.js";
import type { Access, Resource, VmFileKind } from "./types.js";

/** A file rule: `[deny] GLOB PERMS,`. */
export interface FileRule {
  readonly deny: boolean;
  readonly glob: Glob;
  readonly perms: string;
}

/** One end of a unix rule: the abstract name of the grant (`"@NAME"`), or `none`, an unbound socket. */
export type UnixEnd = "name" | "none";

/**
 * A unix rule for an abstract socket name: `addr` is the local end, `peer` the peer's (null: no peer
 * condition, for local permissions only); "name" is `"@NAME"` of `glob`, "none" an unbound socket.
 */
export interface UnixRule {
  readonly glob: Glob;
  readonly perms: readonly string[];
  readonly addr: UnixEnd;
  readonly peer: UnixEnd | null;
}

/**
 * The rules owning an abstract socket `@NAME` gives (docs/security.md, "Unix sockets"): a socket at the
 * name may bind and listen, and accept, send and receive with unbound peers only (the clients that
 * connect to it); an unbound socket may connect, send and receive to the name. No rule lets a socket at
 * the name reach a peer at any other address, and none reaches another address from an unbound
 * socket: every permission that involves a peer carries a peer condition (emit/templates.ts enforces it).
 * The parser's reading of these rules is shown in docs/security.md; test/emit/unix-peers.test.ts
 * checks it.
 */
export const ABSTRACT_SOCKET_RULES: readonly Omit<UnixRule, "glob">[] = Object.freeze([
  Object.freeze({ perms: Object.freeze(["bind", "listen"]), addr: "name", peer: null }),
  Object.freeze({ perms: Object.freeze(["accept", "send", "receive"]), addr: "name", peer: "none" }),
  Object.freeze({ perms: Object.freeze(["connect", "send", "receive"]), addr: "none", peer: "name" }),
] as const);

/**
 * What a socket bound at an owned abstract name may do, as moat explain reports it (docs/language.md,
 * `socket`). The full rules, with their peer conditions and the client side's connect, are
 * ABSTRACT_SOCKET_RULES.
 */
export const ABSTRACT_SOCKET_PERMS: readonly string[] = ["bind", "listen", "accept", "send", "receive"];

/**
 * The permissions of the vm items that stand for one host file, as libvirt 9.0's virt-aa-helper writes
 * them (get_files in src/security/virt-aa-helper.c): the firmware (`<loader>`) `rk`; kernel, initrd and
 * dtb `r`; nvram `rwk`; a chardev (serial, console, channel) `rw`; a log `w` (the helper's qemu and swtpm
 * logs). Those that do not write also get the helper's `deny … w` ("don't audit writes to readonly
 * files"). A share (`<filesystem>`) is two rules, below.
 */
export const VM_FILE_PERMS: Readonly<Record<VmFileKind, string>> = Object.freeze({
  firmware: "rk",
  kernel: "r",
  initrd: "r",
  dtb: "r",
  nvram: "rwk",
  serial: "rw",
  log: "w",
});

/**
 * A share's rules: the folder itself may be read (`DIR/ r`), what is in it `rk` (ro) or `rwlk` (rw: a
 * guest writing a 9p or virtiofs share makes hard links, so the helper grants `l`).
 */
export const SHARE_TREE_PERMS: Readonly<Record<Access, string>> = Object.freeze({ ro: "rk", rw: "rwlk" });

/** The file rules a path resource becomes. */
export function fileRules(resource: Resource): FileRule[] {
  const glob = resource.path.glob;
  const allow = (perms: string): FileRule => ({ deny: false, glob, perms });
  if (resource.item !== undefined) {
    if (resource.item === "share") {
      if (resource.share === undefined) throw new Error("internal: a share without its folder globs");
      return [
        { deny: false, glob: resource.share.dir, perms: "r" },
        { deny: false, glob: resource.share.tree, perms: SHARE_TREE_PERMS[resource.access] },
      ];
    }
    const perms = VM_FILE_PERMS[resource.item];
    return perms.includes("w") ? [allow(perms)] : [allow(perms), { deny: true, glob, perms: "w" }];
  }
  switch (resource.kind) {
    case "volume":
      // QEMU locks read-only images too; the deny keeps refused writes out of the audit log, as libvirt does.
      return resource.access === "ro" ? [allow("rk"), { deny: true, glob, perms: "w" }] : [allow("rwk")];
    case "device":
      return [allow(resource.access === "ro" ? "r" : "rw")];
    case "socket":
      return [allow("rw")];
    case "read":
      return [allow("r")];
    case "run":
      // inherit: the child stays in this profile; own: it moves to the profile attached to the program,
      // a service of the same tenant (model/resolve.ts checkRunTargets). Never an unconfined mode.
      return [allow(resource.run === "own" ? "Px" : "ix")];
    case "implied":
      if (resource.perms === undefined) throw new Error("internal: an implied resource without permissions");
      return [allow(resource.perms)];
  }
}
