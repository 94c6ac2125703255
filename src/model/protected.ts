/** The protected host paths of a compilation: the built-in set, parsed once, plus the policy's `protect` globs. */
import type { Glob } from "../glob/ast.js";
import { parseGlob } from "../glob/parse.js";
import type { Span } from "../source.js";
import { HOST_CRITICAL_PATHS, PROTECTED_PATHS } from "./builtin.js";

export interface ProtectedGlob {
  readonly text: string;
  readonly glob: Glob;
  /** Why it is protected: the built-in table's reason; absent for the policy's own `protect`. */
  readonly reason?: string;
  /** Where the policy protects it; absent for the built-in set. */
  readonly span?: Span;
}

/**
 * The built-in set in the table's order (model/builtin.ts), parsed here once for everything that reads
 * it: the isolation rules, the denies every profile ends with, explain and install.
 */
export const BUILTIN_PROTECTED_GLOBS: readonly ProtectedGlob[] = Object.freeze(PROTECTED_PATHS.map((p) => ({ text: p.glob, glob: parseBuiltin(p.glob), reason: p.reason })));

/** The host-critical paths (model/builtin.ts), with their reasons, parsed once for the rules and install. */
export const HOST_CRITICAL_GLOBS: readonly { readonly text: string; readonly glob: Glob; readonly reason: string }[] = Object.freeze(
  HOST_CRITICAL_PATHS.map((p) => ({ text: p.glob, glob: parseBuiltin(p.glob), reason: p.reason })),
);

/** A glob of moat's own tables: one that does not parse is a bug of moat's, found by every test. */
export function parseBuiltin(text: string): Glob {
  const parsed = parseGlob(text);
  if (!parsed.ok) throw new Error(`internal: built-in glob ${text} does not parse: ${parsed.reason}`);
  return parsed.glob;
}

/** The built-in set, then the policy's own `protect` globs in policy order. */
export function protectedGlobs(protect: readonly ProtectedGlob[]): readonly ProtectedGlob[] {
  return [...BUILTIN_PROTECTED_GLOBS, ...protect.map((p) => ({ text: p.text, glob: p.glob, span: p.span }))];
}
