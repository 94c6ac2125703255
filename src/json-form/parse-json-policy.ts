/**
 * The JSON form's counterpart of syntax/parse.ts: a `*.iso.json` source in, the .iso AST or
 * diagnostics out. Steps, each stopping the file when it finds a problem: JSON syntax (MOAT110),
 * duplicate keys (MOAT112), the schema in grammar/policy.schema.json (MOAT111, every violation), then
 * the conversion to the AST (MOAT107 for characters no path may hold). Never throws for any input.
 */
import { createScanner, getNodeValue, SyntaxKind } from "jsonc-parser";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../source.js";
import type { PolicyFile } from "../syntax/ast.js";
import { jsonToAst } from "./json-to-ast.js";
import { findDuplicateKeys, parseJsonTree } from "./json-tree.js";
import { POLICY_SCHEMA } from "./policy-schema.generated.js";
import { validatePolicyJson } from "./validate-schema.js";

export interface JsonParseResult {
  readonly file?: PolicyFile;
  readonly diagnostics: Diagnostic[];
  /**
   * Whether the text reads as policy: it is an object whose first key is one of the policy's
   * (policy, protect, tenants, shared), and a syntax error, if any, comes after that key. A JSON file
   * that is not policy (a credentials file) fails that; none of its text may be shown (Source.hideText).
   */
  readonly recognized: boolean;
}

/** Files with this suffix are read as the JSON form; every other file as .iso text. */
export const JSON_POLICY_SUFFIX = ".iso.json";

export function isJsonPolicyPath(path: string): boolean {
  return path.endsWith(JSON_POLICY_SUFFIX);
}

export function parseJsonPolicy(source: Source): JsonParseResult {
  const keyEnd = firstPolicyKeyEnd(source.text);
  const tree = parseJsonTree(source);
  if ("error" in tree) return { diagnostics: [tree.error], recognized: keyEnd !== undefined && tree.error.span!.start >= keyEnd };
  const recognized = keyEnd !== undefined;
  const duplicates = findDuplicateKeys(source.path, tree.root);
  if (duplicates.length > 0) return { diagnostics: duplicates, recognized };
  const violations = validatePolicyJson(source.path, tree.root, getNodeValue(tree.root));
  if (violations.length > 0) return { diagnostics: violations, recognized };
  const converted = jsonToAst(source.path, source.text.length, tree.root);
  return { ...converted, recognized: converted.file !== undefined || recognized };
}

const POLICY_KEYS: ReadonlySet<string> = new Set(Object.keys(POLICY_SCHEMA.properties));

/** Where the text's first key ends, when the text opens an object with one of the policy's keys. */
function firstPolicyKeyEnd(text: string): number | undefined {
  // A byte order mark is not JSON; parseJsonTree reads it as a space, and so does this.
  const scanner = createScanner(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text, true);
  if (scanner.scan() !== SyntaxKind.OpenBraceToken) return undefined;
  if (scanner.scan() !== SyntaxKind.StringLiteral || scanner.getTokenError() !== 0) return undefined;
  return POLICY_KEYS.has(scanner.getTokenValue()) ? scanner.getTokenOffset() + scanner.getTokenLength() : undefined;
}
