/**
 * `moat fmt [--check] [PATH…]`: canonical layout for .iso files, through the library's formatFiles.
 * Without --check each changed file is rewritten atomically and named on stderr; with --check nothing
 * is written, and each file that would change is listed on stdout with a unified diff.
 *
 * A file that is not valid UTF-8 is never rewritten: its text holds U+FFFD where the bad bytes were,
 * and writing it back would replace bytes the operator may still want (in a comment, say).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnosticsText } from "../diagnostics/render-text.js";
import { formatFiles } from "../format/format-files.js";
import { describeRefusal } from "../model/load-files.js";
import { parse } from "../syntax/parse.js";
import type { Source } from "../source.js";
import { displayPathFor, type CliIo } from "./commands.js";
import { findInputs } from "./find-inputs.js";
import { describeFsError } from "./outputs/fs-layer.js";
import { readSourceForRewrite, type DecodedForRewrite } from "./read-source.js";
import { rewriteFileAtomically } from "./rewrite-file.js";
import { unifiedDiff } from "./unified-diff.js";
import type { CommandOptions } from "./usage.js";
import { appendAll } from "../append-all.js";

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

export function runFmt(opts: CommandOptions, io: CliIo): number {
  const display = displayPathFor(io.cwd);
  const context = (sources: readonly Source[]) => ({ sources, displayPath: display });
  const found = findInputs(opts.paths, io.cwd, display, "iso");
  if ("error" in found) {
    const code = found.kind === "none" ? "MOAT218" : found.kind === "outside" ? "MOAT222" : "MOAT404";
    io.stderr.write(renderDiagnosticsText([diagnostic(code, undefined, { detail: found.error })], context([])));
    return found.kind === "outside" ? 1 : 2;
  }

  const diagnostics: Diagnostic[] = [];
  const sources: Source[] = [];
  const read = new Map<string, DecodedForRewrite>();
  let ioFailed = false;
  for (const file of found.entries) {
    // Only files inside the policy tree are read (and so rewritten): a link out of it is refused unread.
    const r = readSourceForRewrite(file, found.tree);
    if ("refused" in r) {
      diagnostics.push(diagnostic("MOAT222", { file, start: 0, end: 0 }, { detail: describeRefusal(undefined, r.refused) }));
      continue;
    }
    if ("error" in r) {
      diagnostics.push(diagnostic("MOAT404", undefined, { detail: `cannot read ${display(file)}: ${r.error}` }));
      ioFailed = true;
      continue;
    }
    const source: Source = { path: file, text: r.text };
    if (!r.validUtf8) {
      const at = r.text.indexOf("\ufffd");
      const detail = "bytes that are not valid UTF-8 (shown as U+FFFD): save the file as UTF-8; moat fmt leaves it as it is";
      diagnostics.push(diagnostic("MOAT107", { file, start: at, end: at + 1 }, { detail }));
      // A policy with a stray Latin-1 byte is shown at that byte; a binary file is not policy and is not shown.
      sources.push(parse(source).recognized ? source : { ...source, hideText: true });
      continue;
    }
    sources.push(source);
    read.set(file, r);
  }
  const formatted = formatFiles(sources.filter((s) => read.has(s.path)));
  appendAll(diagnostics, formatted.diagnostics);
  const unformattable = diagnostics.some((d) => d.severity === "error" && d.code !== "MOAT404");
  const shown = sources.map((s) => (formatted.hidden.has(s.path) ? { ...s, hideText: true } : s));
  io.stderr.write(renderDiagnosticsText(diagnostics, context(shown)));

  if (opts.check) {
    for (const changed of formatted.changed) {
      const name = display(changed.path);
      io.stdout.write(`${name}: not in moat's canonical layout\n`);
      io.stdout.write(unifiedDiff(name, `${name} (formatted)`, read.get(changed.path)!.text, changed.text));
    }
    if (formatted.changed.length > 0) {
      io.stderr.write(`moat: ${plural(formatted.changed.length, "file")} of ${found.entries.length} would be reformatted; run moat fmt\n`);
    }
    return ioFailed ? 2 : formatted.changed.length > 0 || unformattable ? 1 : 0;
  }

  let rewritten = 0;
  for (const changed of formatted.changed) {
    const original = read.get(changed.path)!;
    try {
      (io.rewriteFile ?? rewriteFileAtomically)(changed.path, original.bom ? `\ufeff${changed.text}` : changed.text, original.mode);
    } catch (e) {
      if (!(e instanceof Error && "code" in e)) throw e;
      io.stderr.write(renderDiagnosticsText([diagnostic("MOAT404", undefined, { detail: `cannot rewrite ${display(changed.path)}: ${describeFsError(e)}` })], context([])));
      ioFailed = true;
      continue;
    }
    io.stderr.write(`${display(changed.path)}\n`);
    rewritten++;
  }
  io.stderr.write(`moat: ${plural(rewritten, "file")} of ${found.entries.length} reformatted\n`);
  return ioFailed ? 2 : unformattable ? 1 : 0;
}
