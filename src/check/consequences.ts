/**
 * A grant refused on its own (over-broad, MOAT305; a protected path, MOAT304; a host-critical path,
 * MOAT310) overlaps whatever lies under it: one `volume "/var/**"` meets every VM's disk, log and
 * monitor socket, and each meeting would be an error or a warning of its own, burying the one cause
 * under dozens of its consequences. Fixing the grant removes them or changes them, so they are not
 * listed: the grant's report counts them instead, and the next compile shows what is left. The compile
 * fails on the grant's own error either way, so nothing unproven is ever written.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Code } from "../diagnostics/codes.js";
import type { Span } from "../source.js";

/** Reports about one grant alone, in the order the count is attached to the first found. */
const CAUSES: readonly Code[] = ["MOAT305", "MOAT304", "MOAT310"];
/**
 * Reports of two grants meeting: what an over-broad grant causes by the dozen. The other two-sided
 * findings (a write above another's binary or folder, two profiles on one binary) stay: they are few,
 * and each says something the grant's own report does not.
 */
const CONSEQUENCES = new Set<Code>(["MOAT301", "MOAT302", "MOAT303"]);

const key = (span: Span): string => `${span.file}\u0000${span.start}\u0000${span.end}`;

export function withoutConsequences(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const causes = new Map<string, Diagnostic>();
  for (const code of CAUSES) {
    for (const d of diagnostics) if (d.code === code && d.span !== undefined && !causes.has(key(d.span))) causes.set(key(d.span), d);
  }
  if (causes.size === 0) return [...diagnostics];
  const hidden = new Map<Diagnostic, number>();
  const kept: Diagnostic[] = [];
  for (const d of diagnostics) {
    const cause = CONSEQUENCES.has(d.code) ? [d.span, ...d.related.map((r) => r.span)].find((s) => s !== undefined && causes.has(key(s))) : undefined;
    if (cause === undefined) {
      kept.push(d);
      continue;
    }
    const at = causes.get(key(cause))!;
    hidden.set(at, (hidden.get(at) ?? 0) + 1);
  }
  return kept.map((d) => {
    const count = hidden.get(d);
    if (count === undefined) return d;
    const note = `${count} overlap${count === 1 ? "" : "s"} with other grants that follow from this one ${count === 1 ? "is" : "are"} not listed: fix this grant first, then compile again`;
    return { ...d, hint: d.hint === undefined ? note : `${d.hint}; ${note}` };
  });
}
