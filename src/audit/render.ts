/**
 * What `moat audit` prints: the text summary a person reads first (what needs action at the top:
 * cross-tenant attempts, then protected paths), one line per record for `--follow`, the JSON object of
 * a record (its parsed fields, then workload, verdict, owner, suggestion), and the suggestions of
 * `--suggest`. Only rendering: the data comes from summary.ts, judge.ts and suggest.ts.
 */
import type { Judgement } from "./judge.js";
import type { AuditRecord } from "./record.js";
import type { SuggestionReport } from "./suggest.js";
import { VERDICTS, type AttemptRow, type AuditSummary, type Row, type Seen } from "./summary.js";

/** Rows shown per table in the summary; the rest are counted. */
export const TOP = 20;

export function timeText(seconds: number): string {
  const d = new Date(Math.round(seconds * 1000));
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace("T", " ").replace("Z", " UTC");
}

function seenText(s: Seen): string {
  if (s.first !== undefined) return s.first === s.last ? timeText(s.first) : `${timeText(s.first)} to ${timeText(s.last!)}`;
  if (s.firstText !== undefined) return s.firstText === s.lastText ? s.firstText : `${s.firstText} to ${s.lastText}`;
  return "no time";
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function top<V extends Row>(rows: Map<string, V>): V[] {
  return [...rows.entries()]
    .sort(([ka, a], [kb, b]) => b.count - a.count || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, TOP)
    .map(([, v]) => v);
}

function more(shown: number, rows: number, overflow: number): string {
  const rest = rows - shown;
  const parts = [rest > 0 ? `${rest} more` : "", overflow > 0 ? `${plural(overflow, "record")} of further keys not tabled` : ""].filter((p) => p !== "");
  return parts.length === 0 ? "" : `  … ${parts.join("; ")}\n`;
}

function attempts(title: string, rows: Map<string, AttemptRow>, overflow: number): string {
  if (rows.size === 0) return "";
  const total = [...rows.values()].reduce((n, r) => n + r.count, 0) + overflow;
  let out = `${title}: ${plural(total, "record")}\n`;
  const shown = top(rows);
  for (const r of shown) {
    out += `  ${r.workload} (${r.at})${r.allowed ? " [complain mode: allowed]" : ""} -> ${r.against}\n`;
    out += `    ${plural(r.count, "record")}, ${seenText(r.seen)}; ${[...r.operations].join(", ")} ${[...r.masks].join(", ")}: ${[...r.paths.keys()].join(", ")}${r.paths.size >= 5 ? ", …" : ""}\n`;
  }
  return out + more(shown.length, rows.size, overflow) + "\n";
}

export function renderSummary(s: AuditSummary, options: { readonly policy: boolean }): string {
  let out = `moat audit: ${plural(s.records, "record")} in ${plural(s.lines, "line")} of ${s.logs.length === 1 ? s.logs[0] : plural(s.logs.length, "log")}`;
  out += ` (${s.malformed} malformed, ${s.notAppArmor} not AppArmor's${s.overlong > 0 ? `, ${s.overlong} cut at the length limit` : ""})\n`;
  if (s.records > 0) out += `seen ${seenText(s.seen)}\n`;
  if (!options.policy) out += "no compiled output folder: records are parsed, not judged (--from DIR)\n";
  out += "\n";
  out += attempts("CROSS-TENANT", s.crossTenant.rows, s.crossTenant.overflow);
  out += attempts("PROTECTED", s.protectedPaths.rows, s.protectedPaths.overflow);
  out += `verdicts: ${VERDICTS.map((v) => `${v} ${s.verdicts.get(v)}`).join(", ")}\n\n`;
  if (s.workloads.rows.size > 0) {
    out += "by workload:\n";
    const shown = top(s.workloads.rows);
    for (const w of shown) {
      const counts = VERDICTS.filter((v) => (w.verdicts.get(v) ?? 0) > 0).map((v) => `${v} ${w.verdicts.get(v)}`);
      out += `  ${w.label} (${w.kind}, ${w.at}): ${plural(w.count, "record")}: ${counts.join(", ")}; ${seenText(w.seen)}\n`;
    }
    out += more(shown.length, s.workloads.rows.size, s.workloads.overflow) + "\n";
  }
  if (s.paths.rows.size > 0) {
    out += "by path:\n";
    const shown = [...s.paths.rows.entries()].sort(([ka, a], [kb, b]) => b.count - a.count || (ka < kb ? -1 : ka > kb ? 1 : 0)).slice(0, TOP);
    for (const [path, p] of shown) out += `  ${String(p.count).padStart(6)}  ${path}  ${[...p.verdicts].join(", ")}; ${seenText(p.seen)}\n`;
    out += more(shown.length, s.paths.rows.size, s.paths.overflow) + "\n";
  }
  if (s.missing.rows.size > 0) {
    out += "not granted: the line that would grant it, in the workload's block (moat audit --suggest checks and groups them):\n";
    const shown = top(s.missing.rows);
    for (const m of shown) out += `  ${m.workload} (${m.at}): ${m.line}  # ${plural(m.count, "record")}\n`;
    out += more(shown.length, s.missing.rows.size, s.missing.overflow) + "\n";
  }
  if (s.foreign.rows.size > 0) {
    const shown = top(s.foreign.rows);
    const names = [...s.foreign.rows.entries()].filter(([, r]) => shown.includes(r)).map(([k, r]) => `${k} (${r.count})`);
    out += `foreign profiles (not moat's): ${names.join(", ")}\n`;
    out += more(shown.length, s.foreign.rows.size, s.foreign.overflow) + "\n";
  }
  return out.replace(/\n+$/, "\n");
}

/** One line for a record as it arrives (`--follow`). */
export function renderRecordLine(r: AuditRecord, j: Judgement): string {
  const when = r.timestamp !== undefined ? timeText(Number(r.timestamp)) : (r.logTime ?? "");
  const who = j.workload === undefined ? (r.profile ?? "(no profile)") : `${j.workload.tenant}/${j.workload.name}`;
  const what = [r.operation, r.name ?? r.peer ?? r.capability, r.deniedMask ?? r.requestedMask].filter((x) => x !== undefined).join(" ");
  let why = "";
  if (j.owner !== undefined) why = `: ${j.owner.tenant}/${j.owner.workload}'s ${j.owner.grant} (${j.owner.file}:${j.owner.line})`;
  else if (j.protectedBy !== undefined) why = `: ${j.protectedBy.text}`;
  else if (j.suggestion !== undefined) why = `: add ${j.suggestion.text} to ${j.suggestion.workload} (${j.suggestion.file}:${j.suggestion.line})`;
  const verdict = j.verdict === "complain" ? `complain (${j.wouldBe})` : j.verdict;
  return `${when} ${verdict} ${who} ${what}${why}\n`;
}

/** The JSON object of a record: its parsed fields, then what the audit made of it. */
export function recordJson(r: AuditRecord, j: Judgement, log: string, line: number): Record<string, unknown> {
  const w = j.workload;
  return {
    log,
    line,
    ...r,
    verdict: j.verdict,
    ...(w === undefined ? {} : { workload: { tenant: w.tenant, kind: w.kind, name: w.name, mode: w.mode, file: w.file, line: w.line } }),
    ...(j.wouldBe === undefined ? {} : { wouldBe: j.wouldBe }),
    ...(j.owner === undefined ? {} : { owner: j.owner }),
    ...(j.protectedBy === undefined ? {} : { protected: { glob: j.protectedBy.text, ...(j.protectedBy.reason === undefined ? {} : { reason: j.protectedBy.reason }), ...(j.protectedBy.at === undefined ? {} : j.protectedBy.at) } }),
    ...(j.suggestion === undefined
      ? {}
      : { suggestion: { line: j.suggestion.text, file: j.suggestion.file, workload: j.suggestion.workload, workloadLine: j.suggestion.line, ...(j.suggestion.replaces === undefined ? {} : { replaces: j.suggestion.replaces }) } }),
    ...(j.note === undefined ? {} : { note: j.note }),
  };
}

export function renderSuggestions(report: SuggestionReport): string {
  if (report.workloads.length === 0) return "moat audit --suggest: nothing to add\n";
  let out = "";
  for (const w of report.workloads) {
    out += `${w.workload} (${w.kind}${w.mode === "complain" ? ", complain mode" : ""}): in its block at ${w.file}:${w.line}\n`;
    for (const l of w.lines) {
      const covers = l.covers.length === 1 ? "" : ` (${l.covers.length} paths: ${l.covers.slice(0, 3).join(", ")}${l.covers.length > 3 ? ", …" : ""})`;
      const replaces = l.replaces === undefined ? "" : `, replacing line ${l.replaces.line}`;
      out += `  ${l.line}  # ${plural(l.records, "record")}${covers}${replaces}\n`;
      for (const warning of l.warnings ?? []) out += `      warning ${warning}\n`;
    }
    if (w.leftOut.length > 0) {
      out += "  left out:\n";
      for (const x of w.leftOut) out += `    ${x.path}: ${x.why}\n`;
    }
    out += "\n";
  }
  if (report.untracked > 0) out += `${plural(report.untracked, "further path")} not considered (more than the audit keeps)\n`;
  return out.replace(/\n+$/, "\n");
}
