/**
 * The AST nodes of ast.ts, built from tokens as the parser recognizes them (parser.ts): building them
 * during the parse, rather than from a concrete syntax tree afterwards, saves a tree of allocations
 * per file, and allocation is most of the cost of parsing a large policy.
 */
import type { IToken } from "chevrotain";
import type { Span } from "../source.js";
import type { Comment, Identifier, Keyword, StringLiteral, StringPart } from "./ast.js";
import type { DecodedStrings } from "./lexer.js";
import { CommentNode, IdentifierNode, KeywordNode, SourceSpan, StringNode, TextPart } from "./nodes.js";
import { offsetOf } from "./tokens.js";

/** What nodes need besides their tokens: the file's path and the decoded strings of lexer.ts. */
export class AstContext {
  /** Index in `strings` of the next decoded literal: the parser takes string literals in source order. */
  private nextString = 0;

  constructor(
    readonly file: string,
    readonly strings: DecodedStrings,
  ) {}

  tokenSpan(tok: IToken): Span {
    const start = offsetOf(tok);
    return new SourceSpan(this.file, start, start + tok.image.length);
  }

  /** From the first token to the end of the last node or token. */
  between(first: IToken, last: { readonly span: Span } | IToken): Span {
    return new SourceSpan(this.file, offsetOf(first), "span" in last ? last.span.end : offsetOf(last) + last.image.length);
  }

  ident(tok: IToken): Identifier {
    return new IdentifierNode(tok.image, this.tokenSpan(tok));
  }

  str(tok: IToken): StringLiteral {
    const start = offsetOf(tok);
    const parts = this.decoded(start) ?? plainParts(this.file, tok.image.slice(1, -1), start);
    return new StringNode(parts, new SourceSpan(this.file, start, start + tok.image.length));
  }

  /**
   * The parts of the literal at `start` when it is not plain text. The parser takes string literals in
   * source order (one token of lookahead, no backtracking, no recovery), so a decoded literal is always
   * the next one in `strings`, and any other literal is plain.
   */
  private decoded(start: number): StringPart[] | undefined {
    const next = this.nextString;
    if (next === this.strings.starts.length || this.strings.starts[next] !== start) return undefined;
    this.nextString = next + 1;
    return this.strings.parts[next];
  }

  keyword<T extends string>(tok: IToken): Keyword<T> {
    return new KeywordNode(tok.image as T, this.tokenSpan(tok));
  }

  comment(tok: IToken): Comment {
    return new CommentNode(tok.image, this.tokenSpan(tok));
  }
}

/** No file: what the parser holds between parses, so that it keeps no file's tree or strings alive. */
export const NO_FILE = new AstContext("", { starts: [], parts: [] });

// plainParts returns a copy of this array rather than an array literal, for the reason nodes.ts gives
// for constructors (Array.of would do too, but costs a call into a generic builtin per string).
const onePart: StringPart[] = [];

/** The parts of a plain string (no escape, no `${}`) whose opening quote is at `start`. */
export function plainParts(file: string, content: string, start: number): StringPart[] {
  if (content.length === 0) return [];
  onePart[0] = new TextPart(content, new SourceSpan(file, start + 1, start + 1 + content.length));
  return onePart.slice();
}
