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

export function readSourceFile(path: string): ReadResult {
  try {
    return { text: lenient.decode(fs.readFileSync(path)) };
  } catch (e) {
    return { error: describeFsError(e) };
  }
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
  let bytes: Buffer;
  let mode: number;
  try {
    bytes = fs.readFileSync(path);
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
