/**
 * The AST nodes of ast.ts, built from tokens as the parser recognizes them (parser.ts): building them
 * during the parse, rather than from a concrete syntax tree afterwards, saves a tree of allocations
 * per file, and allocation is most of the cost of parsing a large policy.
 */
import type { IToken } from "chevrotain";
import type { Span } from "../source.js";
import type { Comment, Identifier, Keyword, StringLiteral, StringPart } from "./ast.js";
import { CommentNode, IdentifierNode, KeywordNode, SourceSpan, StringNode, TextPart } from "./nodes.js";

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

/**
 * The string literals of a file that are not plain text, decoded, in source order: `parts[i]` belongs to
 * the literal whose opening quote is at `starts[i]`.
 */
export interface DecodedStrings {
  readonly starts: number[];
  readonly parts: StringPart[][];
}

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

  /** The parts of the literal at `start` when it is not plain text. */
  private decoded(start: number): StringPart[] | undefined {
    const { starts, parts } = this.strings;
    const next = this.nextString;
    if (next < starts.length && starts[next] === start) {
      this.nextString = next + 1;
      return parts[next];
    }
    // Between the last decoded literal taken and the next: a plain literal, the usual case in a file
    // that inserts lets anywhere.
    if ((next === 0 || starts[next - 1]! < start) && (next === starts.length || start < starts[next]!)) return undefined;
    // Out of order: no rule takes its literals so today (parsing stops at the first error, and each rule
    // decodes a literal before it consumes the next), but a rule that did must still find a decoded
    // literal's parts, not take it for plain text. Looked up among all of them.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    return starts[lo] === start ? parts[lo] : undefined;
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
