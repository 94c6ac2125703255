/**
 * What `moat audit` keeps of a log: counts, never the records. Per verdict, per workload, per path,
 * per cross-tenant attempt (who reached whose grant), per protected path, per missing line, per foreign
 * profile, each with its first and last time seen. Every table is bounded (MAX_KEYS distinct keys; the
 * records of keys past it are counted as "more"), so a multi-gigabyte log is read in flat memory.
 */
import { itemText, type IsoItem } from "./iso-line.js";
import type { Judgement, OwnerView, Verdict } from "./judge.js";
import { wider } from "./suggest.js";
import type { AuditRecord } from "./record.js";

export const MAX_KEYS = 10_000;
export const VERDICTS: readonly Verdict[] = ["cross-tenant", "protected", "not-granted", "complain", "logged", "foreign"];

/** First and last seen: by the audit stamp when records have one, else in the order read (a syslog time cannot be ordered). */
export class Seen {
  first?: number;
  last?: number;
  firstText?: string;
  lastText?: string;

  note(r: AuditRecord): void {
    if (r.timestamp !== undefined) {
      const t = Number(r.timestamp);
      if (this.first === undefined || t < this.first) this.first = t;
      if (this.last === undefined || t > this.last) this.last = t;
    } else if (r.logTime !== undefined) {
      this.firstText ??= r.logTime;
      this.lastText = r.logTime;
    }
  }

  merge(o: Seen): void {
    if (o.first !== undefined && (this.first === undefined || o.first < this.first)) this.first = o.first;
    if (o.last !== undefined && (this.last === undefined || o.last > this.last)) this.last = o.last;
    this.firstText ??= o.firstText;
    if (o.lastText !== undefined) this.lastText = o.lastText;
  }
}

/** A table of at most MAX_KEYS rows; what does not fit is counted. */
export class Bounded<V> {
  readonly rows = new Map<string, V>();
  overflow = 0;
  constructor(private readonly make: () => V) {}

  get(key: string): V | undefined {
    let v = this.rows.get(key);
    if (v === undefined) {
      if (this.rows.size >= MAX_KEYS) {
        this.overflow++;
        return undefined;
      }
      this.rows.set(key, (v = this.make()));
    }
    return v;
  }
}

export interface Row {
  count: number;
  readonly seen: Seen;
}

export interface WorkloadRow extends Row {
  label: string;
  kind: string;
  at: string;
  readonly verdicts: Map<Verdict, number>;
}

export interface PathRow extends Row {
  readonly verdicts: Set<Verdict>;
}

export interface AttemptRow extends Row {
  workload: string;
  at: string;
  /** Whose: the owner's grant, or the protected path. */
  against: string;
  /** complain: the access went through. */
  allowed: boolean;
  readonly operations: Set<string>;
  readonly masks: Set<string>;
  /** A few of the paths (at most 5). */
  readonly paths: Map<string, number>;
}

export interface MissingRow extends Row {
  workload: string;
  at: string;
  line: string;
  item?: IsoItem;
}

const row = (): Row => ({ count: 0, seen: new Seen() });

export class AuditSummary {
  /** Lines read, records among them, and lines that were not records. */
  lines = 0;
  records = 0;
  malformed = 0;
  notAppArmor = 0;
  overlong = 0;
  readonly logs: string[] = [];
  readonly seen = new Seen();
  readonly verdicts = new Map<Verdict, number>(VERDICTS.map((v) => [v, 0]));
  readonly workloads = new Bounded<WorkloadRow>(() => ({ ...row(), label: "", kind: "", at: "", verdicts: new Map() }));
  readonly paths = new Bounded<PathRow>(() => ({ ...row(), verdicts: new Set() }));
  readonly crossTenant = new Bounded<AttemptRow>(attempt);
  readonly protectedPaths = new Bounded<AttemptRow>(attempt);
  readonly missing = new Bounded<MissingRow>(() => ({ ...row(), workload: "", at: "", line: "" }));
  readonly foreign = new Bounded<Row>(row);
  /** A cross-tenant or protected record was seen (a complain-mode profile's included: its access went through). */
  alarm = false;

  add(r: AuditRecord, j: Judgement): void {
    this.records++;
    this.seen.note(r);
    this.verdicts.set(j.verdict, this.verdicts.get(j.verdict)! + 1);
    const w = j.workload;
    if (w === undefined) {
      bump(this.foreign.get(r.profile ?? "(no profile)"), r);
      return;
    }
    const label = `${w.tenant}/${w.name}`;
    const at = `${w.file}:${w.line}`;
    const wr = this.workloads.get(label);
    if (wr !== undefined) {
      bump(wr, r);
      Object.assign(wr, { label, kind: w.kind, at });
      wr.verdicts.set(j.verdict, (wr.verdicts.get(j.verdict) ?? 0) + 1);
    }
    if (r.name !== undefined) {
      const pr = this.paths.get(r.name);
      if (pr !== undefined) {
        bump(pr, r);
        pr.verdicts.add(j.verdict);
      }
    }
    const concern = j.verdict === "complain" ? j.wouldBe : j.verdict;
    if (concern === "cross-tenant" || concern === "protected") {
      this.alarm = true;
      const against = concern === "cross-tenant" ? ownerText(j.owner!) : `${j.protectedBy!.text} (${j.protectedBy!.reason ?? `protect at ${j.protectedBy!.at!.file}:${j.protectedBy!.at!.line}`})`;
      const table = concern === "cross-tenant" ? this.crossTenant : this.protectedPaths;
      const ar = table.get(`${label}\0${against}\0${j.verdict}`);
      if (ar !== undefined) {
        bump(ar, r);
        Object.assign(ar, { workload: label, at, against, allowed: j.verdict === "complain" });
        if (r.operation !== undefined) ar.operations.add(r.operation);
        const mask = r.deniedMask ?? r.requestedMask;
        if (mask !== undefined) ar.masks.add(mask);
        const name = r.name ?? r.peer ?? "";
        if (ar.paths.has(name) || ar.paths.size < 5) ar.paths.set(name, (ar.paths.get(name) ?? 0) + 1);
      }
    }
    if (j.suggestion !== undefined) {
      // One row per path: a read and a write of it are one line with the wider access.
      const mr = this.missing.get(`${label}\0${j.suggestion.item.glob ?? j.suggestion.text}`);
      if (mr !== undefined) {
        bump(mr, r);
        mr.item = mr.item === undefined ? j.suggestion.item : wider(mr.item, j.suggestion.item);
        Object.assign(mr, { workload: label, at: `${j.suggestion.file}:${j.suggestion.line}`, line: itemText(mr.item) });
        if (j.suggestion.replaces !== undefined) mr.at += ` (replacing line ${j.suggestion.replaces.file}:${j.suggestion.replaces.line})`;
      }
    }
  }

  /** The exit status the records call for: 1 after a cross-tenant or protected record. */
  get exitCode(): 0 | 1 {
    return this.alarm ? 1 : 0;
  }
}

function attempt(): AttemptRow {
  return { ...row(), workload: "", at: "", against: "", allowed: false, operations: new Set(), masks: new Set(), paths: new Map() };
}

function bump(r: Row | undefined, record: AuditRecord): void {
  if (r === undefined) return;
  r.count++;
  r.seen.note(record);
}

export function ownerText(o: OwnerView): string {
  return `${o.tenant}/${o.workload}'s ${o.grant} (${o.file}:${o.line})${o.via === undefined ? "" : ` [${o.via}]`}`;
}
