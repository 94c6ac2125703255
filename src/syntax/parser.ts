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
import type { IOrAlt, IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EmbeddedActionsParser } from "./chevrotain.js";
import type { Access, HostBus, Identifier, Item, MemoryKind, Mode, NovaSetting, RunMode, Statement, TenantItem, UnknownProjectAction, VmFileKind, WorkloadBlock, WorkloadKind } from "./ast.js";
import { NO_FILE } from "./build-ast.js";
import { AbstractionItem, AccessItem, CapabilityItem, HostDeviceItem, LxcItem, MemoryItem, ModeItem, NetworkItem, PathItem, RunItem, ShareItem, UuidItem, VmFileItem, WorkloadNode } from "./nodes.js";
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

  // The alternatives of the two ORs taken once per statement and once per item are built once: an OR
  // given a fresh array of closures on every call allocates them each time.
  private statementAlts?: IOrAlt<Statement>[];
  private itemAlts?: IOrAlt<Item>[];

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
        { ALT: () => this.SUBRULE(this.novaStatement) },
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
    const items: TenantItem[] = [];
    this.MANY(() => {
      this.OR([
        { ALT: () => workloads.push(this.SUBRULE(this.workloadBlock)) },
        {
          ALT: () => {
            const project = this.CONSUME(t.Project);
            const value = this.context.str(this.CONSUME(t.StringLiteral));
            items.push({ kind: "Project", value, span: this.context.between(project, value) });
          },
        },
        { ALT: () => items.push(this.SUBRULE(this.item)) },
      ]);
    });
    const close = this.CONSUME(t.RCurly);
    const span = this.context.between(kw, close);
    const ident = this.context.ident(name);
    return items.length === 0 ? { kind: "Tenant", name: ident, workloads: workloads.slice(), span } : { kind: "Tenant", name: ident, workloads: workloads.slice(), items: items.slice(), span };
  });

  /** `nova { instances "DIR" unknown-project refuse|unassigned }`: the Nova host (docs/nova.md). */
  novaStatement = this.RULE("novaStatement", (): Statement => {
    const kw = this.CONSUME(t.Nova);
    this.CONSUME(t.LCurly);
    const settings: NovaSetting[] = [];
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            const word = this.CONSUME(t.Instances);
            const path = this.context.str(this.CONSUME(t.StringLiteral));
            settings.push({ kind: "Instances", path, span: this.context.between(word, path) });
          },
        },
        {
          ALT: () => {
            const word = this.CONSUME(t.UnknownProject);
            const token = this.OR1([{ ALT: () => this.CONSUME(t.Refuse) }, { ALT: () => this.CONSUME(t.Unassigned) }]);
            if (this.RECORDING_PHASE) return;
            const value = this.context.keyword<UnknownProjectAction>(token);
            settings.push({ kind: "UnknownProject", value, span: this.context.between(word, value) });
          },
        },
      ]);
    });
    const close = this.CONSUME(t.RCurly);
    return { kind: "Nova", settings: settings.slice(), span: this.context.between(kw, close) };
  });

  workloadBlock = this.RULE("workloadBlock", (): WorkloadBlock => {
    const kw = this.OR([{ ALT: () => this.CONSUME(t.Vm) }, { ALT: () => this.CONSUME(t.Service) }, { ALT: () => this.CONSUME(t.Container) }]);
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
            const access = this.OPTION1(() => this.OR2([{ ALT: () => this.CONSUME1(t.Ro) }, { ALT: () => this.CONSUME1(t.Rw) }]));
            return this.accessItem("Volume", kw, path, access);
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(t.Device);
            const path = this.CONSUME4(t.StringLiteral);
            const access = this.OPTION2(() => this.OR3([{ ALT: () => this.CONSUME2(t.Ro) }, { ALT: () => this.CONSUME2(t.Rw) }]));
            return this.accessItem("Device", kw, path, access);
          },
        },
        { ALT: () => this.stringItem("Socket", this.CONSUME(t.Socket), this.CONSUME5(t.StringLiteral)) },
        { ALT: () => this.stringItem("Abstraction", this.CONSUME(t.Abstraction), this.CONSUME6(t.StringLiteral)) },
        {
          ALT: () => {
            const kw = this.CONSUME(t.Mode);
            const token = this.OR4([{ ALT: () => this.CONSUME(t.Enforce) }, { ALT: () => this.CONSUME(t.Complain) }]);
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
            const token = this.OR5([{ ALT: () => this.CONSUME(t.Inherit) }, { ALT: () => this.CONSUME(t.Own) }]);
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
            // The item words (`log`, `pci`…) are Identifiers too: one after a family starts the next item.
            const type = this.OPTION3({ GATE: () => !t.isSoftKeyword(this.LA(1).tokenType), DEF: () => this.CONSUME3(t.Identifier) });
            if (this.RECORDING_PHASE) return RECORDING as Item;
            const x = this.context;
            const familyNode = x.ident(family);
            const typeNode: Identifier | undefined = type === undefined ? undefined : x.ident(type);
            return new NetworkItem(familyNode, typeNode, x.between(kw, typeNode ?? familyNode));
          },
        },
        ...this.vmItemAlts(),
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

  /** The vm items of virt-aa-helper's coverage (docs/language.md, "VM items"). */
  private vmItemAlts(): IOrAlt<Item>[] {
    const file = (token: TokenType, idx: number): IOrAlt<Item> => ({
      ALT: () => {
        const kw = this.consumeAt(idx, token);
        const path = this.consumeAt(idx + 1, t.StringLiteral);
        if (this.RECORDING_PHASE) return RECORDING as Item;
        const x = this.context;
        const value = x.str(path);
        return new VmFileItem(x.keyword<VmFileKind>(kw), value, x.between(kw, value));
      },
    });
    const memory = (token: TokenType, idx: number): IOrAlt<Item> => ({
      ALT: () => {
        const kw = this.consumeAt(idx, token);
        if (this.RECORDING_PHASE) return RECORDING as Item;
        const value = this.context.keyword<MemoryKind>(kw);
        return new MemoryItem(value, value.span);
      },
    });
    const address = (token: TokenType, idx: number): IOrAlt<Item> => ({
      ALT: () => {
        const kw = this.consumeAt(idx, token);
        const path = this.consumeAt(idx + 1, t.StringLiteral);
        if (this.RECORDING_PHASE) return RECORDING as Item;
        const x = this.context;
        const value = x.str(path);
        return new HostDeviceItem(x.keyword<HostBus>(kw), { address: value }, x.between(kw, value));
      },
    });
    return [
      file(t.Firmware, 20),
      file(t.Kernel, 22),
      file(t.Initrd, 24),
      file(t.Dtb, 26),
      file(t.Nvram, 28),
      file(t.Serial, 30),
      file(t.Log, 32),
      {
        ALT: () => {
          const kw = this.consumeAt(34, t.Share);
          const path = this.consumeAt(35, t.StringLiteral);
          const access = this.OR6([{ ALT: () => this.consumeAt(36, t.Ro) }, { ALT: () => this.consumeAt(37, t.Rw) }]);
          if (this.RECORDING_PHASE) return RECORDING as Item;
          const x = this.context;
          const accessNode = x.keyword<Access>(access);
          return new ShareItem(x.str(path), accessNode, x.between(kw, accessNode));
        },
      },
      memory(t.Hugepages, 38),
      memory(t.MemoryBacking, 39),
      address(t.Pci, 40),
      {
        ALT: () => {
          const kw = this.consumeAt(42, t.Usb);
          return this.OR7([
            {
              ALT: () => {
                const path = this.consumeAt(43, t.StringLiteral);
                if (this.RECORDING_PHASE) return RECORDING as Item;
                const x = this.context;
                const value = x.str(path);
                return new HostDeviceItem(x.keyword<HostBus>(kw), { address: value }, x.between(kw, value));
              },
            },
            {
              ALT: () => {
                this.consumeAt(44, t.Vendor);
                const vendor = this.consumeAt(45, t.StringLiteral);
                this.consumeAt(46, t.Product);
                const product = this.consumeAt(47, t.StringLiteral);
                if (this.RECORDING_PHASE) return RECORDING as Item;
                const x = this.context;
                const productNode = x.str(product);
                return new HostDeviceItem(x.keyword<HostBus>(kw), { vendor: x.str(vendor), product: productNode }, x.between(kw, productNode));
              },
            },
          ]);
        },
      },
      address(t.Scsi, 48),
    ];
  }

  /** CONSUME with an explicit occurrence index: each place a token is consumed in one rule needs its own. */
  private consumeAt(idx: number, token: TokenType): IToken {
    return this.consume(idx, token);
  }

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
