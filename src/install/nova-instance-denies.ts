/**
 * The deny rules that keep a Nova instance out of every other instance's folder (docs/nova.md).
 * Nova keeps each instance's disks, `disk.config` and `console.log` in `INSTANCES/<uuid>/`, renames
 * it `<uuid>_resize` during a resize and `<uuid>_del` while deleting it; `_base` (shared backing
 * images), `locks` and other names are not an instance's.
 *
 * Invariant (test/nova/instance-denies.test.ts proves it with the glob engine): together the rules
 * match exactly the paths `INSTANCES/X`, `INSTANCES/X/` and everything under them, where X is a UUID
 * (8-4-4-4-12 lowercase hex digits) other than the instance's own, optionally followed by `_` and more;
 * never the instance's own folder (nor its `_resize`), never `_base`, `locks` or another name.
 *
 * One rule per digit position p, by the first position where X differs from the own UUID: the own
 * digits before p, a hex digit other than the own one at p, any hex digits after. The rules are
 * disjoint, none matches the own UUID, and with it they cover every UUID. (Rules of "differs at p, any
 * digit elsewhere" would say the same, but their union is exponential to decide: the proof could not
 * be run.)
 */
import type { Glob } from "../glob/ast.js";
import { literalBytes } from "../glob/text.js";
import { parseGlob } from "../glob/parse.js";

/** Lowercase RFC 4122 text, as libvirt names profiles after it. */
export const INSTANCE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An instances folder the hook accepts: absolute, plain characters only (the policy refuses globs there, MOAT244). */
export const INSTANCES_DIR = /^(\/[A-Za-z0-9._+-]+)+$/;

const HEX = "0123456789abcdef";
const ANY_HEX = "[0-9a-f]";
/** What follows the UUID in a folder name Nova gives: nothing, or `_` and a suffix (`_resize`, `_del`). */
const SUFFIX = "{,_*}";
/** The folder itself, as a file or directory, and everything under it. */
const BELOW = "{,/,/**}";
/** What the rules deny: every file permission, as the protected block does. */
export const INSTANCE_DENY_PERMS = "rwlkmx";

/** A class of the hex digits but `c`, as short as AppArmor reads it (`[0-8a-f]`, `[1-9a-f]`). */
function hexBut(c: string): string {
  const rest = [...HEX].filter((h) => h !== c);
  // Runs of consecutive bytes as ranges: consecutive in ASCII, so that `9` and `a` never join (`[7-f]`
  // would take every byte from `7` to `f`, capitals included).
  let out = "";
  let i = 0;
  while (i < rest.length) {
    let j = i;
    while (j + 1 < rest.length && rest[j + 1]!.charCodeAt(0) === rest[j]!.charCodeAt(0) + 1) j++;
    out += j - i >= 2 ? `${rest[i]}-${rest[j]}` : rest.slice(i, j + 1).join("");
    i = j + 1;
  }
  return `[${out}]`;
}

/** The UUID shape with each digit written by `digit(position, char)`; dashes stay. */
function shape(uuid: string, digit: (position: number, c: string) => string): string {
  let out = "";
  let position = 0;
  for (const c of uuid) out += c === "-" ? "-" : digit(position++, c);
  return out;
}

/** The glob sources of the deny rules for instance `uuid` under `dir`, one per digit position. */
export function otherInstanceSources(dir: string, uuid: string): string[] {
  if (!INSTANCE_UUID.test(uuid)) throw new Error("internal: not a lowercase instance uuid");
  if (!INSTANCES_DIR.test(dir)) throw new Error("internal: not a plain instances folder");
  const out: string[] = [];
  for (let p = 0; p < 32; p++) {
    out.push(`${dir}/${shape(uuid, (position, c) => (position < p ? c : position === p ? hexBut(c) : ANY_HEX))}${SUFFIX}${BELOW}`);
  }
  return out;
}

/** The parsed globs of otherInstanceSources. */
export function otherInstanceGlobs(dir: string, uuid: string): Glob[] {
  return otherInstanceSources(dir, uuid).map(parsed);
}

export function parsed(source: string): Glob {
  const result = parseGlob(source);
  if (!result.ok) throw new Error(`internal: ${result.reason}`);
  return result.glob;
}

/** Whether `dir` is a folder the rules can be built under: plain characters, read as itself. */
export function plainInstancesDir(dir: string): boolean {
  if (!INSTANCES_DIR.test(dir) || dir.split("/").some((c) => c === "." || c === "..")) return false;
  const result = parseGlob(dir);
  return result.ok && literalBytes(result.glob) === dir;
}
