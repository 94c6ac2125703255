/**
 * Glob -> glob source text (for messages, explain and round trips), and the small structural queries
 * that the index and the model need. parseGlob(globToText(g)) gives back g for any parsed glob.
 */
import type { Glob, GlobPart } from "./ast.js";
import { fromBytes } from "./bytes.js";
import { perPart } from "./per-part.js";

type AltPart = Extract<GlobPart, { kind: "alt" }>;

export function globToText(glob: Glob): string {
  return sequenceText(glob.parts, false);
}

function sequenceText(parts: readonly GlobPart[], inBraces: boolean): string {
  let out = "";
  for (const part of parts) {
    switch (part.kind) {
      case "literal":
        // A `,` is only special inside braces; escaping it elsewhere would be noise in messages.
        out += fromBytes(part.bytes).replace(inBraces ? /[*?{}[\],\\]/g : /[*?{}[\]\\]/g, (c) => "\\" + c);
        break;
      case "star":
        out += "*";
        break;
      case "globstar":
        out += "**";
        break;
      case "any":
        out += "?";
        break;
      case "class":
        out += "[" + part.ranges.map(([lo, hi]) => rangeText(lo, hi)).join("") + "]";
        break;
      case "alt":
        out += "{" + part.branches.map((b) => sequenceText(b.parts, true)).join(",") + "}";
        break;
    }
  }
  return out;
}

function rangeText(lo: number, hi: number): string {
  const a = String.fromCharCode(lo);
  return lo === hi ? a : a + "-" + String.fromCharCode(hi);
}

/**
 * A key for a glob's structure: two globs as parseGlob makes them (a run of stars merged into its
 * globstars and star, which a glob built by hand need not do) have the same key exactly when they have
 * the same text, but nothing is escaped or decoded to build it, which matters when a fleet's hundred
 * thousand grants are grouped. Literal bytes stand for themselves (they are all below 256) and each operator is one code
 * unit above 255, so the literal glob of a path has that path's bytes as its key.
 */
export function globKey(glob: Glob): string {
  const parts = glob.parts;
  if (parts.length === 1 && parts[0]!.kind === "literal") return parts[0]!.bytes;
  let out = "";
  for (const part of parts) {
    switch (part.kind) {
      case "literal":
        out += part.bytes;
        break;
      case "star":
        out += "\u0100";
        break;
      case "globstar":
        out += "\u0101";
        break;
      case "any":
        out += "\u0102";
        break;
      case "class":
        out += "\u0103";
        for (const [lo, hi] of part.ranges) out += String.fromCharCode(lo, hi);
        out += "\u0104";
        break;
      case "alt":
        out += altKey(part);
        break;
    }
  }
  return out;
}

const altKey = perPart((part: AltPart): string => "\u0105" + part.branches.map(globKey).join("\u0106") + "\u0107");

// Indexed loops: these run for every grant of a fleet, mostly in code not yet optimized, where a
// callback or for...of allocates per call (docs/performance.md, "Loops").

/** The literal bytes of a glob without operators, or undefined. */
export function literalBytes(glob: Glob): string | undefined {
  const parts = glob.parts;
  if (parts.length === 1) return parts[0]!.kind === "literal" ? parts[0]!.bytes : undefined;
  let bytes = "";
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (part.kind !== "literal") return undefined;
    bytes += part.bytes;
  }
  return bytes;
}

/** Bytes every match starts with (the leading literal; empty when the glob starts with an operator). */
export function literalPrefix(glob: Glob): string {
  const parts = glob.parts;
  let out = "";
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (part.kind !== "literal") break;
    out += part.bytes;
  }
  return out;
}

/** Bytes every match ends with (the trailing literal; empty when the glob ends with an operator). */
export function literalSuffix(glob: Glob): string {
  let out = "";
  for (let i = glob.parts.length - 1; i >= 0; i--) {
    const p = glob.parts[i]!;
    if (p.kind !== "literal") break;
    out = p.bytes + out;
  }
  return out;
}
