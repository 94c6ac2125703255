/**
 * moat-manifest.json: what a compile read and wrote, with hashes. The CLI reads it back to tell the
 * files moat wrote (which it may replace or delete) from files it must never touch, and reviewers
 * diff it to see what changed. Its shape is grammar/manifest.schema.json.
 */
import * as crypto from "node:crypto";
import type { OutputFile } from "./output-file.js";
import type { Model } from "../model/types.js";
import { relativeToRoot } from "../model/compilation-root.js";

export const MANIFEST_PATH = "moat-manifest.json";
/** Bumped when the manifest's shape changes incompatibly. */
export const MANIFEST_FORMAT = 1;

export interface ManifestEntry {
  readonly path: string;
  readonly sha256: string;
}

export interface Manifest {
  readonly format: number;
  readonly generator: "moat";
  readonly version: string;
  readonly policy: string | null;
  readonly inputs: readonly ManifestEntry[];
  readonly outputs: readonly ManifestEntry[];
}

/**
 * crypto.hash (node 20.12 and later) digests in one call, without the Hash object and stream set-up that
 * createHash costs per file; a compile hashes every output. Older node 20 releases lack it.
 */
const oneShot = typeof crypto.hash === "function" ? crypto.hash : undefined;

/** Hex SHA-256 of the UTF-8 encoding of `text`. */
export function sha256(text: string): string {
  return oneShot !== undefined ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

function byPath(a: ManifestEntry, b: ManifestEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The manifest for `outputs` (every other file of the compile, with its hash), as the file's text. */
export function manifestFile(model: Model, version: string, outputs: readonly ManifestEntry[]): OutputFile {
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    generator: "moat",
    version,
    policy: model.policy?.name ?? null,
    inputs: model.sources.map((s) => ({ path: relativeToRoot(model.root, s.path), sha256: sha256(s.text) })).sort(byPath),
    outputs: [...outputs].sort(byPath),
  };
  return { path: MANIFEST_PATH, content: JSON.stringify(manifest, null, 2) + "\n" };
}
