/**
 * The grammar of .iso files as a chevrotain CstParser. It only recognizes structure; the AST is built
 * by build-ast.ts and meaning is given in model/. grammar/moat.ebnf is the same grammar written for
 * people; test/syntax/grammar-sync.test.ts keeps the two in step.
 */
import { CstParser, type IParserErrorMessageProvider } from "chevrotain";
import * as t from "./tokens.js";

export class MoatParser extends CstParser {
  constructor(errorMessageProvider: IParserErrorMessageProvider) {
    // Parsing stops at the first error (no recovery): later errors would mostly be echoes of it.
    super([...t.allTokens], { errorMessageProvider, recoveryEnabled: false, maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.statement));
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.policyStatement) },
      { ALT: () => this.SUBRULE(this.letStatement) },
      { ALT: () => this.SUBRULE(this.includeStatement) },
      { ALT: () => this.SUBRULE(this.protectStatement) },
      { ALT: () => this.SUBRULE(this.tenantBlock) },
      { ALT: () => this.SUBRULE(this.sharedStatement) },
    ]);
  });

  policyStatement = this.RULE("policyStatement", () => {
    this.CONSUME(t.Policy);
    this.CONSUME(t.Identifier);
  });

  letStatement = this.RULE("letStatement", () => {
    this.CONSUME(t.Let);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.CONSUME(t.StringLiteral);
  });

  includeStatement = this.RULE("includeStatement", () => {
    this.CONSUME(t.Include);
    this.CONSUME(t.StringLiteral);
  });

  protectStatement = this.RULE("protectStatement", () => {
    this.CONSUME(t.Protect);
    this.CONSUME(t.StringLiteral);
  });

  tenantBlock = this.RULE("tenantBlock", () => {
    this.CONSUME(t.Tenant);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.workloadBlock));
    this.CONSUME(t.RCurly);
  });

  workloadBlock = this.RULE("workloadBlock", () => {
    this.OR([{ ALT: () => this.CONSUME(t.Vm) }, { ALT: () => this.CONSUME(t.Service) }]);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.item));
    this.CONSUME(t.RCurly);
  });

  item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.uuidItem) },
      { ALT: () => this.SUBRULE(this.execItem) },
      { ALT: () => this.SUBRULE(this.volumeItem) },
      { ALT: () => this.SUBRULE(this.deviceItem) },
      { ALT: () => this.SUBRULE(this.socketItem) },
      { ALT: () => this.SUBRULE(this.abstractionItem) },
      { ALT: () => this.SUBRULE(this.modeItem) },
    ]);
  });

  uuidItem = this.RULE("uuidItem", () => {
    this.CONSUME(t.Uuid);
    this.CONSUME(t.StringLiteral);
  });

  execItem = this.RULE("execItem", () => {
    this.CONSUME(t.Exec);
    this.CONSUME(t.StringLiteral);
  });

  volumeItem = this.RULE("volumeItem", () => {
    this.CONSUME(t.Volume);
    this.CONSUME(t.StringLiteral);
    this.OPTION(() => this.SUBRULE(this.access));
  });

  deviceItem = this.RULE("deviceItem", () => {
    this.CONSUME(t.Device);
    this.CONSUME(t.StringLiteral);
    this.OPTION(() => this.SUBRULE(this.access));
  });

  socketItem = this.RULE("socketItem", () => {
    this.CONSUME(t.Socket);
    this.CONSUME(t.StringLiteral);
  });

  abstractionItem = this.RULE("abstractionItem", () => {
    this.CONSUME(t.Abstraction);
    this.CONSUME(t.StringLiteral);
  });

  modeItem = this.RULE("modeItem", () => {
    this.CONSUME(t.Mode);
    this.OR([{ ALT: () => this.CONSUME(t.Enforce) }, { ALT: () => this.CONSUME(t.Complain) }]);
  });

  access = this.RULE("access", () => {
    this.OR([{ ALT: () => this.CONSUME(t.Ro) }, { ALT: () => this.CONSUME(t.Rw) }]);
  });

  sharedStatement = this.RULE("sharedStatement", () => {
    this.CONSUME(t.Shared);
    this.CONSUME(t.StringLiteral);
    this.CONSUME(t.Ro);
    this.CONSUME(t.With);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.CONSUME(t.Identifier) });
  });
}
