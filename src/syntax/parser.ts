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

  // One rule for all items, without a sub-rule per item: large policies are mostly items, and every
  // CST node costs an allocation (parsing time is dominated by garbage collection).
  item = this.RULE("item", () => {
    this.OR([
      { ALT: () => { this.CONSUME(t.Uuid); this.CONSUME1(t.StringLiteral); } },
      { ALT: () => { this.CONSUME(t.Exec); this.CONSUME2(t.StringLiteral); } },
      {
        ALT: () => {
          this.CONSUME(t.Volume);
          this.CONSUME3(t.StringLiteral);
          this.OPTION1(() => this.OR2([{ ALT: () => this.CONSUME1(t.Ro) }, { ALT: () => this.CONSUME1(t.Rw) }]));
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Device);
          this.CONSUME4(t.StringLiteral);
          this.OPTION2(() => this.OR3([{ ALT: () => this.CONSUME2(t.Ro) }, { ALT: () => this.CONSUME2(t.Rw) }]));
        },
      },
      { ALT: () => { this.CONSUME(t.Socket); this.CONSUME5(t.StringLiteral); } },
      { ALT: () => { this.CONSUME(t.Abstraction); this.CONSUME6(t.StringLiteral); } },
      { ALT: () => { this.CONSUME(t.Mode); this.OR4([{ ALT: () => this.CONSUME(t.Enforce) }, { ALT: () => this.CONSUME(t.Complain) }]); } },
    ]);
  });

  sharedStatement = this.RULE("sharedStatement", () => {
    this.CONSUME(t.Shared);
    this.CONSUME(t.StringLiteral);
    this.CONSUME(t.Ro);
    this.CONSUME(t.With);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.CONSUME(t.Identifier) });
  });
}
