/**
 * Decoding of string literals into StringPart[] (see ast.ts). The lexer has already checked the shape
 * (one line, closing quote, no backslash before the line end); this checks escapes, `${name}` and the
 * characters that cannot be part of a path.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { StringPart } from "./ast.js";
import { IDENTIFIER_MAX_LENGTH } from "./limits.js";
import { InterpolationPart, SourceSpan, TextPart } from "./nodes.js";
import { IDENTIFIER } from "./tokens.js";

const NAME = new RegExp(`^${IDENTIFIER.source}$`);

// The parts of the literal being decoded, in its first `count` elements: one array reused, so that each
// literal allocates only its exact-size copy (an array grown by push keeps room for 17 elements, and
// truncating an array frees its storage).
const partsSoFar: StringPart[] = [];

/**
 * Decodes the literal text[start, end) (quotes included), one that is not plain text (tokens.ts
 * notPlainStrings), into its parts, or the diagnostic of its first problem. `checkEach` says whether it
 * holds a character badCharacter may reject (NUL, U+FFFD, a surrogate); the lexer has found that out
 * already. A NUL, U+FFFD or a lone surrogate inside a string is MOAT107: none can be part of a path, and
 * U+FFFD or a lone surrogate means the file was not valid UTF-8 when it was read (the CLI decodes with
 * replacement characters). Plain literals decode to their content (build-ast.ts plainParts). Written
 * without closures or a call per character, and read from the file's text rather than a copy of the
 * literal: most strings of a large policy insert a let. A run of ordinary characters is skipped in one
 * loop to the next backslash or '$' of the literal (indexOf on the file's text would search past the
 * literal, to the end of the file when no such character follows: quadratic on a large file).
 */
export function decodeEscapedString(file: string, text: string, start: number, end: number, checkEach: boolean): StringPart[] | Diagnostic {
  const parts = partsSoFar;
  let count = 0;
  const contentEnd = end - 1;
  let buffer = "";
  let textStart = -1; // offset where the pending Text part began
  let runStart = start + 1; // start of the current run of characters copied verbatim
  let i = start + 1;

  while (i < contentEnd) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      if (textStart < 0) textStart = i;
      const next = text.charCodeAt(i + 1);
      if (next === 34 /* " */) {
        if (i > runStart) buffer += text.slice(runStart, i);
        buffer += '"';
        runStart = i + 2;
      } else if (!isGlobEscape(next)) {
        const escaped = String.fromCodePoint(text.codePointAt(i + 1)!);
        return diagnostic("MOAT104", { file, start: i, end: i + 1 + escaped.length }, { escape: "\\" + printable(escaped) });
      } // else: a kept escape is copied as written, with the run
      i += 2;
    } else if (c === 36 /* $ */ && text.charCodeAt(i + 1) === 123 /* { */) {
      if (i > runStart) buffer += text.slice(runStart, i);
      const close = text.indexOf("}", i + 2);
      if (close < 0 || close >= contentEnd) {
        return diagnostic("MOAT106", { file, start: i, end: contentEnd }, { detail: "'${' has no closing '}' in this string" });
      }
      const name = text.slice(i + 2, close);
      if (name.length === 0) {
        return diagnostic("MOAT106", { file, start: i, end: close + 1 }, { detail: "empty '${}': write ${name} to insert a let" });
      }
      if (!NAME.test(name)) {
        return diagnostic("MOAT106", { file, start: i, end: close + 1 }, {
          detail: `'\${${printable(name)}}' does not name a let: a name is a letter followed by letters, digits, '_' or '-'`,
        });
      }
      if (name.length > IDENTIFIER_MAX_LENGTH) {
        return diagnostic("MOAT105", { file, start: i + 2, end: close }, { length: name.length });
      }
      if (textStart >= 0) parts[count++] = new TextPart(buffer, new SourceSpan(file, textStart, i));
      buffer = "";
      textStart = -1;
      parts[count++] = new InterpolationPart(name, new SourceSpan(file, i, close + 1));
      i = close + 1;
      runStart = i;
    } else if (checkEach) {
      if (c === 0 || c === 0xfffd || (c >= 0xd800 && c <= 0xdfff)) {
        const bad = badCharacter(text, i, c);
        if (bad !== undefined) return diagnostic("MOAT107", { file, start: i, end: i + 1 }, { detail: bad });
      }
      if (textStart < 0) textStart = i;
      i++;
    } else {
      // An ordinary character: nothing changes before the next backslash or '$'.
      if (textStart < 0) textStart = i;
      i = nextEscapeOrDollar(text, i + 1, contentEnd);
    }
  }
  if (contentEnd > runStart) buffer += text.slice(runStart, contentEnd);
  if (textStart >= 0) parts[count++] = new TextPart(buffer, new SourceSpan(file, textStart, contentEnd));
  return parts.slice(0, count);
}

/** The offset of the first backslash or '$' in text[from, end), or end. */
function nextEscapeOrDollar(text: string, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 92 || c === 36) return i;
    i++;
  }
  return end;
}

/** The characters a backslash keeps escaped, so that the glob parser reads them as literals: * ? { } [ ] , \ */
function isGlobEscape(c: number): boolean {
  return c === 42 || c === 63 || c === 123 || c === 125 || c === 91 || c === 93 || c === 44 || c === 92;
}

/** Why the UTF-16 unit at i cannot appear in a string, or undefined when it can. */
export function badCharacter(text: string, i: number, c: number): string | undefined {
  if (c === 0) return "a string may not contain a NUL character";
  if (c === 0xfffd) return "found U+FFFD, the mark of bytes that were not valid UTF-8: save the file as UTF-8";
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return "found a lone UTF-16 surrogate: the text is not valid Unicode";
  } else if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = text.charCodeAt(i - 1);
    if (!(prev >= 0xd800 && prev <= 0xdbff)) return "found a lone UTF-16 surrogate: the text is not valid Unicode";
  }
  return undefined;
}

/** A character or short text as it can be shown in a one-line message. */
export function printable(s: string): string {
  const shown = s.length > 40 ? s.slice(0, 40) + "…" : s;
  return shown.replace(/[\u0000-\u001f\u007f]/g, (ch) => `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}
