import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Model } from "../model/types.js";
import { CheckContext } from "./context.js";
import { withoutConsequences } from "./consequences.js";
import type { IsolationRule } from "./rule.js";
import { ISOLATION_RULES } from "./rules.js";

/** Runs every rule over the model, with one context for them all, and gathers what they find, less the overlaps a refused grant causes (consequences.ts). */
export function checkIsolation(model: Model, rules: readonly IsolationRule[] = ISOLATION_RULES): Diagnostic[] {
  const context = new CheckContext(model);
  return withoutConsequences(rules.flatMap((rule) => rule.check(context)));
}

