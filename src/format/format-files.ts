/**
 * The logic of `moat fmt [--check] [PATH…]` without its I/O: which files formatting would change,
 * and to what. The CLI reads the files, then writes `changed` back (or, with --check, lists them and
 * exits 1); a file that does not parse is reported and left alone.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../source.js";
import { formatSource } from "./format-source.js";
import { appendAll } from "../append-all.js";

export interface FormatFilesResult {
  /** The files whose canonical form differs from their text, with that form, in input order. */
  readonly changed: Source[];
  /** Why some files could not be formatted; those files are not in `changed`. */
  readonly diagnostics: Diagnostic[];
  /** The files whose text does not read as policy: diagnostics may locate them, never show them. */
  readonly hidden: ReadonlySet<string>;
}

export function formatFiles(files: readonly Source[]): FormatFilesResult {
  const changed: Source[] = [];
  const diagnostics: Diagnostic[] = [];
  const hidden = new Set<string>();
  for (const file of files) {
    const result = formatSource(file);
    appendAll(diagnostics, result.diagnostics);
    if (result.hideText === true) hidden.add(file.path);
    if (result.text !== undefined && result.text !== file.text) changed.push({ path: file.path, text: result.text });
  }
  return { changed, diagnostics, hidden };
}
