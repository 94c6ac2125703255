/**
 * An isolation rule: one invariant of SPEC section 2, in one file under check/rules/. Rules read the
 * resolved model and return diagnostics; they never throw for bad input and never change the model.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Model } from "../model/types.js";

export interface IsolationRule {
  /** Stable name, e.g. "cross-tenant-overlap"; used in docs and timings. */
  readonly name: string;
  check(model: Model): readonly Diagnostic[];
}
