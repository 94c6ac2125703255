/**
 * `moat import DOMAIN.xml… [--tenant NAME] [--out FILE]`: reads libvirt domain documents and writes the
 * `.iso` policy for them (src/import) on stdout, or into FILE. FILE is created, never replaced: the
 * policy lands whole (a temporary file beside it, synced, then linked into place, which fails if FILE
 * appeared meanwhile) or not at all.
 *
 * Exit status: 0 when every domain was imported (warnings allowed), 1 when a document or domain was
 * refused (the others are still written), 2 for usage and I/O errors.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { nameProblem } from "../import/domain.js";
import { importDomains } from "../import/index.js";
import { MAX_DOMAIN_XML_LENGTH } from "../import/xml.js";
import type { Source } from "../source.js";
import { displayPathFor, exitCodeOf, report, type CliIo } from "./commands.js";
import { describeFsError, errorCode } from "./outputs/fs-layer.js";
import { writeFileAtomically } from "./rewrite-file.js";
import { UsageError, type CommandOptions } from "./usage.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function runImport(opts: CommandOptions, io: CliIo): number {
  if (opts.tenant !== undefined) {
    const problem = nameProblem(opts.tenant);
    if (problem !== undefined) throw new UsageError(`--tenant ${opts.tenant} is not a tenant name: ${problem}`, "import");
  }
  const display = displayPathFor(io.cwd);
  const sources: Source[] = [];
  const problems: Diagnostic[] = [];
  for (const given of opts.paths) {
    const file = path.resolve(io.cwd, given);
    const shown = display(file.split(path.sep).join("/"));
    const read = readDomainFile(file, shown);
    if ("source" in read) sources.push(read.source);
    else problems.push(read.problem);
  }
  if (problems.some((d) => d.code === "MOAT404")) {
    report(io, "text", problems, sources);
    return 2;
  }
  const result = importDomains(sources, opts.tenant === undefined ? {} : { tenant: opts.tenant });
  const diagnostics = [...problems, ...result.diagnostics];
  if (result.text === undefined) {
    report(io, "text", diagnostics, sources);
    io.stderr.write("moat: no domain could be imported; nothing written\n");
    return 1;
  }
  if (opts.importOut !== undefined) {
    const out = path.resolve(io.cwd, opts.importOut);
    try {
      createFileAtomically(out, result.text);
    } catch (e) {
      const why = errorCode(e) === "EEXIST" ? `${display(out)} exists; moat import writes a new file and never replaces one` : `cannot write ${display(out)}: ${describeFsError(e)}`;
      report(io, "text", [...diagnostics, diagnostic("MOAT404", undefined, { detail: why })], sources);
      return 2;
    }
  } else {
    io.stdout.write(result.text);
  }
  report(io, "text", diagnostics, sources);
  const tenants = new Set(result.domains.map((d) => d.tenant)).size;
  const where = opts.importOut === undefined ? "" : ` into ${display(path.resolve(io.cwd, opts.importOut))}`;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  io.stderr.write(`moat: imported ${plural(result.domains.length, "domain")} (${plural(tenants, "tenant")})${where}; review it, then moat validate it\n`);
  return exitCodeOf(diagnostics);
}

function readDomainFile(file: string, shown: string): { source: Source } | { problem: Diagnostic } {
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return { problem: diagnostic("MOAT404", undefined, { detail: `${shown} is not a regular file` }) };
    // Refused before it is read: a domain XML is a few tens of KiB.
    if (stat.size > MAX_DOMAIN_XML_LENGTH) return { problem: diagnostic("MOAT701", { file: shown, start: 0, end: 0 }, { detail: `the file is ${stat.size} bytes long; a domain XML of more than ${MAX_DOMAIN_XML_LENGTH} is refused` }) };
    bytes = fs.readFileSync(file);
  } catch (e) {
    return { problem: diagnostic("MOAT404", undefined, { detail: `cannot read ${shown}: ${describeFsError(e)}` }) };
  }
  try {
    return { source: { path: shown, text: utf8.decode(bytes) } };
  } catch {
    return { problem: diagnostic("MOAT701", { file: shown, start: 0, end: 0 }, { detail: "the file is not UTF-8 text" }) };
  }
}

/** Writes `content` to a new file `target`: EEXIST if it exists, and never a partial file. */
function createFileAtomically(target: string, content: string): void {
  writeFileAtomically(target, content, { mode: 0o644, tag: "import", replace: false });
}

