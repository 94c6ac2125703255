/**
 * The installed text of a profile: the compiled profile, byte for byte, with the rules for the nodes
 * this host resolved added before its closing `}`, each under a comment naming the grant (file:line)
 * and the path that leads there. Quoting and comments go through the emitter's helpers, so nothing in a
 * host path can end a string or add a rule. The same profile and the same resolutions give the same
 * text, so a second install finds nothing changed.
 */
import { aaFileRule, commentText } from "../emit/apparmor-text.js";
import type { ResolvedRule } from "./resolve-grants.js";

const CLOSING = "\n}\n";

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The compiled text with `rules` added; undefined when the text does not end as moat's profiles do. */
export function installedText(compiled: string, rules: readonly ResolvedRule[]): string | undefined {
  if (!compiled.endsWith(CLOSING)) return undefined;
  if (rules.length === 0) return compiled;
  const grants = rules[0]!.ref.profile.grants;
  const order = new Map(grants.map((g, i) => [g, i]));
  // A device by address has no grant of the profile: its rules come after the grants'.
  const sorted = [...rules].sort(
    (a, b) => (order.get(a.ref.grant) ?? grants.length) - (order.get(b.ref.grant) ?? grants.length) || compare(a.path, b.path) || compare(a.node, b.node),
  );
  const seen = new Set<string>();
  let block = `\n${INSTALLED_BLOCK_HEADER}\n`;
  for (const r of sorted) {
    const key = `${order.get(r.ref.grant)}|${r.path}|${r.node}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const g = r.ref.grant;
    const what = g.device !== undefined ? g.device : installedGrantName(g);
    block += `\n  # ${commentText(g.device !== undefined ? `${what} (${g.file}:${g.line}) -> ${r.node}` : `${what} (${g.file}:${g.line}): ${r.path} -> ${r.node}`)}\n`;
    block += `  ${aaFileRule(false, r.glob, g.perms)},\n`;
    if (g.deny !== undefined) block += `  ${aaFileRule(true, r.glob, g.deny)},\n`;
  }
  return compiled.slice(0, compiled.length - CLOSING.length) + "\n" + block + "}\n";
}

/** The comment that opens the rules install adds to a profile; `moat audit --root` finds them by it. */
export const INSTALLED_BLOCK_HEADER = "  # moat install: the nodes this host resolves these grants to";

/** How install's comment names a grant (`volume rw`, `socket`, `libvirt log: implied by libvirt`); audit reads it back. */
export function installedGrantName(grant: { readonly kind: string; readonly access?: string; readonly note?: string }): string {
  if (grant.kind === "implied") return `${grant.note ?? "rule"}: implied by libvirt`;
  return grant.kind === "socket" ? "socket" : `${grant.kind} ${grant.access}`;
}
