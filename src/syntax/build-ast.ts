/** The CST -> AST visitor: builds the PolicyFile of ast.ts from the parser's concrete syntax tree. */
import type { CstNode, IToken } from "chevrotain";
import type { Span } from "../source.js";
import type {
  Access, Comment, Identifier, Item, Keyword, Mode, PolicyFile, Statement, StringLiteral, StringPart, WorkloadBlock, WorkloadKind,
} from "./ast.js";
import type { MoatParser } from "./parser.js";
import { plainParts } from "./strings.js";
import * as t from "./tokens.js";

type Children = Record<string, (CstNode | IToken)[] | undefined>;

interface Context {
  readonly file: string;
  readonly strings: ReadonlyMap<number, StringPart[]>;
}

export interface AstBuilder {
  build(cst: CstNode, file: string, textLength: number, strings: ReadonlyMap<number, StringPart[]>, comments: readonly IToken[]): PolicyFile;
}

export function createAstBuilder(parser: MoatParser): AstBuilder {
  const Base = parser.getBaseCstVisitorConstructor<Context, unknown>();

  const token = (c: Children, name: string, i = 0): IToken => c[name]![i] as IToken;
  const node = (c: Children, name: string): CstNode => c[name]![0] as CstNode;
  const tokenSpan = (x: Context, tok: IToken): Span => ({ file: x.file, start: tok.startOffset, end: tok.startOffset + tok.image.length });
  const between = (x: Context, first: IToken, last: { span: Span } | IToken): Span => ({
    file: x.file,
    start: first.startOffset,
    end: "span" in last ? last.span.end : last.startOffset + last.image.length,
  });
  const ident = (x: Context, tok: IToken): Identifier => ({ kind: "Identifier", name: tok.image, span: tokenSpan(x, tok) });
  const str = (x: Context, tok: IToken): StringLiteral => ({
    kind: "String",
    parts: x.strings.get(tok.startOffset) ?? plainParts(x.file, tok.image.slice(1, -1), tok.startOffset),
    span: tokenSpan(x, tok),
  });
  const keyword = <T extends string>(x: Context, tok: IToken): Keyword<T> => ({ kind: "Keyword", value: tok.image as T, span: tokenSpan(x, tok) });
  /** The first token of a choice between token kinds (e.g. Vm or Service). */
  const oneOf = (c: Children, ...names: string[]): IToken => {
    for (const name of names) if (c[name] !== undefined) return token(c, name);
    throw new Error(`internal: CST has none of ${names.join(", ")}`);
  };

  class Builder extends Base {
    constructor() {
      super();
      this.validateVisitor();
    }

    file(c: Children, x: Context): Statement[] {
      return (c["statement"] ?? []).map((s) => this.visit(s as CstNode, x) as Statement);
    }

    statement(c: Children, x: Context): Statement {
      const [name] = Object.keys(c);
      return this.visit(node(c, name!), x) as Statement;
    }

    policyStatement(c: Children, x: Context): Statement {
      const name = ident(x, token(c, "Identifier"));
      return { kind: "Policy", name, span: between(x, token(c, "Policy"), name) };
    }

    letStatement(c: Children, x: Context): Statement {
      const value = str(x, token(c, "StringLiteral"));
      return { kind: "Let", name: ident(x, token(c, "Identifier")), value, span: between(x, token(c, "Let"), value) };
    }

    includeStatement(c: Children, x: Context): Statement {
      const path = str(x, token(c, "StringLiteral"));
      return { kind: "Include", path, span: between(x, token(c, "Include"), path) };
    }

    protectStatement(c: Children, x: Context): Statement {
      const glob = str(x, token(c, "StringLiteral"));
      return { kind: "Protect", glob, span: between(x, token(c, "Protect"), glob) };
    }

    tenantBlock(c: Children, x: Context): Statement {
      const workloads = (c["workloadBlock"] ?? []).map((w) => this.visit(w as CstNode, x) as WorkloadBlock);
      const name = ident(x, token(c, "Identifier"));
      return { kind: "Tenant", name, workloads, span: between(x, token(c, "Tenant"), token(c, "RCurly")) };
    }

    workloadBlock(c: Children, x: Context): WorkloadBlock {
      const kindToken = oneOf(c, "Vm", "Service");
      const items = (c["item"] ?? []).map((i) => this.visit(i as CstNode, x) as Item);
      return {
        kind: "Workload",
        workloadKind: keyword<WorkloadKind>(x, kindToken),
        name: ident(x, token(c, "Identifier")),
        items,
        span: between(x, kindToken, token(c, "RCurly")),
      };
    }

    item(c: Children, x: Context): Item {
      if (c["Mode"] !== undefined) {
        const value = keyword<Mode>(x, oneOf(c, "Enforce", "Complain"));
        return { kind: "Mode", value, span: between(x, token(c, "Mode"), value) };
      }
      const value = str(x, token(c, "StringLiteral"));
      const first = oneOf(c, "Uuid", "Exec", "Volume", "Device", "Socket", "Abstraction");
      const span = between(x, first, value);
      switch (first.tokenType) {
        case t.Uuid:
          return { kind: "Uuid", value, span };
        case t.Exec:
          return { kind: "Exec", path: value, span };
        case t.Socket:
          return { kind: "Socket", path: value, span };
        case t.Abstraction:
          return { kind: "Abstraction", name: value, span };
        default: {
          const kind = first.tokenType === t.Volume ? "Volume" : "Device";
          if (c["Ro"] === undefined && c["Rw"] === undefined) return { kind, path: value, span };
          const access = keyword<Access>(x, oneOf(c, "Ro", "Rw"));
          return { kind, path: value, access, span: between(x, first, access) };
        }
      }
    }

    sharedStatement(c: Children, x: Context): Statement {
      const tenants = (c["Identifier"] as IToken[]).map((tok) => ident(x, tok));
      return {
        kind: "Shared",
        glob: str(x, token(c, "StringLiteral")),
        access: keyword<"ro">(x, token(c, "Ro")),
        tenants,
        span: between(x, token(c, "Shared"), tenants[tenants.length - 1]!),
      };
    }
  }

  const builder = new Builder();
  return {
    build(cst, file, textLength, strings, comments) {
      const x: Context = { file, strings };
      const statements = builder.visit(cst, x) as Statement[];
      const commentNodes: Comment[] = comments.map((tok) => ({ kind: "Comment", text: tok.image, span: tokenSpan(x, tok) }));
      return { kind: "File", path: file, statements, comments: commentNodes, span: { file, start: 0, end: textLength } };
    },
  };
}
