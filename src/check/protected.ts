/** The protected host paths of a compilation: the built-in set, parsed once, plus the policy's `protect` globs. */
import type { Glob } from "../glob/ast.js";
import { parseGlob } from "../glob/parse.js";
import { BUILTIN_PROTECTED } from "../model/builtin.js";
import type { Model } from "../model/types.js";
import type { Span } from "../source.js";

export interface ProtectedGlob {
  readonly text: string;
  readonly glob: Glob;
  /** Where the policy protects it; absent for the built-in set. */
  readonly span?: Span;
}

const BUILTIN: readonly ProtectedGlob[] = BUILTIN_PROTECTED.map((text) => {
  const parsed = parseGlob(text);
  if (!parsed.ok) throw new Error(`built-in protected path ${text} does not parse: ${parsed.reason}`);
  return { text, glob: parsed.glob };
});

export function protectedGlobs(model: Model): readonly ProtectedGlob[] {
  return [...BUILTIN, ...model.protect.map((p) => ({ text: p.text, glob: p.glob, span: p.span }))];
}
