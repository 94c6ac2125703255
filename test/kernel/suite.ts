/** What the kernel suite's tests share: matching audit records to checks, and the printed summary. */
import { parseRecord } from "./audit-records.js";
import type { GuestResult } from "./harness.js";
import type { CheckInfo, PolicyPlan } from "./policy-checks.js";

/**
 * Matches the run's audit records to the checks that must produce one (a denial in enforce mode that no
 * explicit deny rule made, or what complain mode let through): returns a line for each check whose
 * record is missing, and for each record no check explains.
 */
export function expectRecords(run: GuestResult, info: ReadonlyMap<string, CheckInfo>, profiles: ReadonlyMap<string, string>): string[] {
  const key = (apparmor: string, operation: string, profile: string, name: string, mask: string): string => [apparmor, operation, profile, name, mask].join(" ");
  const printed = new Map<string, number>();
  for (const line of run.audit) {
    const r = parseRecord(line);
    if (r === undefined) continue;
    const f = r.fields;
    const k = key(f.get("apparmor") ?? "", f.get("operation") ?? "", f.get("profile") ?? "", f.get("name") ?? "", f.get("requested_mask") ?? "");
    printed.set(k, (printed.get(k) ?? 0) + 1);
  }
  const problems: string[] = [];
  const explained = new Set<string>();
  for (const result of run.results) {
    const i = info.get(result.id);
    if (i?.record === undefined) continue;
    const k = key(i.record, i.operation, profiles.get(i.workload) ?? "?", i.target.path, i.mask);
    explained.add(k);
    if (!printed.has(k)) problems.push(`no record: ${k}`);
  }
  for (const k of printed.keys()) if (!explained.has(k)) problems.push(`unexplained record: ${k}`);
  return problems;
}

/** One paragraph on a run: what was booted, how long it took, what was checked. */
export function summary(title: string, run: GuestResult, plans: readonly PolicyPlan[]): string {
  const checks = run.results.length;
  const allow = run.results.filter((r) => r.expected === "allow").length;
  const deny = run.results.filter((r) => r.expected === "deny").length;
  const workloads = plans.reduce((n, p) => n + p.workloads.length, 0);
  const paths = plans.reduce((n, p) => n + p.paths.length, 0);
  const denied = run.audit.filter((l) => l.includes('apparmor="DENIED"')).length;
  const allowed = run.audit.filter((l) => l.includes('apparmor="ALLOWED"')).length;
  return [
    `kernel suite, ${title}: kernel ${run.kernel} under ${run.accel}, ${run.loaded.length} profiles loaded, ${workloads} workloads, ${paths} test paths`,
    `  ${checks} checks (${allow} expected allowed, ${deny} expected denied, ${checks - allow - deny} labels) in one boot`,
    `  ${(run.prepareMs / 1000).toFixed(1)} s to prepare; guest up after ${(run.bootMs / 1000).toFixed(1)} s, done after ${(run.totalMs / 1000).toFixed(1)} s; ${denied} DENIED and ${allowed} ALLOWED records`,
    `  profiles loaded from the parser's cache: ${run.parser.output.filter((l) => l.startsWith("Cache hit")).length} of ${run.loaded.length}`,
  ].join("\n");
}
