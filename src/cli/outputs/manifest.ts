/**
 * What the previous compile says it wrote: the `outputs` list of `<out>/moat-manifest.json`. This is
 * moat's only evidence of ownership, so it is read defensively: an entry with an unsafe path (absolute,
 * `..`, a moat working file) is never trusted, because a crafted manifest must not make moat delete
 * files outside the folder or its own lock.
 */
import { createHash } from "node:crypto";

export const MANIFEST_PATH = "moat-manifest.json";

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export type PreviousManifest =
  | { readonly kind: "absent" }
  /** Present but not a manifest moat could have written: it is then treated as edited by hand. */
  | { readonly kind: "invalid"; readonly reason: string }
  | { readonly kind: "valid"; readonly outputs: ReadonlyMap<string, string> };

/**
 * True for a relative POSIX path inside the output folder that moat may own: no empty, `.` or `..`
 * component, no backslash or NUL, and not one of moat's own working names (they start with `.moat`).
 */
export function isSafeOutputPath(path: string): boolean {
  if (path === "" || path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  const parts = path.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return false;
  return !parts[0]!.startsWith(".moat");
}

export function parsePreviousManifest(content: Buffer | undefined): PreviousManifest {
  if (content === undefined) return { kind: "absent" };
  let data: unknown;
  try {
    data = JSON.parse(content.toString("utf8"));
  } catch {
    return { kind: "invalid", reason: "it is not valid JSON" };
  }
  if (typeof data !== "object" || data === null || !Array.isArray((data as { outputs?: unknown }).outputs)) {
    return { kind: "invalid", reason: "it has no outputs list" };
  }
  const outputs = new Map<string, string>();
  for (const entry of (data as { outputs: unknown[] }).outputs) {
    if (typeof entry !== "object" || entry === null) return { kind: "invalid", reason: "an outputs entry is not an object" };
    const { path, sha256: hash } = entry as { path?: unknown; sha256?: unknown };
    if (typeof path !== "string" || typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash)) {
      return { kind: "invalid", reason: "an outputs entry lacks a path or a sha256" };
    }
    if (!isSafeOutputPath(path) || path === MANIFEST_PATH) {
      return { kind: "invalid", reason: `it lists an unsafe output path ${JSON.stringify(path)}` };
    }
    outputs.set(path, hash);
  }
  return { kind: "valid", outputs };
}
