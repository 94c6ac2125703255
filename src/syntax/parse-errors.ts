/**
 * Turns chevrotain's first parse error into a MOAT102 diagnostic an operator can act on. chevrotain
 * reports errors through an IParserErrorMessageProvider; ProblemRecorder keeps what it is told as data,
 * and renderParseProblem writes the message with the context chevrotain does not have (which block
 * is open, what the previous statement was).
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.js";
import { diagnostic, type Diagnostic, type RelatedInformation } from "../diagnostics/diagnostic.js";
import type { Source, Span } from "../source.js";
import { nearestWord } from "../diagnostics/suggest.js";
import { printable } from "./strings.js";
import * as t from "./tokens.js";

export interface ParseProblem {
  /** The first tokens that would have been accepted. */
  readonly expected: readonly TokenType[];
  readonly actual: IToken;
  readonly previous: IToken | undefined;
  readonly ruleName: string;
}

const STATEMENT_STARTS: readonly TokenType[] = [t.Policy, t.Let, t.Include, t.Protect, t.Tenant, t.Shared];
const ITEM_STARTS = new Set<TokenType>([
  t.Uuid, t.Exec, t.Volume, t.Device, t.Socket, t.Abstraction, t.Mode, t.Lxc, t.Read, t.Run, t.Capability, t.Network,
]);
const WORKLOAD_STARTS = new Set<TokenType>([t.Vm, t.Service, t.Container]);

/** Why `run "PATH" unconfined` is refused, for the hint: operators coming from AppArmor look for it. */
export const RUN_UNCONFINED_HINT =
  "run … unconfined does not exist: a child that leaves confinement (Ux) escapes every isolation moat proves, and with it every grant of the policy; write inherit (ix: the child runs under this profile) or own (Px: under the profile of a service of this tenant whose exec is that path)";

/** Records the last problem chevrotain reports; its messages are not shown to anyone. */
export class ProblemRecorder implements IParserErrorMessageProvider {
  last: ParseProblem | undefined;

  buildMismatchTokenMessage(o: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }): string {
    return this.record([o.expected], o.actual, o.previous, o.ruleName);
  }
  buildNotAllInputParsedMessage(o: { firstRedundant: IToken; ruleName: string }): string {
    return this.record(STATEMENT_STARTS, o.firstRedundant, undefined, o.ruleName);
  }
  buildNoViableAltMessage(o: { expectedPathsPerAlt: TokenType[][][]; actual: IToken[]; previous: IToken; ruleName: string }): string {
    return this.record(o.expectedPathsPerAlt.flatMap((paths) => paths.map((p) => p[0]!)), o.actual[0]!, o.previous, o.ruleName);
  }
  buildEarlyExitMessage(o: { expectedIterationPaths: TokenType[][]; actual: IToken[]; previous: IToken; ruleName: string }): string {
    return this.record(o.expectedIterationPaths.map((p) => p[0]!), o.actual[0]!, o.previous, o.ruleName);
  }

  private record(expected: readonly TokenType[], actual: IToken, previous: IToken | undefined, ruleName: string): string {
    const known = previous !== undefined && Number.isInteger(previous.startOffset) && previous.tokenType !== EOF;
    this.last = { expected: [...new Set(expected)], actual, previous: known ? previous : undefined, ruleName };
    return `syntax error in ${ruleName}`;
  }
}

interface OpenBlock {
  readonly label: string; // "tenant acme"
  readonly span: Span; // from the keyword to the '{'
}

export function renderParseProblem(problem: ParseProblem, source: Source, tokens: readonly IToken[]): Diagnostic {
  const { actual, expected, ruleName } = problem;
  const atEnd = actual.tokenType === EOF;
  const index = atEnd ? tokens.length : indexOf(tokens, actual.startOffset);
  const previous = problem.previous ?? tokens[index - 1];
  const start = atEnd ? source.text.length : actual.startOffset;
  const span: Span = { file: source.path, start, end: atEnd ? start : start + actual.image.length };
  // A file whose very first token does not fit is not policy (a key file, an environment): its text is
  // not quoted, only the kind of token (parse.ts marks it so that no frame shows it either).
  const found = describeActual(actual, index > 0);
  const type = actual.tokenType;
  const kw = t.keywordText(type);

  const open = expected.includes(t.RCurly) ? innermostOpenBlock(source.path, tokens, index) : undefined;
  const slip = ruleName === "workloadBlock" ? accessSlip(actual, tokens, index, source.text) : undefined;
  if (slip !== undefined) {
    return diagnostic("MOAT102", span, { detail: `access is ro or rw, found ${found}` }, { hint: slip });
  }
  if (open !== undefined && (ruleName === "tenantBlock" || ruleName === "workloadBlock")) {
    const inTenant = ruleName === "tenantBlock";
    const wanted = atEnd
      ? "'}'"
      : inTenant
        ? "vm, service, container, project, volume, device, socket, read, abstraction or '}'"
        : "an item (uuid, exec, lxc, volume, device, socket, read, run, capability, network, abstraction or mode) or '}'";
    let hint: string | undefined;
    if (inTenant && ITEM_STARTS.has(type)) hint = `${kw} belongs inside a vm, service or container block`;
    else if (STATEMENT_STARTS.includes(type) || (!inTenant && WORKLOAD_STARTS.has(type))) {
      hint = `is a '}' missing to close ${open.label}?`;
    }
    hint ??= didYouMean(actual, inTenant ? [...WORKLOAD_STARTS] : [...ITEM_STARTS]);
    const related: RelatedInformation[] = [{ span: open.span, message: `${open.label} opens here` }];
    return diagnostic("MOAT102", span, { detail: `expected ${wanted} to close ${open.label}, found ${found}` }, withHint({ related }, hint));
  }

  if (ruleName === "file") {
    let hint: string | undefined;
    if (ITEM_STARTS.has(type)) hint = `${kw} belongs inside a vm, service or container block`;
    else if (WORKLOAD_STARTS.has(type)) hint = `a ${kw} belongs inside a tenant block: tenant NAME { ${kw} NAME { … } }`;
    else if (type === t.RCurly) hint = "there is no open block to close here";
    else hint = didYouMean(actual, STATEMENT_STARTS);
    const detail = `expected a statement (policy, let, include, protect, tenant or shared), found ${found}`;
    return diagnostic("MOAT102", span, { detail }, withHint({}, hint));
  }

  let detail = `expected ${describeExpected(expected, previous, ruleName)}${previous === undefined ? "" : ` after ${describePrevious(previous, tokens, index)}`}, found ${found}`;
  let hint: string | undefined;
  if (expected.includes(t.Identifier) && kw !== undefined) {
    detail += `: '${kw}' is a keyword and cannot be a name`;
    if (previous?.tokenType === t.Comma) hint = "a ',' must be followed by another tenant name; remove a trailing ','";
  } else if (expected.includes(t.StringLiteral) && type === t.Identifier) {
    hint = `strings are written in double quotes, e.g. "${actual.image}"`;
  } else if (ruleName === "sharedStatement" && expected.includes(t.Ro) && type === t.Rw) {
    hint = "shared resources are read-only; a writable resource belongs to exactly one tenant";
  } else if (expected.includes(t.Inherit) && type === t.Identifier && actual.image === "unconfined") {
    hint = RUN_UNCONFINED_HINT;
  } else {
    hint = didYouMean(actual, expected);
  }
  return diagnostic("MOAT102", span, { detail }, withHint({}, hint));
}

/** "did you mean service?" for a name where a keyword was expected, when it is near one of them. */
function didYouMean(actual: IToken, expected: readonly TokenType[]): string | undefined {
  if (actual.tokenType !== t.Identifier) return undefined;
  const words = expected.map((type) => t.keywordText(type)).filter((w): w is string => w !== undefined);
  const near = nearestWord(actual.image, words);
  return near === undefined ? undefined : `did you mean ${near}?`;
}

/** Spellings of an access that are not `ro` or `rw` (compared in lower case, without '-' and '_'). */
const ACCESS_SLIPS: Readonly<Record<string, "ro" | "rw">> = {
  ro: "ro", r: "ro", readonly: "ro", rdonly: "ro", or: "ro",
  rw: "rw", wr: "rw", w: "rw", readwrite: "rw", rdwr: "rw", write: "rw", writable: "rw", writeable: "rw",
};

/**
 * The hint for a name after a volume's or device's path, on the path's line, that spells an access in
 * another way (`RW`, `readonly`, `read-write`); undefined for anything else, which the item rule
 * reports. Such a name ends the item (the access is optional), so the parser sees an item it does not know.
 */
function accessSlip(actual: IToken, tokens: readonly IToken[], index: number, text: string): string | undefined {
  const path = tokens[index - 1];
  const item = tokens[index - 2];
  if (actual.tokenType !== t.Identifier || path?.tokenType !== t.StringLiteral || (item?.tokenType !== t.Volume && item?.tokenType !== t.Device)) return undefined;
  if (/[\r\n]/.test(text.slice(path.startOffset + path.image.length, actual.startOffset))) return undefined;
  const access = ACCESS_SLIPS[actual.image.toLowerCase().replace(/[-_]/g, "")];
  if (access === undefined) return undefined;
  return actual.image.toLowerCase() === access ? `write ${access}, in lower case` : `write ${access}: ro is read-only, rw is read-write`;
}

function withHint<T extends object>(extras: T, hint: string | undefined): T & { hint?: string } {
  return hint === undefined ? extras : { ...extras, hint };
}

/** Index of the token starting at offset (binary search: tokens are in source order). */
function indexOf(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The block still open before tokens[end]; the tokens before the error parsed, so braces pair up. */
function innermostOpenBlock(file: string, tokens: readonly IToken[], end: number): OpenBlock | undefined {
  const stack: OpenBlock[] = [];
  for (let i = 0; i < end; i++) {
    const type = tokens[i]!.tokenType;
    if (type === t.LCurly && i >= 2) {
      const kw = tokens[i - 2]!;
      const name = tokens[i - 1]!;
      stack.push({
        label: `${kw.image} ${name.image}`,
        span: { file, start: kw.startOffset, end: tokens[i]!.startOffset + 1 },
      });
    } else if (type === t.RCurly) {
      stack.pop();
    }
  }
  return stack[stack.length - 1];
}

const FIXED_TOKENS = new Set<TokenType>([t.LCurly, t.RCurly, t.Equals, t.Comma]);

/** The offending token; `quote` false shows only its kind, unless it is a keyword or punctuation. */
function describeActual(token: IToken, quote: boolean): string {
  if (token.tokenType === EOF) return "the end of the file";
  const fixed = t.keywordText(token.tokenType) !== undefined || FIXED_TOKENS.has(token.tokenType);
  if (!quote && !fixed) return token.tokenType === t.StringLiteral ? "a string" : token.tokenType === t.Identifier ? "a name" : "text that is not policy";
  if (token.tokenType === t.StringLiteral) return `the string ${printable(token.image)}`;
  return `'${printable(token.image)}'`;
}

function describeExpected(expected: readonly TokenType[], previous: IToken | undefined, ruleName: string): string {
  const words = expected.map((type) => {
    if (type === t.StringLiteral) return "a string";
    // Inside an item, a name after a ',' continues a capability list (tenant lists are statements).
    if (type === t.Identifier) return ruleName === "item" && previous?.tokenType === t.Comma ? "a capability name" : nameKind(previous?.tokenType);
    return type.LABEL ?? type.name;
  });
  if (words.length <= 1) return words[0] ?? "something else";
  return `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

function nameKind(previous: TokenType | undefined): string {
  switch (previous) {
    case t.Policy: return "a policy name";
    case t.Let: return "a variable name";
    case t.Tenant: case t.With: case t.Comma: return "a tenant name";
    case t.Vm: return "a vm name";
    case t.Service: return "a service name";
    case t.Container: return "a container name";
    case t.Capability: return "a capability name";
    case t.Network: return "a network family";
    default: return "a name";
  }
}

/** The token before the error as an operator would name it: `volume`, `tenant acme`, `'='`. */
function describePrevious(previous: IToken, tokens: readonly IToken[], index: number): string {
  const kw = t.keywordText(previous.tokenType);
  if (kw !== undefined) return kw;
  if (previous.tokenType === t.StringLiteral) return `the string ${printable(previous.image)}`;
  if (previous.tokenType === t.Identifier) {
    const before = tokens[index - 2];
    const beforeKw = before === undefined ? undefined : t.keywordText(before.tokenType);
    return beforeKw === undefined || beforeKw === "with" ? `'${previous.image}'` : `${beforeKw} ${previous.image}`;
  }
  return `'${previous.image}'`;
}
