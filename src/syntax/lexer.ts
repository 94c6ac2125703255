/**
 * Tokenizes a source and finds the first lexical problem. Tokens carry offsets only; lines and
 * columns are computed from offsets when a diagnostic is printed (source.ts).
 */
import type { IToken, TokenType } from "chevrotain";
import { Lexer } from "./chevrotain.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../source.js";
import type { StringPart } from "./ast.js";
import { IDENTIFIER_MAX_LENGTH } from "./limits.js";
import { badCharacter, decodeEscapedString, printable } from "./strings.js";
import { allTokens, Identifier, isKeyword, isSoftKeyword, keywordTokens, notPlainStrings, offsetOf, softKeywordTokens, UnterminatedString } from "./tokens.js";

// No recovery: lexing stops at the first character no token starts with, as parsing stops at the first
// error (and chevrotain's recovery retries every pattern at every following offset: slow on junk).
// Keywords are not lexed as themselves: an Identifier whose text is a keyword is retyped below. That is
// what their patterns (with Identifier as the longer alternative) would give, without trying each
// keyword's pattern, then Identifier's, at every word of the file.
export const moatLexer = new Lexer(
  allTokens.filter((type) => !isKeyword(type) && !isSoftKeyword(type)),
  // recoveryEnabled must stay false: matchString notes literals as it matches them (tokens.ts notPlainStrings).
  { positionTracking: "onlyOffset", ensureOptimizations: true, recoveryEnabled: false },
);

// A retyped keyword's image becomes the one string of its word: the AST keeps keywords (access, mode,
// workload kind) by their text, and would otherwise keep a copy of the word for each use in the fleet.
interface KeywordEntry {
  readonly type: TokenType;
  readonly tokenTypeIdx: number;
  readonly word: string;
}

// Keywords by length and first letter (keywordSlot): most words of a policy are keywords, and a slot
// and one comparison of short strings cost less than hashing each word for a Map.
// The unreserved item words (tokens.ts softKeywordTokens) are retyped the same way.
const RETYPED = [...keywordTokens, ...softKeywordTokens];
const wordOf = (type: TokenType): string => (type.LABEL ?? "").slice(1, -1);
const KEYWORD_MAX_LENGTH = Math.max(...RETYPED.map((type) => wordOf(type).length));
const keywordSlots: (readonly KeywordEntry[] | undefined)[] = [];
for (const type of RETYPED) {
  const word = wordOf(type);
  const slot = keywordSlot(word);
  keywordSlots[slot] = [...(keywordSlots[slot] ?? []), { type, tokenTypeIdx: type.tokenTypeIdx!, word }];
}

/** A word's slot: its length and first character (an identifier starts with an ASCII letter). */
function keywordSlot(word: string): number {
  return (word.length << 7) | word.charCodeAt(0);
}

function keywordOf(word: string): KeywordEntry | undefined {
  if (word.length > KEYWORD_MAX_LENGTH) return undefined;
  const candidates = keywordSlots[keywordSlot(word)];
  if (candidates === undefined) return undefined;
  for (let i = 0; i < candidates.length; i++) if (candidates[i]!.word === word) return candidates[i];
  return undefined;
}

/**
 * The string literals of a file that are not plain text, decoded, in source order: `parts[i]` belongs to
 * the literal whose opening quote is at `starts[i]`.
 */
export interface DecodedStrings {
  readonly starts: number[];
  readonly parts: StringPart[][];
}

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
  /** The string literals that are not plain text (tokens.ts notPlainStrings), decoded. */
  readonly strings: DecodedStrings;
  /** The lexical problem nearest the start of the file, if any. */
  readonly error?: Diagnostic;
}

export function lex(source: Source): LexResult {
  const { text, path } = source;
  notPlainStrings.length = 0;
  const result = moatLexer.tokenize(text);
  const tokens = result.tokens;
  // The first problem of a token, in token order: an unterminated string or an over-long identifier
  // here, a string that does not decode below.
  let error: Diagnostic | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const type = token.tokenType;
    if (type === Identifier) {
      const image = token.image;
      const keyword = keywordOf(image);
      if (keyword !== undefined) {
        token.tokenType = keyword.type;
        token.tokenTypeIdx = keyword.tokenTypeIdx;
        token.image = keyword.word;
      } else if (image.length > IDENTIFIER_MAX_LENGTH && error === undefined) {
        // Past the first problem, tokens are only retyped: the parser may still read them.
        const start = offsetOf(token);
        error = diagnostic("MOAT105", { file: path, start, end: start + image.length }, { length: image.length });
      }
    } else if (type === UnterminatedString && error === undefined) {
      const start = offsetOf(token);
      error = diagnostic("MOAT103", { file: path, start, end: start + token.image.length });
    }
  }
  // matchString listed the literals that need decoding; plain ones decode to their content (AstContext.str).
  const strings: DecodedStrings = { starts: [], parts: [] };
  for (let i = 0; i < notPlainStrings.length; i += 3) {
    const start = notPlainStrings[i]!;
    if (error !== undefined && start > error.span!.start) break; // past the token the first problem is about
    const decoded = decodeEscapedString(path, text, start, notPlainStrings[i + 1]!, notPlainStrings[i + 2] === 1);
    if (!Array.isArray(decoded)) {
      error = decoded;
      break;
    }
    strings.starts.push(start);
    strings.parts.push(decoded);
  }
  notPlainStrings.length = 0; // the last file's offsets are not kept past its lexing
  const unmatched = result.errors[0];
  if (unmatched !== undefined && (error === undefined || unmatched.offset < error.span!.start)) {
    error = unexpectedCharacter(source, unmatched.offset);
  }
  const comments = result.groups["comments"] ?? [];
  return error === undefined ? { tokens, comments, strings } : { tokens, comments, strings, error };
}

/**
 * A character no token starts with. U+FFFD and lone surrogates are MOAT107 (the file was not valid
 * UTF-8 or Unicode), wherever they stand outside comments; a NUL outside a string is an ordinary
 * unexpected character (MOAT101), as it is no sign of a mis-decoded file. Comments may hold anything
 * but a line break: they are never interpreted.
 */
function unexpectedCharacter(source: Source, offset: number): Diagnostic {
  const { text, path } = source;
  const c = text.charCodeAt(offset);
  if (c !== 0) {
    const bad = badCharacter(text, offset, c);
    if (bad !== undefined) return diagnostic("MOAT107", { file: path, start: offset, end: offset + 1 }, { detail: bad });
  }
  const ch = String.fromCodePoint(text.codePointAt(offset)!);
  const span = { file: path, start: offset, end: offset + ch.length };
  const shown = ch === "'" ? `"'"` : c < 0x20 || c === 0x7f ? printable(ch) : `'${ch}'`;
  const next = text[offset + 1];
  const hint = /[0-9]/.test(ch)
    ? "names start with a letter; a number is written as a string"
    : ch === "/" && (next === "/" || next === "*")
      ? `comments start with '#' and run to the end of the line: write # instead of ${ch}${next}`
      : HINTS[ch];
  return diagnostic("MOAT101", span, { char: shown }, hint === undefined ? {} : { hint });
}

const HINTS: Readonly<Record<string, string>> = {
  "'": 'strings are written in double quotes: "…"',
  ";": "no ';' is needed between statements",
  "/": 'paths are strings: write them in double quotes, "/like/this"',
  "_": "names start with a letter",
};
