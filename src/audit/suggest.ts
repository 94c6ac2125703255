/**
 * The learning loop: run a new service in complain mode, feed its log to `moat audit --suggest`, get
 * the `.iso` lines its policy lacks. Each complain or not-granted record's suggestion is gathered per
 * workload and path (so a path read a thousand times and written once is one `rw` line); at the end
 * the paths of one kind in one folder, when there are at least COLLAPSE_MIN of them, become one
 * `FOLDER/*` line (files of that folder, not below it), provided the isolation rules accept it
 * (check-items.ts), else they stay one line each. Every line is checked by those rules; a path another
 * tenant owns or a protected one is never suggested, and the report says what was left out and why.
 * Memory is bounded by the distinct paths seen, up to MAX_PATHS; more are counted, not kept.
 */
import { checkItems } from "./check-items.js";
import { itemText, type IsoItem } from "./iso-line.js";
import type { Judgement } from "./judge.js";
import type { AuditPolicy, AuditWorkload, PolicyLine } from "./policy.js";

export const COLLAPSE_MIN = 3;
export const MAX_PATHS = 100_000;
/** Left-out paths kept per workload for the report. */
const MAX_LEFT_OUT = 50;

export interface SuggestedLine {
  readonly line: string;
  readonly item: IsoItem;
  /** The record paths (or words) it covers, and how many records asked for them. */
  readonly covers: readonly string[];
  readonly records: number;
  /** For a widened grant: the line it replaces. */
  readonly replaces?: PolicyLine;
  /** What the isolation checks warn of it (another workload of the tenant writes there too). */
  readonly warnings?: readonly string[];
}

export interface LeftOut {
  readonly path: string;
  readonly why: string;
  records: number;
}

export interface WorkloadSuggestions extends PolicyLine {
  readonly workload: string;
  readonly kind: AuditWorkload["kind"];
  readonly mode: AuditWorkload["mode"];
  readonly lines: readonly SuggestedLine[];
  readonly leftOut: readonly LeftOut[];
}

export interface SuggestionReport {
  readonly workloads: readonly WorkloadSuggestions[];
  /** Distinct paths past MAX_PATHS, not considered. */
  readonly untracked: number;
}

interface Wanted {
  item: IsoItem;
  readonly key: string;
  readonly covers: string;
  records: number;
  replaces?: PolicyLine;
}

interface PerWorkload {
  readonly w: AuditWorkload;
  readonly wanted: Map<string, Wanted>;
  readonly leftOut: Map<string, LeftOut>;
}

const ACCESS_RANK = { ro: 0, rw: 1 } as const;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class SuggestionCollector {
  private readonly byProfile = new Map<string, PerWorkload>();
  private size = 0;
  private untracked = 0;

  add(j: Judgement, path: string | undefined): void {
    const w = j.workload;
    if (w === undefined) return;
    const concern = j.verdict === "complain" ? j.wouldBe : j.verdict;
    if (concern !== "cross-tenant" && concern !== "protected" && concern !== "not-granted") return;
    let per = this.byProfile.get(w.profile);
    if (per === undefined) this.byProfile.set(w.profile, (per = { w, wanted: new Map(), leftOut: new Map() }));
    const shown = path ?? j.suggestion?.item.words ?? "";
    if (concern !== "not-granted") {
      const known = per.leftOut.get(shown);
      if (known !== undefined) known.records++;
      else if (per.leftOut.size < MAX_LEFT_OUT) per.leftOut.set(shown, { path: shown, why: leftOutWhy(j), records: 1 });
      return;
    }
    const s = j.suggestion;
    if (s === undefined) return;
    // One line per path (or capability, network rule): the widest access any record asked for.
    const key = `${s.item.kind === "read" || s.item.kind === "volume" || s.item.kind === "device" ? "path" : s.item.kind}\0${s.item.glob ?? s.item.words}`;
    const known = per.wanted.get(key);
    if (known !== undefined) {
      known.records++;
      known.item = wider(known.item, s.item);
      return;
    }
    if (this.size >= MAX_PATHS) {
      this.untracked++;
      return;
    }
    this.size++;
    per.wanted.set(key, { item: s.item, key, covers: path ?? s.item.words ?? "", records: 1, ...(s.replaces === undefined ? {} : { replaces: s.replaces }) });
  }

  finish(policy: AuditPolicy): SuggestionReport {
    const groups = [...this.byProfile.values()].sort((a, b) => compare(`${a.w.tenant}/${a.w.name}`, `${b.w.tenant}/${b.w.name}`));
    // First pass: folders collapsed where they may be; second: what a refused collapse stands for, one by one.
    const first = groups.map((g) => ({ g, plan: plan(g) }));
    const firstChecks = checkItems(policy.grants, first.flatMap(({ g, plan }) => plan.map((p) => ({ profile: g.w.profile, item: p.item }))));
    let k = 0;
    const retry: { g: PerWorkload; line: Planned }[] = [];
    const accepted = new Map<PerWorkload, Planned[]>();
    const warned = (line: Planned, warnings: readonly { code: string; message: string }[]): Planned =>
      warnings.length === 0 ? line : { ...line, warnings: [...new Set(warnings.map((w) => `${w.code}: ${w.message}`))] };
    const refused = new Map<PerWorkload, LeftOut[]>();
    for (const { g, plan: lines } of first) {
      accepted.set(g, []);
      refused.set(g, []);
      for (const line of lines) {
        const check = firstChecks[k++]!;
        const d = check.error;
        if (d === undefined) accepted.get(g)!.push(warned(line, check.warnings));
        else if (line.members.length > 1) for (const m of line.members) retry.push({ g, line: single(m) });
        else refused.get(g)!.push({ path: line.covers[0]!, why: `the isolation checks refuse ${itemText(line.item)}: ${d.code}: ${d.message}`, records: line.records });
      }
    }
    // The second pass checks its lines beside those the first accepted, so two workloads' lines never clash.
    const kept = first.flatMap(({ g }) => accepted.get(g)!.map((line) => ({ profile: g.w.profile, item: line.item })));
    const second = checkItems(policy.grants, [...kept, ...retry.map((r) => ({ profile: r.g.w.profile, item: r.line.item }))]).slice(kept.length);
    retry.forEach((r, i) => {
      const d = second[i]!.error;
      if (d === undefined) accepted.get(r.g)!.push(warned(r.line, second[i]!.warnings));
      else refused.get(r.g)!.push({ path: r.line.covers[0]!, why: `the isolation checks refuse ${itemText(r.line.item)}: ${d.code}: ${d.message}`, records: r.line.records });
    });
    const workloads = groups
      .map((g): WorkloadSuggestions => ({
        workload: `${g.w.tenant}/${g.w.name}`,
        kind: g.w.kind,
        mode: g.w.mode,
        file: g.w.file,
        line: g.w.line,
        lines: accepted
          .get(g)!
          .sort((a, b) => compare(a.line, b.line))
          .map((p) => ({
            line: p.line,
            item: p.item,
            covers: p.covers,
            records: p.records,
            ...(p.replaces === undefined ? {} : { replaces: p.replaces }),
            ...(p.warnings === undefined ? {} : { warnings: p.warnings }),
          })),
        leftOut: [...g.leftOut.values(), ...refused.get(g)!].sort((a, b) => compare(a.path, b.path)),
      }))
      .filter((w) => w.lines.length > 0 || w.leftOut.length > 0);
    return { workloads, untracked: this.untracked };
  }
}

function leftOutWhy(j: Judgement): string {
  if (j.owner !== undefined) {
    return `owned by ${j.owner.tenant}/${j.owner.workload} (${j.owner.grant}, ${j.owner.file}:${j.owner.line}${j.owner.via === undefined ? "" : `; ${j.owner.via}`})`;
  }
  const p = j.protectedBy;
  if (p !== undefined) return `protected: ${p.text} (${p.reason ?? `protect at ${p.at!.file}:${p.at!.line}`})`;
  return "not the workload's to have";
}

/** The item that holds both: one kind's widest access; a `read` and a `volume` of one path become the volume. */
export function wider(a: IsoItem, b: IsoItem): IsoItem {
  if (a.kind === b.kind) {
    if (a.access === undefined || b.access === undefined) return a;
    return ACCESS_RANK[b.access] > ACCESS_RANK[a.access] ? b : a;
  }
  const rank = (i: IsoItem): number => (i.kind === "read" ? 0 : i.kind === "device" && i.access === "ro" ? 1 : i.kind === "volume" && i.access === "ro" ? 2 : 3);
  if (a.kind === "device" && b.kind === "volume" && a.access === "rw") return { ...b, access: "rw" };
  if (b.kind === "device" && a.kind === "volume" && b.access === "rw") return { ...a, access: "rw" };
  return rank(b) > rank(a) ? b : a;
}

interface Planned {
  readonly line: string;
  readonly item: IsoItem;
  readonly covers: string[];
  readonly members: Wanted[];
  readonly records: number;
  readonly replaces?: PolicyLine;
  readonly warnings?: readonly string[];
}

function single(m: Wanted): Planned {
  return { line: itemText(m.item), item: m.item, covers: [m.covers], members: [m], records: m.records, ...(m.replaces === undefined ? {} : { replaces: m.replaces }) };
}

/** Trees whose entries the kernel names (devices, processes' files, sysfs): every path is a decision of its own, never a folder line. */
const KERNEL_TREES = /^\/(dev|proc|sys)\//;

/** Kinds whose paths may be collapsed into their folder: not devices (kernel names), programs (each binary is a decision) or sockets. */
const COLLAPSIBLE = new Set(["read", "volume"]);

/** The lines of one workload: each folder with COLLAPSE_MIN or more paths to read or own as `FOLDER/*`, the rest one by one. */
function plan(g: PerWorkload): Planned[] {
  const out: Planned[] = [];
  const folders = new Map<string, Wanted[]>();
  for (const m of g.wanted.values()) {
    const glob = m.item.glob;
    const slash = glob === undefined ? -1 : glob.lastIndexOf("/");
    if (!COLLAPSIBLE.has(m.item.kind) || m.replaces !== undefined || slash <= 0 || KERNEL_TREES.test(glob!)) {
      out.push(single(m));
      continue;
    }
    const key = glob!.slice(0, slash);
    folders.set(key, [...(folders.get(key) ?? []), m]);
  }
  for (const [key, members] of folders) {
    if (members.length < COLLAPSE_MIN) {
      for (const m of members) out.push(single(m));
      continue;
    }
    // Reads and volumes of one folder are one line: a volume when any of them needs one, with the widest access.
    const folder = key;
    const kind = members.some((m) => m.item.kind === "volume") ? "volume" : "read";
    const access = kind === "read" ? undefined : members.some((m) => m.item.access === "rw") ? "rw" : "ro";
    const item: IsoItem = { kind, glob: `${folder}/*`, ...(access === undefined ? {} : { access }) };
    out.push({
      line: itemText(item),
      item,
      covers: members.map((m) => m.covers).sort(compare),
      members,
      records: members.reduce((n, m) => n + m.records, 0),
    });
  }
  return out;
}
