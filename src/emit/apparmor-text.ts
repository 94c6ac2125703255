/**
 * Text for AppArmor profiles. Everything a policy author controls reaches a profile through here.
 *
 * Quoted strings: AppArmor's lexer reads a string as `"([^\0"]|\\")*"` with longest match, so the
 * obvious escaping (`\\` and `\"`) is exploitable: `\\"` reads as an escaped quote and the string runs
 * on into the next rule. So inside quotes only `[A-Za-z0-9/._-]` is written raw and every other byte as
 * a three-digit octal escape: no raw `"` and no backslash that is not the start of `\ooo` ever appears,
 * whatever the input. A decoded glob character (`\052` is `*`) is a literal to AppArmor, so glob
 * operators are written raw only from the parsed Glob, never from text.
 *
 * Checked against apparmor_parser 3.0.8 with `-D rule-exprs` (test/emit/apparmor-text.test.ts):
 * - `@{NAME}` expands even after decoding: `\100{x}` is a reference to variable x. An alternation always
 *   holds a `,`, which no variable name does, so `\100{a,b}` stays literal; still, a literal `@` just
 *   before an alternation is written `[\100]` so that the parser never sees `@{` at all.
 * - Inside `[...]` AppArmor hands punctuation to its regex engine nearly raw (`[a\055]` is an error,
 *   `[a\054]` also admits a backslash). A class is therefore written with only letters and digits in
 *   brackets; any other member becomes a branch of an alternation, which is exact for one byte.
 */
import type { Glob, GlobPart } from "../glob/ast.js";
import { toBytes } from "../glob/bytes.js";
import { perPart } from "../glob/per-part.js";
import type { UnixEnd } from "../model/grant-table.js";
import { CAPABILITY_NAMES, NETWORK_FAMILY_NAMES, NETWORK_TYPE_NAMES } from "../model/kernel-names.js";

const AT = 0x40;

function octal(byte: number): string {
  return "\\" + byte.toString(8).padStart(3, "0");
}

/** What each byte is written as inside quotes: itself for `[A-Za-z0-9/._-]`, else its octal escape. */
const ESCAPED: readonly string[] = Array.from({ length: 256 }, (_, byte) => {
  const c = String.fromCharCode(byte);
  return /^[A-Za-z0-9/._-]$/.test(c) ? c : octal(byte);
});
/** A run that needs no escaping at all, the common case for a path literal: written as it is. */
const ALL_SAFE = /^[A-Za-z0-9/._-]*$/;

function notAByteString(): never {
  throw new Error("internal: a glob literal is not a byte string");
}

/** Escaped bytes of a byte string (one char per byte), without the quotes. */
export function escapeBytes(bytes: string): string {
  if (ALL_SAFE.test(bytes)) return bytes;
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes.charCodeAt(i);
    if (byte > 0xff) notAByteString();
    out += ESCAPED[byte]!;
  }
  return out;
}

/** A quoted AppArmor string holding exactly `text` (UTF-8), every byte literal, globs included. */
export function aaString(text: string): string {
  return '"' + escapeBytes(toBytes(text)) + '"';
}

/**
 * What a class or alternation part is written as, alone: its text, whether that text opens with a raw
 * `{` (so an escaped `@` just before it must become `[\100]`), and whether it ends with an escaped `@`.
 * Nothing else about the text depends on what precedes the part, so it is written once per part object.
 */
interface PartText {
  readonly text: string;
  readonly opensBrace: boolean;
  readonly endsWithAt: boolean;
}

/**
 * Glob body writer. It remembers whether its last output was an escaped `@`, so that a raw `{` never
 * follows one (see the header).
 */
class GlobWriter {
  private out = "";
  private lastWasAt = false;

  literal(bytes: string): void {
    if (bytes.length === 0) return;
    this.out += escapeBytes(bytes);
    this.lastWasAt = bytes.charCodeAt(bytes.length - 1) === AT;
  }

  operator(text: string): void {
    if (text.startsWith("{")) this.fixAt();
    this.out += text;
    this.lastWasAt = false;
  }

  part(written: PartText): void {
    if (written.opensBrace) this.fixAt();
    this.out += written.text;
    this.lastWasAt = written.endsWithAt;
  }

  private fixAt(): void {
    if (this.lastWasAt) this.out = this.out.slice(0, -octal(AT).length) + "[" + octal(AT) + "]";
  }

  text(): string {
    return this.out;
  }

  written(): PartText {
    return { text: this.out, opensBrace: this.out.startsWith("{"), endsWithAt: this.lastWasAt };
  }
}

const partText = perPart((part: GlobPart & { kind: "class" | "alt" }): PartText => {
  const w = new GlobWriter();
  if (part.kind === "class") {
    writeClass(w, part.ranges);
  } else {
    part.branches.forEach((branch, k) => {
      w.operator(k === 0 ? "{" : ",");
      writeParts(w, branch.parts);
    });
    w.operator("}");
  }
  return w.written();
});

function writeParts(w: GlobWriter, parts: readonly GlobPart[]): void {
  for (const part of parts) {
    switch (part.kind) {
      case "literal":
        w.literal(part.bytes);
        break;
      case "star":
        w.operator("*");
        break;
      case "globstar":
        w.operator("**");
        break;
      case "any":
        w.operator("?");
        break;
      case "class":
      case "alt":
        w.part(partText(part));
        break;
    }
  }
}

const ALNUM_RUNS: readonly (readonly [number, number])[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** `[0-9a-z]` for letters and digits; other members as alternation branches (see the header). */
function writeClass(w: GlobWriter, ranges: readonly (readonly [number, number])[]): void {
  const members = new Uint8Array(256);
  let size = 0;
  for (const [lo, hi] of ranges) {
    for (let b = lo; b <= hi; b++) {
      if (b < 0 || b > 0xff) throw new Error("internal: a character class member is not a byte");
      if (members[b] === 0) size++;
      members[b] = 1;
    }
  }
  if (size === 0) throw new Error("internal: empty character class");

  let bracket = "";
  for (const [runLo, runHi] of ALNUM_RUNS) {
    let b = runLo;
    while (b <= runHi) {
      if (members[b] === 0) {
        b++;
        continue;
      }
      let end = b;
      while (end + 1 <= runHi && members[end + 1] === 1) end++;
      bracket += end === b ? String.fromCharCode(b) : String.fromCharCode(b) + "-" + String.fromCharCode(end);
      b = end + 1;
    }
  }
  const others: number[] = [];
  for (let b = 0; b < 256; b++) {
    if (members[b] === 1 && !ALNUM_RUNS.some(([lo, hi]) => b >= lo && b <= hi)) others.push(b);
  }

  if (others.length === 0) {
    w.operator("[" + bracket + "]");
    return;
  }
  if (size === 1) {
    w.literal(String.fromCharCode(others[0]!));
    return;
  }
  let first = true;
  const branch = (): void => {
    w.operator(first ? "{" : ",");
    first = false;
  };
  if (bracket !== "") {
    branch();
    w.operator("[" + bracket + "]");
  }
  for (const b of others) {
    branch();
    w.literal(String.fromCharCode(b));
  }
  w.operator("}");
}

/** The body of a quoted AppArmor glob (no quotes): literal bytes escaped, operators raw. */
export function aaGlobBody(glob: Glob): string {
  // A plain path is one literal part, about half of a fleet's globs: escaping it is one test of the
  // safe-run pattern, cheaper than a WeakMap entry (and the collector's work for it) per glob.
  const parts = glob.parts;
  if (parts.length === 1 && parts[0]!.kind === "literal") return escapeBytes(parts[0]!.bytes);
  let body = bodies.get(glob);
  if (body === undefined) {
    const w = new GlobWriter();
    writeParts(w, glob.parts);
    body = w.text();
    bodies.set(glob, body);
  }
  return body;
}

/**
 * Globs are immutable once parsed and the same object recurs (a resource's glob is rendered for its sort
 * key and then for its rule; built-in and shared globs reach many profiles), so each glob with
 * operators is written once.
 */
const bodies = new WeakMap<Glob, string>();

/** A quoted AppArmor path glob, for file rules and profile attachments. */
export function aaGlob(glob: Glob): string {
  return '"' + aaGlobBody(glob) + '"';
}

/**
 * The quoted `addr=` value of a unix rule for an abstract socket: `@` and the name glob. The leading
 * `@` must stay raw (the parser refuses `[@]` there); a name starting with an alternation gives
 * `@{a,b}`, which cannot be a variable reference because of its comma (see the header).
 */
export function aaAbstractAddr(nameGlob: Glob): string {
  return '"@' + aaGlobBody(nameGlob) + '"';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const INCLUDE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const PERMS = /^[rwaklmx]+$/;
/** The exec modes a `run` item writes, alone: inherit (`ix`) and own (`Px`). Never an unconfined one. */
const EXEC_PERMS = /^(ix|Px)$/;

/** A profile name, written unquoted: only characters that need no quoting anywhere are accepted. */
export function aaName(name: string): string {
  if (!NAME.test(name)) throw new Error(`internal: ${JSON.stringify(name)} is not a valid profile name`);
  return name;
}

/** The NAME of `include <abstractions/NAME>`, as the grammar restricts it. */
export function aaIncludeName(name: string): string {
  if (!INCLUDE_NAME.test(name)) {
    throw new Error(`internal: ${JSON.stringify(name)} is not a valid abstraction name`);
  }
  return name;
}

/** File permissions, lowercase letters only; or one of the exec modes of a `run` (`ix`, `Px`). */
export function aaPerms(perms: string): string {
  if (EXEC_PERMS.test(perms)) return perms;
  if (!PERMS.test(perms) || (perms.includes("w") && perms.includes("a"))) {
    throw new Error(`internal: ${JSON.stringify(perms)} are not valid file permissions`);
  }
  return perms;
}

/**
 * A file rule without its trailing comma: `[deny ]"GLOB" PERMS`. One helper call per rule line instead
 * of three (the `deny` condition, the glob, the permissions): a fleet's profiles hold ~150,000 of them.
 */
export function aaFileRule(deny: boolean, glob: Glob, perms: string): string {
  return (deny ? "deny " : "") + aaGlob(glob) + " " + aaPerms(perms);
}

/**
 * A unix rule for an abstract socket without its trailing comma, with `perms` already checked and
 * joined: `unix (PERMS) addr=LOCAL`, then ` peer=(addr=PEER)` unless `peer` is null, each end written
 * `"@NAME"` (through aaAbstractAddr, the local and the peer address alike) or `none`. One helper call
 * per rule line, as for aaFileRule. Which ends and permissions a grant gets is decided in
 * the grant table (model/grant-table.ts, ABSTRACT_SOCKET_RULES), not here.
 */
export function aaUnixRule(perms: string, nameGlob: Glob, local: UnixEnd, peer: UnixEnd | null): string {
  const addr = (end: UnixEnd): string => (end === "name" ? aaAbstractAddr(nameGlob) : "none");
  return "unix (" + perms + ") addr=" + addr(local) + (peer === null ? "" : " peer=(addr=" + addr(peer) + ")");
}

/** `capability NAME` without its comma: only a name of the kernel's table (model/kernel-names.ts). */
export function aaCapabilityRule(name: string): string {
  if (!CAPABILITY_NAMES.has(name)) throw new Error(`internal: ${JSON.stringify(name)} is not a capability`);
  return "capability " + name;
}

/** `network FAMILY [TYPE]` without its comma: only names of AppArmor's tables (model/kernel-names.ts). */
export function aaNetworkRule(family: string, type: string | null): string {
  if (!NETWORK_FAMILY_NAMES.has(family)) throw new Error(`internal: ${JSON.stringify(family)} is not a network family`);
  if (type !== null && !NETWORK_TYPE_NAMES.has(type)) throw new Error(`internal: ${JSON.stringify(type)} is not a socket type`);
  return "network " + family + (type === null ? "" : " " + type);
}

/** Text that commentText keeps as it is: printable ASCII without a backslash. */
const PLAIN_COMMENT = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * Text for a `#` comment: a comment runs to the end of the line, so nothing may break the line.
 * Printable ASCII is kept (readability), a backslash and everything else become `\xHH` of its UTF-8
 * bytes. The result never holds a line break or a byte a lexer could read as one.
 */
export function commentText(text: string): string {
  if (PLAIN_COMMENT.test(text)) return text;
  const bytes = toBytes(text);
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : "\\x" + b.toString(16).padStart(2, "0");
  }
  return out;
}
