/**
 * What `moat audit` judges records by, read from disk: the compiled output folder (verified against its
 * manifest, as install verifies it, so a hand-edited grants file cannot name the wrong owner) and, with
 * --root, what install recorded on that host: ROOT/var/lib/moat/installed.json and each installed
 * profile it lists, whose added rules map the nodes install resolved back to their grants. An
 * installed file whose hash the record does not vouch for is skipped with a warning (MOAT604).
 */
import * as fs from "node:fs";
import { auditPolicy, emptyPolicy, installedNodes, type AuditPolicy, type InstalledNode } from "../../audit/index.js";
import { diagnostic, hasErrors, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { GRANTS_PATH, parseGrantsModel } from "../../install/grants-model.js";
import { parseInstalledRecord, sha256 } from "../../install/installed-record.js";
import { verifyFolder } from "../../install/verify-folder.js";
import { describeFsError } from "../outputs/fs-layer.js";
import { readOutputFolder } from "../install/output-folder.js";

export interface LoadedPolicy {
  /** Absent when no output folder was named and the default one is not there: records are only parsed. */
  readonly policy?: AuditPolicy;
  readonly diagnostics: readonly Diagnostic[];
  readonly notes: readonly string[];
}

export function loadPolicy(from: string, explicit: boolean, root: string | undefined, display: (p: string) => string): LoadedPolicy {
  const notes: string[] = [];
  if (!explicit && !fs.existsSync(from)) {
    if (root !== undefined) return failed("MOAT602", `--root needs the compiled folder installed there: ${display(from)} is not there (--from DIR)`);
    return { diagnostics: [], notes: [`no output folder at ${display(from)}: records are parsed, not judged (--from DIR names one)`] };
  }
  let folder;
  try {
    folder = readOutputFolder(from);
  } catch (e) {
    return failed("MOAT602", `cannot read the output folder ${display(from)}: ${describeFsError(e)}`);
  }
  let verified;
  try {
    verified = verifyFolder(folder.entries, folder.read, (rel) => display(`${from}/${rel}`));
  } catch (e) {
    if (e instanceof Error && !("code" in e)) throw e;
    return failed("MOAT602", `cannot read the output folder ${display(from)}: ${describeFsError(e)}`);
  }
  if (hasErrors(verified.diagnostics)) {
    const why = verified.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    return failed("MOAT602", `${display(from)} is not an output folder moat wrote, as its manifest lists it: ${why.join("; ")}`);
  }
  const text = verified.files.get(GRANTS_PATH);
  if (text === undefined) return failed("MOAT602", `${display(from)} has no ${GRANTS_PATH}: compile the policy with this moat`);
  const parsed = parseGrantsModel(text);
  if ("error" in parsed) return failed("MOAT602", `${display(`${from}/${GRANTS_PATH}`)}: ${parsed.error}`);
  if (root === undefined) return { policy: auditPolicy(parsed.model), diagnostics: [], notes };

  const installed = readInstalled(root, display);
  if ("diagnostic" in installed) return { diagnostics: [installed.diagnostic], notes };
  return { policy: auditPolicy(parsed.model, installed.nodes), diagnostics: installed.warnings, notes };
}

function failed(code: "MOAT602" | "MOAT603", detail: string): LoadedPolicy {
  return { diagnostics: [diagnostic(code, undefined, { detail })], notes: [] };
}

function readInstalled(root: string, display: (p: string) => string): { nodes: Map<string, InstalledNode[]>; warnings: Diagnostic[] } | { diagnostic: Diagnostic } {
  const base = root === "/" ? "" : root;
  const recordPath = `${base}/var/lib/moat/installed.json`;
  let text: string;
  try {
    text = fs.readFileSync(recordPath, "utf8");
  } catch (e) {
    return { diagnostic: diagnostic("MOAT603", undefined, { detail: `cannot read ${display(recordPath)}: ${describeFsError(e)}` }, { hint: "--root names a host moat install installed on; drop it to judge by the output folder alone" }) };
  }
  const parsed = parseInstalledRecord(text);
  if (parsed.kind !== "valid") {
    return { diagnostic: diagnostic("MOAT603", undefined, { detail: `${display(recordPath)} is not a record moat install wrote: ${parsed.kind === "invalid" ? parsed.reason : "it is empty"}` }) };
  }
  const nodes = new Map<string, InstalledNode[]>();
  const warnings: Diagnostic[] = [];
  const hashes = new Map<string, Set<string>>();
  for (const f of parsed.record.files) hashes.set(f.name, (hashes.get(f.name) ?? new Set()).add(f.sha256));
  for (const f of parsed.record.files) {
    if (f.pending === true) continue;
    const file = `${base}/etc/apparmor.d/${f.name}`;
    let profileText: string;
    try {
      profileText = fs.readFileSync(file, "utf8");
    } catch (e) {
      warnings.push(diagnostic("MOAT604", undefined, { detail: `cannot read ${display(file)}, which the install record lists: ${describeFsError(e)}; the nodes install resolved for it are not known` }));
      continue;
    }
    if (!hashes.get(f.name)!.has(sha256(profileText))) {
      warnings.push(diagnostic("MOAT604", undefined, { detail: `${display(file)} is not the text moat installed (its sha256 differs from the record's); the nodes it grants are not trusted` }));
      continue;
    }
    const found = installedNodes(profileText);
    for (const p of f.profiles) nodes.set(p, found);
  }
  return { nodes, warnings };
}
