/** The syntax phase's entry: source text in, a PolicyFile or the first syntax error out. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../source.js";
import type { PolicyFile } from "./ast.js";
import { AstContext, NO_FILE } from "./build-ast.js";
import { lex } from "./lexer.js";
import { ProblemRecorder, renderParseProblem } from "./parse-errors.js";
import { MoatParser } from "./parser.js";

// One parser for the process: chevrotain's grammar analysis runs once, at construction. The grammar's
// own validation is left to test/syntax/grammar-valid.test.ts.
const recorder = new ProblemRecorder();
const parser = new MoatParser(recorder, { skipValidations: true });

export interface ParseResult {
  readonly file?: PolicyFile;
  readonly diagnostics: Diagnostic[];
  /**
   * Whether the text reads as policy: it parsed, or at least its first token fit the grammar (a
   * statement keyword) before the error. A file that is not policy (a key file, an environment, a
   * binary) fails at its first token; none of its text may be shown (Source.hideText).
   */
  readonly recognized: boolean;
}

/**
 * Parses one file. Stops at the first error in source order, lexical or syntactic, and returns it
 * alone; otherwise returns the file and no diagnostics. Never throws for any input.
 */
export function parse(source: Source): ParseResult {
  const lexed = lex(source);
  recorder.last = undefined;
  const context = new AstContext(source.path, lexed.strings);
  parser.context = context;
  parser.input = lexed.tokens;
  const statements = parser.file();
  parser.context = NO_FILE;
  const problem = recorder.last;
  const parseError = parser.errors.length > 0 ? parser.errors[0] : undefined;
  const parseOffset = parseError === undefined ? Infinity : offsetOf(parseError.token.startOffset, source);
  // Every token before the first error was accepted by the parser, so the file began as policy when
  // its first token lies before the error.
  const first = lexed.tokens[0];
  const began = (errorOffset: number): boolean => first !== undefined && first.startOffset < errorOffset;
  if (lexed.error !== undefined && lexed.error.span!.start <= parseOffset) return { diagnostics: [lexed.error], recognized: began(lexed.error.span!.start) };
  if (parseError !== undefined) {
    if (problem === undefined) {
      return { diagnostics: [diagnostic("MOAT900", undefined, { detail: `parse error without details: ${parseError.message}` })], recognized: false };
    }
    return { diagnostics: [renderParseProblem(problem, source, lexed.tokens)], recognized: began(parseOffset) };
  }
  const comments = lexed.comments.map((tok) => context.comment(tok));
  const file: PolicyFile = { kind: "File", path: source.path, statements, comments, span: { file: source.path, start: 0, end: source.text.length } };
  return { file, diagnostics: [], recognized: true };
}

/** chevrotain's end-of-file token has no offset; it stands at the end of the text. */
function offsetOf(offset: number, source: Source): number {
  return Number.isFinite(offset) ? offset : source.text.length;
}
