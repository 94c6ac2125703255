/**
 * The library's only window on the disk: reads one file for compile(). Sources must be UTF-8; bytes that
 * are not are reported rather than silently replaced, since a replaced byte in a path would compile to a
 * different rule than the one the author wrote.
 */
import * as fs from "node:fs";
import type { ReadResult } from "../api.js";
import { describeFsError } from "./outputs/fs-layer.js";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function readSourceFile(path: string): ReadResult {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    return { error: describeFsError(e) };
  }
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    return { error: "the file is not valid UTF-8 text" };
  }
}
