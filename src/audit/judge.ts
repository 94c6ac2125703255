/**
 * The verdict on one record (docs/audit.md, "Verdicts"). A record of a profile moat did not write is
 * `foreign`; a complain-mode profile's ALLOWED record is `complain` (with what enforce mode would have
 * made of it, `wouldBe`); a record that is no access decision (a profile load, an audit rule) is
 * `logged`. A denial is `protected` when the path is one moat guards (checked first: the deny rule
 * wins over any grant), `cross-tenant` when another tenant owns it (a grant of another tenant matches
 * it and no `shared … ro` covers a read of it), else `not-granted`, with the line that would grant it.
 */
import { toBytes } from "../glob/bytes.js";
import { matchesPath } from "../glob/match.js";
import type { AuditRecord } from "./record.js";
import { itemText, maskLetters, pathItem, type IsoItem, type ItemResult } from "./iso-line.js";
import type { AuditPolicy, AuditWorkload, PathEntry, PolicyLine, ProtectedEntry } from "./policy.js";

export type Verdict = "cross-tenant" | "protected" | "not-granted" | "complain" | "foreign" | "logged";
/** What a record is about, whatever the profile's mode did with it. */
export type Concern = "cross-tenant" | "protected" | "not-granted" | "granted";

export interface OwnerView extends PolicyLine {
  readonly tenant: string;
  readonly workload: string;
  readonly kind: AuditWorkload["kind"];
  /** The owner's grant as the policy writes it. */
  readonly grant: string;
  readonly via?: string;
}

export interface Suggestion extends PolicyLine {
  /** The `.iso` line. */
  readonly text: string;
  readonly item: IsoItem;
  /** `tenant/workload`, whose block it goes in; `file`:`line` is that block. */
  readonly workload: string;
  /** The line it replaces (a grant whose access is too narrow), when it replaces one. */
  readonly replaces?: PolicyLine;
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly workload?: AuditWorkload;
  /** For complain: what the record would have been in enforce mode. */
  readonly wouldBe?: Concern;
  readonly owner?: OwnerView;
  readonly protectedBy?: ProtectedEntry;
  readonly suggestion?: Suggestion;
  /** Why there is no suggestion, or what else is worth knowing (the grant that gives too little). */
  readonly note?: string;
}

interface Assessment {
  readonly concern: Concern;
  readonly owner?: OwnerView;
  readonly protectedBy?: ProtectedEntry;
  readonly suggestion?: Suggestion;
  readonly note?: string;
}

const FOREIGN: Judgement = Object.freeze({ verdict: "foreign" });

/** The profile a label is about: a child profile or hat (`p//null-/bin/x`) is its parent's workload. */
export function profileOf(label: string): string {
  const cut = label.indexOf("//");
  const base = cut < 0 ? label : label.slice(0, cut);
  return base.endsWith(" (complain)") || base.endsWith(" (enforce)") ? base.slice(0, base.lastIndexOf(" (")) : base;
}

export function judge(policy: AuditPolicy, record: AuditRecord): Judgement {
  const label = record.profile;
  const w = label === undefined ? undefined : policy.workload(profileOf(label));
  if (w === undefined) return FOREIGN;
  const event = record.event;
  if (event !== "DENIED" && event !== "KILLED" && event !== "ALLOWED") return { verdict: "logged", workload: w };
  const a = assess(policy, w, record);
  const { concern, ...rest } = a;
  if (event === "ALLOWED") return { verdict: "complain", workload: w, wouldBe: concern, ...rest };
  return { verdict: concern === "granted" ? "not-granted" : concern, workload: w, ...rest };
}

function ownerView(e: PathEntry): OwnerView {
  return { tenant: e.workload.tenant, workload: e.workload.name, kind: e.workload.kind, grant: e.what, file: e.file, line: e.line, ...(e.via === undefined ? {} : { via: e.via }) };
}

function suggestion(w: AuditWorkload, result: ItemResult, replaces?: PolicyLine): { suggestion: Suggestion } | { note: string } {
  if ("none" in result) return { note: result.none };
  return {
    suggestion: { text: itemText(result.item), item: result.item, workload: `${w.tenant}/${w.name}`, file: w.file, line: w.line, ...(replaces === undefined ? {} : { replaces }) },
  };
}

function assess(policy: AuditPolicy, w: AuditWorkload, r: AuditRecord): Assessment {
  const peer = r.peer ?? r.peerProfile;
  if (peer !== undefined && r.name === undefined) return assessPeer(policy, w, r, peer);
  const cls = r.class;
  if (r.operation === "capable" || cls === "cap") {
    if (w.kind !== "service") return { concern: "not-granted", note: `only a service takes capability items; a ${w.kind}'s capabilities are its abstraction's` };
    const name = r.capability ?? r.name;
    return name === undefined ? { concern: "not-granted", note: "the record names no capability" } : { concern: "not-granted", ...suggestion(w, { item: { kind: "capability", words: name } }) };
  }
  if (r.family !== undefined && (r.name === undefined || !r.name.startsWith("/"))) {
    if (r.family === "unix" && (r.addr ?? r.peerAddr)?.startsWith("@")) {
      return { concern: "not-granted", note: "abstract unix sockets are not in moat-grants.json, so their owners cannot be told apart here: check with moat explain --path @NAME before granting one" };
    }
    if (w.kind !== "service") return { concern: "not-granted", note: `only a service takes network items` };
    return { concern: "not-granted", ...suggestion(w, { item: { kind: "network", words: r.sockType === undefined ? r.family : `${r.family} ${r.sockType}` } }) };
  }
  if (r.name === undefined || !r.name.startsWith("/") || (cls !== undefined && cls !== "file")) {
    return { concern: "not-granted", note: `moat writes no rules for ${cls ?? r.operation ?? "this record"}${r.name === undefined || r.name.startsWith("/") ? "" : ` (${JSON.stringify(r.name)} is no absolute path)`}` };
  }
  if (r.operation === "mount" || r.operation === "umount" || r.operation === "pivotroot") return { concern: "not-granted", note: "moat writes no mount rules" };
  return assessPath(policy, w, r.name, maskLetters(r.deniedMask ?? r.requestedMask) || "r", r.operation);
}

/** A signal, ptrace or unix record between two labels: cross-tenant when the peer is another tenant's workload. */
function assessPeer(policy: AuditPolicy, w: AuditWorkload, r: AuditRecord, peer: string): Assessment {
  const other = policy.workload(profileOf(peer));
  if (other !== undefined && other.tenant !== w.tenant) {
    return { concern: "cross-tenant", owner: { tenant: other.tenant, workload: other.name, kind: other.kind, grant: `${other.kind} ${other.name} (profile ${other.profile})`, file: other.file, line: other.line } };
  }
  return { concern: "not-granted", note: `moat writes no ${r.class ?? r.operation ?? "peer"} rules between profiles` };
}

const WRITES = /[wacdl]/;

function assessPath(policy: AuditPolicy, w: AuditWorkload, name: string, letters: string, operation: string | undefined): Assessment {
  const bytes = toBytes(name);
  const guarded = policy.protect.find((p) => matchesPath(p.glob, bytes));
  if (guarded !== undefined) return { concern: "protected", protectedBy: guarded, note: "every profile denies it; no line of the policy can grant it" };
  const entries = policy.entriesFor(bytes);
  const writes = WRITES.test(letters);
  const others = entries.filter((e) => e.workload.tenant !== w.tenant && !e.hostShared && (e.grant === undefined ? writes : e.grant.kind !== "read"));
  if (others.length > 0 && !(letters === "r" && sharedRead(policy, w, bytes, others))) {
    return { concern: "cross-tenant", owner: ownerView(others[0]!) };
  }
  const own = entries.filter((e) => e.workload === w && e.grant !== undefined);
  if (own.length > 0) {
    let perms = "";
    for (const e of own) for (const c of e.grant!.perms) if (!(e.grant!.deny ?? "").includes(c)) perms += c;
    const missing = [...letters].filter((c) => !perms.includes(c)).join("");
    const first = own[0]!;
    if (missing === "") return { concern: "granted", note: `the profile grants it (${first.what}, ${first.file}:${first.line}); a rule outside moat's (a deny in an abstraction) or a path the kernel saw differently refused it` };
    const g = first.grant!;
    const note = `${first.what} (${first.file}:${first.line}) gives ${g.perms}${g.deny === undefined ? "" : ` and denies ${g.deny}`}, not ${missing}`;
    if ((g.kind === "volume" || g.kind === "device") && g.access === "ro") {
      const widened = g.kind === "volume" ? "rwk" : "rw";
      if ([...letters].every((c) => widened.includes(c))) {
        const item: IsoItem = { kind: g.kind, glob: g.text, access: "rw" };
        return { concern: "not-granted", note, ...suggestion(w, { item }, { file: g.file, line: g.line }) };
      }
    }
    return { concern: "not-granted", note: `${note}: no item of a ${w.kind} gives that` };
  }
  // Workloads of one tenant may share paths (a writer beside them is MOAT303, a warning): say who else has it.
  const mate = entries.find((e) => e.workload !== w && e.workload.tenant === w.tenant && e.grant !== undefined && e.grant.kind !== "read" && !e.hostShared);
  const also = mate === undefined ? {} : { note: `${w.tenant}/${mate.workload.name} of the same tenant has it: ${mate.what} (${mate.file}:${mate.line})` };
  const s = suggestion(w, pathItem(w, name, letters, operation));
  return { concern: "not-granted", ...s, ...("note" in s && mate !== undefined ? { note: `${s.note}; ${also.note}` } : also) };
}

/** A read of a path that a `shared … ro with` statement listing both tenants covers, and that its owners only read. */
function sharedRead(policy: AuditPolicy, w: AuditWorkload, bytes: string, owners: readonly PathEntry[]): boolean {
  return policy.shared.some(
    (s) => matchesPath(s.glob, bytes) && s.tenants.includes(w.tenant) && owners.every((o) => o.grant?.access === "ro" && s.tenants.includes(o.workload.tenant)),
  );
}
