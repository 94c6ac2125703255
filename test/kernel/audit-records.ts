/**
 * The kernel's AppArmor audit records, as it prints them without auditd:
 *
 *   audit: type=1400 audit(1796609180.713:4): apparmor="DENIED" operation="open" profile="smoke"
 *     name="/srv/a/r" pid=93 comm="moat-probe" requested_mask="w" denied_mask="w" fsuid=0 ouid=0
 *
 * (one line). A value is quoted, or, when it holds a quote, a space or a byte outside 0x21-0x7e,
 * written unquoted in uppercase hex. The records of the kernel suite are kept as fixtures under
 * fixtures/denials-*.log for `moat audit`'s tests: a selection, sorted, exactly as printed (see
 * fixtures/README.md).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export interface AuditRecord {
  readonly line: string;
  /** Field name -> value, quotes removed and hex decoded; in the order printed. */
  readonly fields: ReadonlyMap<string, string>;
}

const FIELD = /([a-z_]+)=("[^"]*"|[^\s]+)/g;

export function parseRecord(line: string): AuditRecord | undefined {
  const m = /^audit: type=1400 audit\(\d+\.\d+:\d+\): (.*)$/.exec(line);
  if (m === null) return undefined;
  const fields = new Map<string, string>();
  for (const f of m[1]!.matchAll(FIELD)) {
    const raw = f[2]!;
    let value = raw;
    if (raw.startsWith('"')) value = raw.slice(1, -1);
    else if (/^[0-9A-F]+$/.test(raw) && raw.length % 2 === 0 && ["name", "profile", "comm", "target", "peer", "addr", "peer_addr", "label"].includes(f[1]!)) {
      value = Buffer.from(raw, "hex").toString("utf8");
    }
    fields.set(f[1]!, value);
  }
  return { line, fields };
}

/**
 * A record's shape: its field names in order, with the values of the fields that say what kind of
 * record it is (apparmor, operation, and which masks). Two runs of the same checks print records of
 * the same shapes, whatever the time stamps, serial numbers and pids.
 */
export function shapeOf(record: AuditRecord): string {
  return [...record.fields.entries()]
    .map(([k, v]) => (k === "apparmor" || k === "operation" || k === "requested_mask" || k === "denied_mask" ? `${k}=${v}` : k))
    .join(" ");
}

/** The record without what changes from run to run (time stamp and serial, pid). */
export function stable(line: string): string {
  return line.replace(/audit\(\d+\.\d+:\d+\)/, "audit(_)").replace(/ pid=\d+/, " pid=_");
}

/**
 * The fixture's selection: for each profile and each kind of record (apparmor, operation, masks), up
 * to `perKind` records, the first by name of each distinct place (the path's first two components:
 * /dev/vfio, /var/lib, /run/fleet, …), so that a profile's denials of different kinds of paths are all
 * there. Sorted by profile, kind and name: two runs select the same records in the same order (only
 * time stamps, serial numbers and pids differ).
 */
export function selectForFixture(lines: readonly string[], perKind = 4): string[] {
  const records = lines.map(parseRecord).filter((r): r is AuditRecord => r !== undefined);
  const key = (r: AuditRecord): string => [r.fields.get("profile") ?? "", shapeOf(r), r.fields.get("name") ?? ""].join("\u0000");
  const sorted = [...new Map(records.map((r) => [stable(r.line), r])).values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const taken = new Map<string, Set<string>>();
  const out: string[] = [];
  for (const r of sorted) {
    const kind = `${r.fields.get("profile")}\u0000${shapeOf(r)}`;
    const place = (r.fields.get("name") ?? "").split("/").slice(0, 3).join("/");
    const places = taken.get(kind) ?? new Set<string>();
    taken.set(kind, places);
    if (places.size >= perKind || places.has(place)) continue;
    places.add(place);
    out.push(r.line);
  }
  return out;
}

/** Writes a fixture: the records, one a line, exactly as the kernel printed them (fixtures/README.md says where from). */
export function writeFixture(path: string, lines: readonly string[]): void {
  writeFileSync(path, lines.map((l) => `${l}\n`).join(""));
}

/** A fixture's records, or undefined when the file does not exist. */
export function readFixture(path: string): string[] | undefined {
  if (!existsSync(path)) return undefined;
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "");
}
