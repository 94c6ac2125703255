import type { Glob } from "../../src/glob/ast.js";
import { parseGlob } from "../../src/glob/parse.js";

/** Parses glob source that a test knows to be valid; a rejection is a test bug, so it throws. */
export function g(source: string): Glob {
  const r = parseGlob(source);
  if (!r.ok) throw new Error(`${source}: ${r.reason}`);
  return r.glob;
}
