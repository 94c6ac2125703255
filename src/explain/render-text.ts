/**
 * An Explanation as a table for the terminal: the path, what is special about it, then one row per
 * workload (who, allowed or denied, the permissions, the lines that decide it), then the note on what
 * explain does not see. Text from the policy and the command line is made visible (no control
 * characters reach the terminal), as in the diagnostics.
 */
import { visibleMessage } from "../diagnostics/render-text.js";
import { EXPLAIN_SCOPE_NOTE, type Cite, type DenialReason, type Explanation, type GrantMatch, type Owner, type ProtectedCite } from "./types.js";

export function renderExplanationText(e: Explanation, display: (file: string) => string): string {
  const at = (c: Cite): string => `${display(c.file)}:${c.line}`;
  const lines = [visibleMessage(e.path)];
  if (e.protectedBy.length > 0) {
    lines.push(`  protected: ${e.protectedBy.map((p) => protectedText(p, at)).join(", ")}; every profile denies it, and a deny overrides any grant`);
  }
  if (e.hostShared) lines.push("  a host-shared device node: any workload may be granted it, and it belongs to no tenant");
  if (e.workloads.length === 0) lines.push("  (the policy has no workloads)");
  // Each workload's name and permissions, once: the columns are as wide as the widest of them.
  const who = e.workloads.map((v) => `${v.tenant}/${v.workload}${v.kind === "service" ? "" : ` (${v.kind})`}`);
  const perms = e.workloads.map((v) => (v.verdict === "allowed" ? permsText(v.permissions, v.writesDenied) : ""));
  // A reduce, not Math.max(...): a fleet's hundred thousand workloads would overflow the argument stack.
  const whoWidth = who.reduce((w, text) => Math.max(w, text.length), 0);
  const permsWidth = perms.reduce((w, text) => Math.max(w, text.length), 0);
  e.workloads.forEach((v, i) => {
    // A complain-mode row outgrows the verdict column rather than widening it for every row.
    const head = `  ${who[i]!.padEnd(whoWidth)}  ${v.verdict === "complain" ? "allowed (complain mode)" : v.verdict.padEnd(7)}  `;
    let detail: string;
    if (v.verdict === "allowed") {
      detail = `${perms[i]!.padEnd(permsWidth)}   ${v.grants.map((g) => grantText(g, v.workload, at)).join("; ")}`;
      if (v.mode === "complain") detail += "  [complain mode: denials are logged, not enforced]";
    }
    else if (v.verdict === "complain") detail = `logged, not enforced; enforce mode denies it: ${denialText(v.reason, v.workload, at)}`;
    else detail = denialText(v.reason, v.workload, at) + (v.mode === "complain" ? "  [a deny rule: enforced in complain mode too]" : "");
    lines.push(visibleMessage(`${head}${detail}`).trimEnd());
  });
  lines.push(`note: ${EXPLAIN_SCOPE_NOTE}`);
  return `${lines.join("\n")}\n`;
}

function permsText(permissions: string, writesDenied: boolean): string {
  return writesDenied ? `${permissions}, writes denied` : permissions;
}

function protectedText(p: ProtectedCite, at: (c: Cite) => string): string {
  return p.at === undefined ? `"${p.glob}" (built-in)` : `"${p.glob}" at ${at(p.at)}`;
}

/** "volume ro at tenants/acme.iso:9", with what it stands on. */
function grantText(g: GrantMatch, domain: string, at: (c: Cite) => string): string {
  let text: string;
  if (g.implied !== undefined) text = `${g.implied}, implied by libvirt for domain ${domain} (${at(g.at)})`;
  else if (g.item !== undefined) text = `${g.item}${g.item === "share" ? ` ${g.access}` : ""} at ${at(g.at)}`;
  else if (g.kind === "socket" || g.kind === "read") text = `${g.kind} at ${at(g.at)}`;
  else if (g.kind === "run") text = `run ${g.run ?? "inherit"} at ${at(g.at)}`;
  else text = `${g.kind} ${g.access} at ${at(g.at)}`;
  if (g.hostSide === true) text += "  (host side: the container's storage, reached through its mounts; no rule of its profile)";
  if (g.shared !== undefined) text += `  (shared with ${g.shared.tenants.join(", ")} at ${at(g.shared.at)})`;
  if (g.hostShared) text += "  (host-shared device)";
  return text;
}

function ownerText(o: Owner, at: (c: Cite) => string): string {
  const where = o.grant.implied !== undefined ? `${o.grant.implied} implied by libvirt for domain ${o.workload}, ${at(o.grant.at)}` : at(o.grant.at);
  return `${o.tenant}/${o.workload} (${where}${o.alias === undefined ? "" : `, as ${o.alias}`})`;
}

/** A holder of the workload's own tenant; the workload itself when it has the path under its other LVM name. */
function holderText(o: Owner, workload: string, at: (c: Cite) => string): string {
  if (o.workload === workload) return `it has it as ${o.alias ?? o.grant.glob} at ${at(o.grant.at)} (AppArmor matches the name a file is opened by)`;
  return `its tenant's ${ownerText(o, at)} has it`;
}

function denialText(reason: DenialReason, workload: string, at: (c: Cite) => string): string {
  switch (reason.kind) {
    case "protected": {
      const overridden = reason.overridden.map((g) => `${g.kind === "implied" ? g.implied : `${g.kind} ${g.access}`} at ${at(g.at)}`);
      return `protected: ${protectedText(reason.by, at)}${overridden.length > 0 ? `; the deny overrides ${overridden.join(", ")}` : ""}`;
    }
    case "other-tenant":
      return `belongs to ${reason.owners.map((o) => ownerText(o, at)).join(", ")}`;
    case "not-granted":
      return reason.sameTenant.length === 0 ? "not granted" : `not granted; ${reason.sameTenant.map((o) => holderText(o, workload, at)).join("; ")}`;
    case "symlink":
      return `a symlink on the host: AppArmor mediates the node it resolves to (${reason.target}), so ${reason.grants
        .map((g) => `${g.kind} ${g.access} at ${at(g.at)}`)
        .join(", ")} matches nothing at run time; grant the resolved node too`;
  }
}
