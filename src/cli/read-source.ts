/**
 * The library's only window on the disk: reads one file for compile(). Sources are UTF-8. Bytes that
 * are not become U+FFFD rather than failing the whole file: the lexer (and the JSON form) report a
 * U+FFFD as MOAT107 at its line and column, which tells the operator where the stray Latin-1 byte is.
 * No replaced byte can reach an output: MOAT107 is an error wherever a U+FFFD could mean something
 * (strings, names); comments may hold anything. A UTF-8 byte order mark is dropped.
 *
 * A policy under review is written by whoever opens the pull request, and a diagnostic may show a line
 * of any file moat reads. So the compile reads through treeReader: only regular files whose real path
 * (every link followed) lies inside the policy tree, the folder the operator named (find-inputs.ts).
 */
import * as fs from "node:fs";
import type { ReadResult } from "../api.js";
import { isInsideTree } from "../model/load-files.js";
import { toPosix, type PolicyTree } from "./find-inputs.js";
import { describeFsError } from "./outputs/fs-layer.js";

const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Far above any real policy (a 10,000-VM fleet is a few MB), far below what would exhaust memory. */
export const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

type Refused = { readonly refused: "folder" | "special" };

/**
 * A policy file's bytes, or why not. A policy under review may include anything: a link to /dev/zero
 * would have moat read until memory runs out, and a named pipe would block it forever. So the file is
 * opened without blocking and checked through its own descriptor (no race with a swapped link) to be a
 * regular file of bounded size before a byte is read; a folder, device, pipe or socket is `refused`.
 */
function readRegularFile(path: string): Buffer | { readonly error: string } | Refused {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    return { error: describeFsError(e) };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { refused: stat.isDirectory() ? "folder" : "special" };
    if (stat.size > MAX_SOURCE_BYTES) return { error: `is ${stat.size} bytes long; policy files are at most ${MAX_SOURCE_BYTES}` };
    return fs.readFileSync(fd);
  } catch (e) {
    return { error: describeFsError(e) };
  } finally {
    fs.closeSync(fd);
  }
}

const REFUSED: Readonly<Record<Refused["refused"], string>> = { folder: "is a folder", special: "is not a regular file (a device, pipe or socket)" };

/** One file's text, wherever it is (for tools and benchmarks over trusted folders; the CLI uses treeReader). */
export function readSourceFile(path: string): { readonly text: string } | { readonly error: string } {
  const bytes = readRegularFile(path);
  if (Buffer.isBuffer(bytes)) return { text: lenient.decode(bytes) };
  return "refused" in bytes ? { error: REFUSED[bytes.refused] } : bytes;
}

/**
 * Where a path of the compilation really is, if it may be read: inside the tree as named, and inside
 * the tree's real folder once every link on the way is followed. A pull request may add links (to
 * /etc/passwd, to /proc/self/environ, to a folder above the checkout); git cannot add devices or pipes,
 * but a link can lead to one, which readRegularFile refuses. The tree's own real path was fixed when
 * the operator's arguments were read, and no file of the policy can move it.
 */
function resolveInTree(tree: PolicyTree, path: string): { readonly real: string } | { readonly error: string } | { readonly refused: "outside" } {
  if (!isInsideTree(tree.path, path)) return { refused: "outside" };
  let real: string;
  try {
    real = toPosix(fs.realpathSync(path));
  } catch (e) {
    return { error: describeFsError(e) };
  }
  return isInsideTree(tree.real, real) ? { real } : { refused: "outside" };
}

/**
 * The compile's readFile: a file's text when it is a regular file inside the policy tree; otherwise
 * why not, without reading a byte of it (a link out of the tree, a folder, a device or a pipe is
 * `refused`, which the library reports as MOAT222). The file is opened at its real path, the one
 * checked. (A process that swaps links on this machine while moat runs could race the check; it could
 * as well read the files itself: the threat is the policy's content, not a local attacker.)
 */
export function treeReader(tree: PolicyTree): (path: string) => ReadResult {
  return (path) => {
    const where = resolveInTree(tree, path);
    if (!("real" in where)) return where;
    const bytes = readRegularFile(where.real);
    return Buffer.isBuffer(bytes) ? { text: lenient.decode(bytes) } : bytes;
  };
}

/** For `moat fmt`, which writes files back: the text, whether the bytes were valid UTF-8, and the BOM. */
export interface DecodedForRewrite {
  readonly text: string;
  /** False when some bytes were replaced by U+FFFD: writing the text back would change them. */
  readonly validUtf8: boolean;
  readonly bom: boolean;
  /** The file's permission bits, kept when it is rewritten. */
  readonly mode: number;
}

/**
 * For `moat fmt`: the file, read as treeReader reads it; `refused: "outside"` when it leads outside the
 * policy tree (nothing of it is read, and it is never rewritten).
 */
export function readSourceForRewrite(path: string, tree?: PolicyTree): DecodedForRewrite | { readonly error: string } | { readonly refused: "outside" } {
  let at = path;
  if (tree !== undefined) {
    const where = resolveInTree(tree, path);
    if (!("real" in where)) return where;
    at = where.real;
  }
  const read = readRegularFile(at);
  if (!Buffer.isBuffer(read)) return "refused" in read ? { error: REFUSED[read.refused] } : read;
  const bytes = read;
  let mode: number;
  try {
    mode = fs.statSync(path).mode & 0o7777;
  } catch (e) {
    return { error: describeFsError(e) };
  }
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    return { text: strict.decode(bytes), validUtf8: true, bom, mode };
  } catch {
    return { text: lenient.decode(bytes), validUtf8: false, bom, mode };
  }
}
