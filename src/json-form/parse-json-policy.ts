/**
 * The JSON form's counterpart of syntax/parse.ts: a `*.iso.json` source in, the .iso AST or
 * diagnostics out. Steps, each stopping the file when it finds a problem: JSON syntax (MOAT110),
 * duplicate keys (MOAT112), the schema in grammar/policy.schema.json (MOAT111, every violation), then
 * the conversion to the AST (MOAT107 for characters no path may hold). Never throws for any input.
 */
import { getNodeValue } from "jsonc-parser";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../source.js";
import type { PolicyFile } from "../syntax/ast.js";
import { jsonToAst } from "./json-to-ast.js";
import { findDuplicateKeys, parseJsonTree } from "./json-tree.js";
import { validatePolicyJson } from "./validate-schema.js";

export interface JsonParseResult {
  readonly file?: PolicyFile;
  readonly diagnostics: Diagnostic[];
}

/** Files with this suffix are read as the JSON form; every other file as .iso text. */
export const JSON_POLICY_SUFFIX = ".iso.json";

export function isJsonPolicyPath(path: string): boolean {
  return path.endsWith(JSON_POLICY_SUFFIX);
}

export function parseJsonPolicy(source: Source): JsonParseResult {
  const tree = parseJsonTree(source);
  if ("error" in tree) return { diagnostics: [tree.error] };
  const duplicates = findDuplicateKeys(source.path, tree.root);
  if (duplicates.length > 0) return { diagnostics: duplicates };
  const violations = validatePolicyJson(source.path, tree.root, getNodeValue(tree.root));
  if (violations.length > 0) return { diagnostics: violations };
  return jsonToAst(source.path, source.text.length, tree.root);
}
