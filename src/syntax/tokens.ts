/**
 * The token vocabulary of .iso files. Each token's `label` is how the written grammar
 * (grammar/moat.ebnf) spells it, so the grammar-sync test can compare the parser with that file.
 */
import type { CustomPatternMatcherReturn, IToken, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

/**
 * The string literals matchString matched that are not plain text, in source order, three numbers each:
 * the offset of the opening quote, the offset past the closing one, and 1 when the literal holds a
 * character badCharacter (strings.ts) may reject (NUL, U+FFFD, a surrogate), else 0. Plain text has no
 * backslash, no `$` and none of those, and decodes to its content. matchString reads every character of
 * a literal anyway, so it notes this rather than have the lexer search each literal again; lex() empties
 * the list before and after each tokenize. This relies on the lexer running without error recovery
 * (lexer.ts): with recovery, chevrotain tries patterns speculatively and drops their matches, and
 * literals that became no token would be listed.
 */
export const notPlainStrings: number[] = [];

// chevrotain reads a custom pattern's match at once and keeps only its image, so one array serves every
// match instead of one allocated per string literal.
const stringMatch: [string] = [""];

/**
 * A string literal on one line: `"`, then any characters except `"`, backslash or a line break, or a
 * backslash and any character but a line break, then `"`. Escapes are checked later (strings.ts).
 * Hand-written rather than a RegExp: V8's backtracking overflows its stack on a multi-megabyte line.
 */
function matchString(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 34) return null;
  let plain = true;
  let mayBeBad = 0;
  for (let i = offset + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      if (!plain) notPlainStrings.push(offset, i + 1, mayBeBad);
      stringMatch[0] = text.slice(offset, i + 1);
      return stringMatch;
    }
    if (c === 10 || c === 13) return null;
    if (c === 92) {
      const next = text.charCodeAt(i + 1);
      if (next === 10 || next === 13 || Number.isNaN(next)) return null;
      plain = false;
      i++;
      if (next === 0 || next === 0xfffd || (next >= 0xd800 && next <= 0xdfff)) mayBeBad = 1;
    } else if (c === 36) {
      plain = false;
    } else if (c === 0 || c === 0xfffd || (c >= 0xd800 && c <= 0xdfff)) {
      plain = false;
      mayBeBad = 1;
    }
  }
  return null;
}

/** What is left when matchString fails: a `"` and the rest of its line (reported as MOAT103). */
function matchUnterminatedString(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 34) return null;
  let i = offset + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) break;
    i++;
  }
  return [text.slice(offset, i)];
}

// U+FEFF counts as blank so that a byte order mark written by an editor is harmless.
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\uFEFF]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: "comments" });

export const StringLiteral = createToken({
  name: "StringLiteral",
  label: "String",
  pattern: { exec: matchString },
  start_chars_hint: ['"'],
  line_breaks: false,
});
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  label: "UnterminatedString",
  pattern: { exec: matchUnterminatedString },
  start_chars_hint: ['"'],
  line_breaks: false,
});

/** An identifier (docs/language.md, "Lexical rules"); strings.ts checks `${name}` against the same pattern. */
export const IDENTIFIER = /[A-Za-z][A-Za-z0-9_-]*/;
export const Identifier = createToken({ name: "Identifier", label: "Identifier", pattern: IDENTIFIER });

function keyword(word: string): TokenType {
  const name = word.charAt(0).toUpperCase() + word.slice(1);
  return createToken({ name, label: `'${word}'`, pattern: new RegExp(word), longer_alt: Identifier });
}

export const Policy = keyword("policy");
export const Let = keyword("let");
export const Include = keyword("include");
export const Protect = keyword("protect");
export const Shared = keyword("shared");
export const With = keyword("with");
export const Tenant = keyword("tenant");
export const Vm = keyword("vm");
export const Service = keyword("service");
export const Container = keyword("container");
export const Uuid = keyword("uuid");
export const Exec = keyword("exec");
export const Volume = keyword("volume");
export const Device = keyword("device");
export const Socket = keyword("socket");
export const Lxc = keyword("lxc");
export const Read = keyword("read");
export const Run = keyword("run");
export const Inherit = keyword("inherit");
export const Own = keyword("own");
export const Capability = keyword("capability");
export const Network = keyword("network");
export const Abstraction = keyword("abstraction");
export const Mode = keyword("mode");
export const Enforce = keyword("enforce");
export const Complain = keyword("complain");
export const Ro = keyword("ro");
export const Rw = keyword("rw");

/**
 * The vm items of virt-aa-helper's coverage (docs/language.md, "VM items") and their words. Unlike the
 * keywords above they are not reserved: a tenant, workload or let may still be called `log` or `kernel`.
 * Each is an Identifier by category, so wherever the grammar takes an Identifier it takes them too.
 */
function softKeyword(word: string, name: string): TokenType {
  return createToken({ name, label: `'${word}'`, pattern: new RegExp(word), longer_alt: Identifier, categories: [Identifier] });
}

export const Firmware = softKeyword("firmware", "Firmware");
export const Kernel = softKeyword("kernel", "Kernel");
export const Initrd = softKeyword("initrd", "Initrd");
export const Dtb = softKeyword("dtb", "Dtb");
export const Nvram = softKeyword("nvram", "Nvram");
export const Serial = softKeyword("serial", "Serial");
export const Log = softKeyword("log", "Log");
export const Share = softKeyword("share", "Share");
export const Hugepages = softKeyword("hugepages", "Hugepages");
export const MemoryBacking = softKeyword("memory-backing", "MemoryBacking");
export const Pci = softKeyword("pci", "Pci");
export const Usb = softKeyword("usb", "Usb");
export const Scsi = softKeyword("scsi", "Scsi");
export const Vendor = softKeyword("vendor", "Vendor");
export const Product = softKeyword("product", "Product");
/** A tenant's Keystone projects and the `nova` statement's words (docs/nova.md). */
export const Project = softKeyword("project", "Project");
export const Nova = softKeyword("nova", "Nova");
export const Instances = softKeyword("instances", "Instances");
export const UnknownProject = softKeyword("unknown-project", "UnknownProject");
export const Refuse = softKeyword("refuse", "Refuse");
export const Unassigned = softKeyword("unassigned", "Unassigned");

/** The unreserved item words, retyped from Identifier by the lexer like the keywords. */
export const softKeywordTokens: readonly TokenType[] = [
  Firmware, Kernel, Initrd, Dtb, Nvram, Serial, Log, Share, Hugepages, MemoryBacking, Pci, Usb, Scsi, Vendor, Product,
  Project, Nova, Instances, UnknownProject, Refuse, Unassigned,
];

/** Statements first, then items and their words; a keyword cannot be used as a name. */
export const keywordTokens: readonly TokenType[] = [
  Policy, Let, Include, Protect, Shared, With, Tenant, Vm, Service, Container, Uuid, Exec,
  Volume, Device, Socket, Lxc, Read, Run, Inherit, Own, Capability, Network, Abstraction, Mode, Enforce,
  Complain, Ro, Rw,
];

export const LCurly = createToken({ name: "LCurly", label: "'{'", pattern: /\{/ });
export const RCurly = createToken({ name: "RCurly", label: "'}'", pattern: /\}/ });
export const Equals = createToken({ name: "Equals", label: "'='", pattern: /=/ });
export const Comma = createToken({ name: "Comma", label: "','", pattern: /,/ });

/** Lexer order matters: the first pattern that matches wins, so keywords come before Identifier. */
export const allTokens: readonly TokenType[] = [
  WhiteSpace, Comment, StringLiteral, UnterminatedString,
  ...keywordTokens,
  ...softKeywordTokens,
  Identifier, LCurly, RCurly, Equals, Comma,
];

const keywordSet = new Set<TokenType>(keywordTokens);
const softKeywordSet = new Set<TokenType>(softKeywordTokens);

/** Whether the token is an unreserved item word (`log`, `pci`…), which is also an Identifier. */
export function isSoftKeyword(type: TokenType): boolean {
  return softKeywordSet.has(type);
}

export function isKeyword(type: TokenType): boolean {
  return keywordSet.has(type);
}

/** The keyword as written (`vm`), or undefined for other tokens. */
export function keywordText(type: TokenType): string | undefined {
  return isKeyword(type) ? (type.LABEL ?? "").slice(1, -1) : undefined;
}

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
