import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Model } from "../model/types.js";
import type { IsolationRule } from "./rule.js";
import { ISOLATION_RULES } from "./rules.js";

/** Runs every rule over the model and gathers what they find. */
export function checkIsolation(model: Model, rules: readonly IsolationRule[] = ISOLATION_RULES): Diagnostic[] {
  return rules.flatMap((rule) => rule.check(model));
}
