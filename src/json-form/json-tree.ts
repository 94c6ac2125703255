/**
 * Strict JSON text -> a parse tree with offsets (jsonc-parser's), so that every value, and every
 * violation found later, can be located in the file. Comments and trailing commas are refused: the
 * file is JSON, and any other JSON tool must read it the same way. The first syntax error is reported,
 * as for .iso files.
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source, Span } from "../source.js";

export type { Node as JsonNode } from "jsonc-parser";

/** A policy is at most seven levels deep; the limit keeps jsonc-parser's recursion far from the stack's end. */
export const MAX_JSON_DEPTH = 100;

const SYNTAX_MESSAGES: Readonly<Record<string, string>> = {
  InvalidSymbol: "unexpected text: expected a JSON value (object, array, string, number, true, false or null)",
  InvalidNumberFormat: "malformed number",
  PropertyNameExpected: "expected a property name in double quotes (a trailing comma is not allowed in JSON)",
  ValueExpected: "expected a value (a trailing comma is not allowed in JSON)",
  ColonExpected: "expected ':' after the property name",
  CommaExpected: "expected ',' between two values",
  CloseBraceExpected: "expected '}' to close the object",
  CloseBracketExpected: "expected ']' to close the array",
  EndOfFileExpected: "expected the end of the file after the JSON value",
  InvalidCommentToken: "comments are not allowed in JSON",
  UnexpectedEndOfComment: "comments are not allowed in JSON",
  UnexpectedEndOfString: "unterminated string: a JSON string must close with \" on the same line",
  UnexpectedEndOfNumber: "malformed number: digits expected",
  InvalidUnicode: "malformed \\u escape: four hexadecimal digits expected",
  InvalidEscapeCharacter: "invalid escape: JSON allows only \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX (a glob backslash is written \\\\)",
  InvalidCharacter: "a control character must be escaped inside a JSON string",
};

export function nodeSpan(file: string, node: Node): Span {
  return { file, start: node.offset, end: node.offset + node.length };
}

/** The tree of a JSON text, or the diagnostic for its first syntax error (MOAT110). */
export function parseJsonTree(source: Source): { root: Node } | { error: Diagnostic } {
  const at = (start: number, length: number): Span => ({ file: source.path, start, end: start + Math.max(length, 1) });
  const tooDeep = findExcessiveNesting(source.text);
  if (tooDeep !== undefined) {
    return { error: diagnostic("MOAT110", at(tooDeep, 1), { detail: `nested more than ${MAX_JSON_DEPTH} levels deep` }) };
  }
  // A byte order mark is not JSON, but editors write one; a space keeps every offset in place.
  const text = source.text.charCodeAt(0) === 0xfeff ? " " + source.text.slice(1) : source.text;
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined) {
    const name = printParseErrorCode(first.error);
    return { error: diagnostic("MOAT110", at(first.offset, first.length), { detail: SYNTAX_MESSAGES[name] ?? name }) };
  }
  if (root === undefined) return { error: diagnostic("MOAT110", at(0, 0), { detail: "the file holds no JSON value" }) };
  return { root };
}

/** The offset of the first bracket that opens level MAX_JSON_DEPTH + 1, outside strings. */
function findExcessiveNesting(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */ && text.charCodeAt(i + 1) !== 10) i++;
      else if (c === 34 /* " */ || c === 10 /* a string ends at a line break, as jsonc-parser reads it */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/**
 * JSON leaves duplicate keys undefined (JSON.parse keeps the last, other tools the first), so a policy
 * may not have any: each one is MOAT112 at the repeated key, with the first as related information.
 */
export function findDuplicateKeys(file: string, root: Node): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === "object") {
      const seen = new Map<string, Node>();
      for (const property of node.children ?? []) {
        const key = property.children?.[0];
        if (key === undefined) continue;
        const first = seen.get(key.value as string);
        if (first !== undefined) {
          diagnostics.push(
            diagnostic("MOAT112", nodeSpan(file, key), { key: JSON.stringify(key.value) }, {
              related: [{ span: nodeSpan(file, first), message: "first given here" }],
            }),
          );
        } else {
          seen.set(key.value as string, key);
        }
      }
    }
    for (const child of node.children ?? []) stack.push(child);
  }
  return diagnostics.sort((a, b) => a.span!.start - b.span!.start);
}

/** The value node of an object's property, or undefined. */
export function propertyValue(object: Node, key: string): Node | undefined {
  for (const property of object.children ?? []) {
    if (property.children?.[0]?.value === key) return property.children[1];
  }
  return undefined;
}

/** Decodes a JSON pointer (RFC 6901) into its reference tokens. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The node a JSON pointer designates, or the deepest existing node on its way. */
export function nodeAtPointer(root: Node, pointer: string): Node {
  let node = root;
  for (const token of pointerTokens(pointer)) {
    let next: Node | undefined;
    if (node.type === "object") next = propertyValue(node, token);
    else if (node.type === "array" && /^(0|[1-9][0-9]*)$/.test(token)) next = node.children?.[Number(token)];
    if (next === undefined) return node;
    node = next;
  }
  return node;
}
