/**
 * An isolation rule: one invariant, in one file under check/rules/. Rules read the resolved model
 * through the compile's CheckContext and return diagnostics; they never throw for bad input and never
 * change the model.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CheckContext } from "./context.js";

export interface IsolationRule {
  /** Stable name, e.g. "cross-tenant-overlap"; used in docs and timings. */
  readonly name: string;
  check(context: CheckContext): readonly Diagnostic[];
}
