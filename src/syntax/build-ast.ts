/**
 * The AST nodes of ast.ts, built from tokens as the parser recognizes them (parser.ts): building them
 * during the parse, rather than from a concrete syntax tree afterwards, saves a tree of allocations
 * per file, and allocation is most of the cost of parsing a large policy.
 */
import type { IToken } from "chevrotain";
import type { Span } from "../source.js";
import type { Comment, Identifier, Keyword, StringLiteral, StringPart } from "./ast.js";
import { plainParts } from "./strings.js";

/**
 * A token's offset as a small integer. chevrotain's token objects share V8's hidden class with its
 * end-of-file token, whose offset is NaN, so every offset read from a token is a boxed double; stored in
 * a span as it is, it would make V8 box `start` and `end` of every span of the process (two more heap
 * objects a span, and as many allocations). `| 0` yields the same integer, unboxed: an offset is below
 * 2^30, the length of V8's longest string.
 */
export function offsetOf(tok: IToken): number {
  return tok.startOffset | 0;
}

/** What nodes need besides their tokens: the file's path and the decoded strings of lexer.ts. */
export class AstContext {
  constructor(
    readonly file: string,
    readonly strings: ReadonlyMap<number, StringPart[]>,
  ) {}

  tokenSpan(tok: IToken): Span {
    const start = offsetOf(tok);
    return { file: this.file, start, end: start + tok.image.length };
  }

  /** From the first token to the end of the last node or token. */
  between(first: IToken, last: { readonly span: Span } | IToken): Span {
    return {
      file: this.file,
      start: offsetOf(first),
      end: "span" in last ? last.span.end : offsetOf(last) + last.image.length,
    };
  }

  ident(tok: IToken): Identifier {
    return { kind: "Identifier", name: tok.image, span: this.tokenSpan(tok) };
  }

  str(tok: IToken): StringLiteral {
    const start = offsetOf(tok);
    return {
      kind: "String",
      parts: this.strings.get(start) ?? plainParts(this.file, tok.image.slice(1, -1), start),
      span: this.tokenSpan(tok),
    };
  }

  keyword<T extends string>(tok: IToken): Keyword<T> {
    return { kind: "Keyword", value: tok.image as T, span: this.tokenSpan(tok) };
  }

  comment(tok: IToken): Comment {
    return { kind: "Comment", text: tok.image, span: this.tokenSpan(tok) };
  }
}
