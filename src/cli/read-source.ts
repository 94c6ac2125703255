/**
 * The library's only window on the disk: reads one file for compile(). Sources are UTF-8. Bytes that
 * are not become U+FFFD rather than failing the whole file: the lexer (and the JSON form) report a
 * U+FFFD as MOAT107 at its line and column, which tells the operator where the stray Latin-1 byte is.
 * No replaced byte can reach an output: MOAT107 is an error wherever a U+FFFD could mean something
 * (strings, names); comments may hold anything. A UTF-8 byte order mark is dropped.
 */
import * as fs from "node:fs";
import type { ReadResult } from "../api.js";
import { describeFsError } from "./outputs/fs-layer.js";

const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Far above any real policy (a 10,000-VM fleet is a few MB), far below what would exhaust memory. */
export const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

/**
 * A policy file's bytes, or why not. A policy under review may include anything: a link to /dev/zero
 * would have moat read until memory runs out, and a named pipe would block it forever. So the file is
 * opened without blocking and checked through its own descriptor (no race with a swapped link) to be a
 * regular file of bounded size before a byte is read.
 */
function readRegularFile(path: string): Buffer | { readonly error: string } {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    return { error: describeFsError(e) };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { error: stat.isDirectory() ? "is a folder" : "is not a regular file (a device, pipe or socket)" };
    if (stat.size > MAX_SOURCE_BYTES) return { error: `is ${stat.size} bytes long; policy files are at most ${MAX_SOURCE_BYTES}` };
    return fs.readFileSync(fd);
  } catch (e) {
    return { error: describeFsError(e) };
  } finally {
    fs.closeSync(fd);
  }
}

export function readSourceFile(path: string): ReadResult {
  const bytes = readRegularFile(path);
  return Buffer.isBuffer(bytes) ? { text: lenient.decode(bytes) } : bytes;
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

export function readSourceForRewrite(path: string): DecodedForRewrite | { readonly error: string } {
  const read = readRegularFile(path);
  if (!Buffer.isBuffer(read)) return read;
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
