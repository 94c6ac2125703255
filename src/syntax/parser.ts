/**
 * The grammar of .iso files as a chevrotain parser that builds the AST as it recognizes it (nodes in
 * build-ast.ts); meaning is given in model/. grammar/moat.ebnf is the same grammar written for people;
 * test/syntax/grammar-sync.test.ts keeps the two in step.
 *
 * An EmbeddedActionsParser rather than a CstParser: a concrete syntax tree, and a visitor walking it
 * afterwards, cost more than the whole recognition on large policies. While chevrotain records the
 * grammar (in the constructor) rules run with placeholder tokens and sub-rule results; the actions
 * below only read token fields there, or skip work on RECORDING_PHASE, so they never throw.
 */
import type { IOrAlt, IParserErrorMessageProvider, IToken } from "chevrotain";
import { EmbeddedActionsParser } from "./chevrotain.js";
import type { Access, Identifier, Item, Mode, RunMode, Statement, WorkloadBlock, WorkloadKind } from "./ast.js";
import { NO_FILE } from "./build-ast.js";
import { AbstractionItem, AccessItem, CapabilityItem, LxcItem, ModeItem, NetworkItem, PathItem, RunItem, UuidItem, WorkloadNode } from "./nodes.js";
import * as t from "./tokens.js";

/** What actions return while chevrotain records the grammar: their results are never looked at. */
const RECORDING: unknown = Object.freeze({});

export class MoatParser extends EmbeddedActionsParser {
  /** The file being parsed; set by parse.ts before each parse. */
  context = NO_FILE;

  /**
   * `skipValidations` leaves out chevrotain's checks of the grammar itself (ambiguities, left recursion),
   * a cost every process would pay at start: the compiler's parser skips them, and a test builds the
   * parser with them to prove the grammar sound.
   */
  constructor(errorMessageProvider: IParserErrorMessageProvider, options: { readonly skipValidations?: boolean } = {}) {
    // Parsing stops at the first error (no recovery): later errors would mostly be echoes of it.
    super([...t.allTokens], { errorMessageProvider, recoveryEnabled: false, maxLookahead: 1, skipValidations: options.skipValidations ?? false });
    this.performSelfAnalysis();
  }

  // Alternatives are built once: an OR given a fresh array of closures on every call allocates them per item.
  private statementAlts?: IOrAlt<Statement>[];
  private itemAlts?: IOrAlt<Item>[];
  private workloadKindAlts?: IOrAlt<IToken>[];
  private modeAlts?: IOrAlt<IToken>[];
  private volumeAccess?: () => IToken;
  private deviceAccess?: () => IToken;
  private volumeAccessAlts?: IOrAlt<IToken>[];
  private deviceAccessAlts?: IOrAlt<IToken>[];
  private runModeAlts?: IOrAlt<IToken>[];

  file = this.RULE("file", (): Statement[] => {
    const statements: Statement[] = [];
    this.MANY(() => {
      statements.push(this.SUBRULE(this.statement));
    });
    return statements.slice(); // exact size: an array grown by push keeps room for 17 or more elements
  });

  statement = this.RULE("statement", (): Statement =>
    this.OR(
      (this.statementAlts ??= [
        { ALT: () => this.SUBRULE(this.policyStatement) },
        { ALT: () => this.SUBRULE(this.letStatement) },
        { ALT: () => this.SUBRULE(this.includeStatement) },
        { ALT: () => this.SUBRULE(this.protectStatement) },
        { ALT: () => this.SUBRULE(this.tenantBlock) },
        { ALT: () => this.SUBRULE(this.sharedStatement) },
      ]),
    ),
  );

  policyStatement = this.RULE("policyStatement", (): Statement => {
    const kw = this.CONSUME(t.Policy);
    const name = this.context.ident(this.CONSUME(t.Identifier));
    return { kind: "Policy", name, span: this.context.between(kw, name) };
  });

  letStatement = this.RULE("letStatement", (): Statement => {
    const kw = this.CONSUME(t.Let);
    const name = this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    const value = this.context.str(this.CONSUME(t.StringLiteral));
    return { kind: "Let", name: this.context.ident(name), value, span: this.context.between(kw, value) };
  });

  includeStatement = this.RULE("includeStatement", (): Statement => {
    const kw = this.CONSUME(t.Include);
    const path = this.context.str(this.CONSUME(t.StringLiteral));
    return { kind: "Include", path, span: this.context.between(kw, path) };
  });

  protectStatement = this.RULE("protectStatement", (): Statement => {
    const kw = this.CONSUME(t.Protect);
    const glob = this.context.str(this.CONSUME(t.StringLiteral));
    return { kind: "Protect", glob, span: this.context.between(kw, glob) };
  });

  tenantBlock = this.RULE("tenantBlock", (): Statement => {
    const kw = this.CONSUME(t.Tenant);
    const name = this.CONSUME(t.Identifier);
    this.CONSUME(t.LCurly);
    const workloads: WorkloadBlock[] = [];
    this.MANY(() => {
      workloads.push(this.SUBRULE(this.workloadBlock));
    });
    const close = this.CONSUME(t.RCurly);
    return { kind: "Tenant", name: this.context.ident(name), workloads: workloads.slice(), span: this.context.between(kw, close) };
  });

  workloadBlock = this.RULE("workloadBlock", (): WorkloadBlock => {
    const kw = this.OR(
      (this.workloadKindAlts ??= [
        { ALT: () => this.CONSUME(t.Vm) },
        { ALT: () => this.CONSUME(t.Service) },
        { ALT: () => this.CONSUME(t.Container) },
      ]),
    );
    const name = this.CONSUME(t.Identifier);
    this.CONSUME(t.LCurly);
    const items: Item[] = [];
    this.MANY(() => {
      items.push(this.SUBRULE(this.item));
    });
    const close = this.CONSUME(t.RCurly);
    if (this.RECORDING_PHASE) return RECORDING as WorkloadBlock; // `kw` is no token while recording
    const x = this.context;
    return new WorkloadNode(x.keyword<WorkloadKind>(kw), x.ident(name), items.slice(), x.between(kw, close));
  });

  // One rule for all items, without a sub-rule per item: large policies are mostly items, and every
  // rule invocation costs time.
  item = this.RULE("item", (): Item =>
    this.OR(
      (this.itemAlts ??= [
        { ALT: () => this.stringItem("Uuid", this.CONSUME(t.Uuid), this.CONSUME1(t.StringLiteral)) },
        { ALT: () => this.stringItem("Exec", this.CONSUME(t.Exec), this.CONSUME2(t.StringLiteral)) },
        {
          ALT: () => {
            const kw = this.CONSUME(t.Volume);
            const path = this.CONSUME3(t.StringLiteral);
            const access = this.OPTION1(
              (this.volumeAccess ??= () => this.OR2((this.volumeAccessAlts ??= [{ ALT: () => this.CONSUME1(t.Ro) }, { ALT: () => this.CONSUME1(t.Rw) }]))),
            );
            return this.accessItem("Volume", kw, path, access);
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(t.Device);
            const path = this.CONSUME4(t.StringLiteral);
            const access = this.OPTION2(
              (this.deviceAccess ??= () => this.OR3((this.deviceAccessAlts ??= [{ ALT: () => this.CONSUME2(t.Ro) }, { ALT: () => this.CONSUME2(t.Rw) }]))),
            );
            return this.accessItem("Device", kw, path, access);
          },
        },
        { ALT: () => this.stringItem("Socket", this.CONSUME(t.Socket), this.CONSUME5(t.StringLiteral)) },
        { ALT: () => this.stringItem("Abstraction", this.CONSUME(t.Abstraction), this.CONSUME6(t.StringLiteral)) },
        {
          ALT: () => {
            const kw = this.CONSUME(t.Mode);
            const token = this.OR4((this.modeAlts ??= [{ ALT: () => this.CONSUME(t.Enforce) }, { ALT: () => this.CONSUME(t.Complain) }]));
            if (this.RECORDING_PHASE) return RECORDING as Item;
            const value = this.context.keyword<Mode>(token);
            return new ModeItem(value, this.context.between(kw, value));
          },
        },
        { ALT: () => this.stringItem("Lxc", this.CONSUME(t.Lxc), this.CONSUME7(t.StringLiteral)) },
        { ALT: () => this.stringItem("Read", this.CONSUME(t.Read), this.CONSUME8(t.StringLiteral)) },
        {
          ALT: () => {
            const kw = this.CONSUME(t.Run);
            const path = this.CONSUME9(t.StringLiteral);
            const token = this.OR5((this.runModeAlts ??= [{ ALT: () => this.CONSUME(t.Inherit) }, { ALT: () => this.CONSUME(t.Own) }]));
            if (this.RECORDING_PHASE) return RECORDING as Item;
            const x = this.context;
            const mode = x.keyword<RunMode>(token);
            return new RunItem(x.str(path), mode, x.between(kw, mode));
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(t.Capability);
            const names: IToken[] = [];
            this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => names.push(this.CONSUME1(t.Identifier)) });
            if (this.RECORDING_PHASE) return RECORDING as Item;
            const x = this.context;
            const idents = names.map((tok) => x.ident(tok));
            return new CapabilityItem(idents, x.between(kw, idents[idents.length - 1]!));
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(t.Network);
            const family = this.CONSUME2(t.Identifier);
            const type = this.OPTION3(() => this.CONSUME3(t.Identifier));
            if (this.RECORDING_PHASE) return RECORDING as Item;
            const x = this.context;
            const familyNode = x.ident(family);
            const typeNode: Identifier | undefined = type === undefined ? undefined : x.ident(type);
            return new NetworkItem(familyNode, typeNode, x.between(kw, typeNode ?? familyNode));
          },
        },
      ]),
    ),
  );

  sharedStatement = this.RULE("sharedStatement", (): Statement => {
    const kw = this.CONSUME(t.Shared);
    const glob = this.CONSUME(t.StringLiteral);
    const ro = this.CONSUME(t.Ro);
    this.CONSUME(t.With);
    const names: IToken[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => names.push(this.CONSUME(t.Identifier)) });
    const x = this.context;
    const tenants = names.map((tok) => x.ident(tok));
    const last = tenants[tenants.length - 1];
    return {
      kind: "Shared",
      glob: x.str(glob),
      access: x.keyword<"ro">(ro),
      tenants,
      span: last === undefined ? x.tokenSpan(kw) : x.between(kw, last),
    };
  });

  private stringItem(kind: "Uuid" | "Exec" | "Socket" | "Abstraction" | "Lxc" | "Read", kw: IToken, tok: IToken): Item {
    const x = this.context;
    const value = x.str(tok);
    const span = x.between(kw, value);
    switch (kind) {
      case "Uuid":
        return new UuidItem(value, span);
      case "Lxc":
        return new LxcItem(value, span);
      case "Abstraction":
        return new AbstractionItem(value, span);
      default:
        return new PathItem(kind, value, span);
    }
  }

  private accessItem(kind: "Volume" | "Device", kw: IToken, tok: IToken, accessToken: IToken | undefined): Item {
    if (this.RECORDING_PHASE) return RECORDING as Item; // `accessToken` is no token while recording
    const x = this.context;
    const path = x.str(tok);
    if (accessToken === undefined) return new PathItem(kind, path, x.between(kw, path));
    const access = x.keyword<Access>(accessToken);
    return new AccessItem(kind, path, access, x.between(kw, access));
  }
}
