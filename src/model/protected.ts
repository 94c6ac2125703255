/** The protected host paths of a compilation: the built-in set, parsed once, plus the policy's `protect` globs. */
import type { Glob } from "../glob/ast.js";
import { parseGlob } from "../glob/parse.js";
import type { Span } from "../source.js";
import { BUILTIN_PROTECTED } from "./builtin.js";

export interface ProtectedGlob {
  readonly text: string;
  readonly glob: Glob;
  /** Where the policy protects it; absent for the built-in set. */
  readonly span?: Span;
}

/**
 * The built-in set in the table's order (model/builtin.ts), parsed here once for everything that reads
 * it: the isolation rules, the denies every profile ends with, explain and install.
 */
export const BUILTIN_PROTECTED_GLOBS: readonly ProtectedGlob[] = Object.freeze(
  BUILTIN_PROTECTED.map((text) => {
    const parsed = parseGlob(text);
    if (!parsed.ok) throw new Error(`internal: built-in protected path ${text} does not parse: ${parsed.reason}`);
    return { text, glob: parsed.glob };
  }),
);

/** The built-in set, then the policy's own `protect` globs in policy order. */
export function protectedGlobs(protect: readonly ProtectedGlob[]): readonly ProtectedGlob[] {
  return [...BUILTIN_PROTECTED_GLOBS, ...protect.map((p) => ({ text: p.text, glob: p.glob, span: p.span }))];
}
