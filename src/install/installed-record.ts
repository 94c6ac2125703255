/**
 * ROOT/var/lib/moat/installed.json: what `moat install` put in /etc/apparmor.d, its only evidence of
 * ownership there (grammar/installed.schema.json). A file is moat's to replace or remove when the record
 * lists its name with the sha256 it still has. While an install runs, the record also lists the new
 * text's hash of each file it changes (`pending`), written before the first file moves, so that a run
 * killed at any point leaves every file owned by one of the two hashes; the next run finishes the job.
 */
import { createHash } from "node:crypto";

export const INSTALLED_FORMAT = 1;

export interface InstalledEntry {
  readonly name: string;
  readonly sha256: string;
  readonly profiles: readonly string[];
  readonly pending?: true;
  /** Written under --no-load, so not loaded by moat: the next install that loads loads it. */
  readonly notLoaded?: true;
}

export interface InstalledRecord {
  readonly version: string;
  readonly policy: string | null;
  readonly files: readonly InstalledEntry[];
}

export function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export type ParsedRecord = { readonly kind: "absent" } | { readonly kind: "invalid"; readonly reason: string } | { readonly kind: "valid"; readonly record: InstalledRecord };

export function parseInstalledRecord(text: string | undefined): ParsedRecord {
  if (text === undefined) return { kind: "absent" };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { kind: "invalid", reason: "it is not valid JSON" };
  }
  const o = data as Record<string, unknown>;
  if (typeof data !== "object" || data === null || o.format !== INSTALLED_FORMAT || o.generator !== "moat" || !Array.isArray(o.files)) {
    return { kind: "invalid", reason: `it is not a format ${INSTALLED_FORMAT} record of moat` };
  }
  const files: InstalledEntry[] = [];
  for (const f of o.files as unknown[]) {
    const e = f as Record<string, unknown>;
    if (
      typeof f !== "object" ||
      f === null ||
      typeof e.name !== "string" ||
      !NAME.test(e.name) ||
      e.name.startsWith(".moat") ||
      typeof e.sha256 !== "string" ||
      !/^[0-9a-f]{64}$/.test(e.sha256) ||
      !Array.isArray(e.profiles) ||
      !e.profiles.every((p) => typeof p === "string" && NAME.test(p)) ||
      (e.pending !== undefined && e.pending !== true) ||
      (e.notLoaded !== undefined && e.notLoaded !== true)
    ) {
      return { kind: "invalid", reason: "a files entry is malformed (each needs a plain file name, a sha256 and its profile names)" };
    }
    files.push({
      name: e.name,
      sha256: e.sha256,
      profiles: e.profiles as string[],
      ...(e.pending === true ? { pending: true as const } : {}),
      ...(e.notLoaded === true ? { notLoaded: true as const } : {}),
    });
  }
  return { kind: "valid", record: { version: typeof o.version === "string" ? o.version : "", policy: typeof o.policy === "string" ? o.policy : null, files } };
}

function compare(a: InstalledEntry, b: InstalledEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : Number(a.pending === true) - Number(b.pending === true) || (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0);
}

export function renderInstalledRecord(record: InstalledRecord): string {
  const files = [...record.files].sort(compare);
  const body = {
    format: INSTALLED_FORMAT,
    generator: "moat",
    version: record.version,
    policy: record.policy,
    files,
  };
  return JSON.stringify(body, null, 2) + "\n";
}
