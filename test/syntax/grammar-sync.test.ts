import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { ISerializedGast } from "chevrotain";
import { ProblemRecorder } from "../../src/syntax/parse-errors.js";
import { MoatParser } from "../../src/syntax/parser.js";
import { allTokens, keywordTokens } from "../../src/syntax/tokens.js";
import { canonical, fromGast, parseExpr, splitRules, type Expr } from "./ebnf.js";
import { repoFile } from "./repo-file.js";

const ebnfText = readFileSync(repoFile("grammar/moat.ebnf"), "utf8");
const ebnf = splitRules(ebnfText);
const parser = new MoatParser(new ProblemRecorder());
const gast = parser.getSerializedGastProductions() as (ISerializedGast & { name: string })[];

const isSyntactic = (name: string): boolean => /^[a-z]/.test(name);

/** Rule name -> canonical body, for the parser's rules. */
function parserRules(productions: readonly (ISerializedGast & { name: string })[]): Map<string, string> {
  return new Map(productions.map((rule) => [rule.name, canonical(fromGast(rule))]));
}

/** What differs between the written grammar and the parser; empty when they agree. */
function differences(written: Map<string, string>, parsed: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [name, body] of parsed) {
    const w = written.get(name);
    if (w === undefined) out.push(`${name} is in the parser but not in grammar/moat.ebnf`);
    else if (w !== body) out.push(`${name}: ebnf says ${w}; parser says ${body}`);
  }
  for (const name of written.keys()) if (!parsed.has(name)) out.push(`${name} is in grammar/moat.ebnf but not in the parser`);
  return out;
}

const written = new Map([...ebnf].filter(([name]) => isSyntactic(name)).map(([name, body]) => [name, canonical(parseExpr(body))]));

describe("grammar/moat.ebnf and the parser", () => {
  test("performSelfAnalysis runs clean: the parser has no grammar errors or ambiguities", () => {
    expect(() => new MoatParser(new ProblemRecorder())).not.toThrow();
  });

  test("declare the same syntactic rules with the same bodies", () => {
    expect(differences(written, parserRules(gast))).toEqual([]);
    expect([...written.keys()].sort()).toEqual(gast.map((r) => r.name).sort());
  });

  test("the comparison notices a parser item the ebnf does not have", () => {
    // A stand-in for someone adding `| 'foo' String` to the parser's item rule and forgetting the ebnf.
    const mutated = gast.map((rule) => {
      if (rule.name !== "item") return rule;
      const alternation = (rule as unknown as { definition: { definition: unknown[] }[] }).definition[0]!;
      const extra = {
        type: "Alternative",
        definition: [
          { type: "Terminal", name: "Foo", label: "'foo'", idx: 0 },
          { type: "Terminal", name: "StringLiteral", label: "String", idx: 7 },
        ],
      };
      return { ...rule, definition: [{ ...alternation, definition: [...alternation.definition, extra] }] } as unknown as typeof rule;
    });
    const item = written.get("item")!;
    expect(item).toContain("'volume' String ( 'ro' | 'rw' )?");
    expect(differences(written, parserRules(mutated))).toEqual([`item: ebnf says ${item}; parser says ${item} | 'foo' String`]);
  });

  test("every terminal in a syntactic rule is a token of the lexer or a lexical rule of the ebnf", () => {
    const labels = new Set(allTokens.map((t) => t.LABEL ?? t.name));
    const symbols = new Set<string>();
    const collect = (e: Expr): void => {
      if (e.t === "sym") symbols.add(e.name);
      else if (e.t === "seq") e.items.forEach(collect);
      else if (e.t === "alt") e.alts.forEach(collect);
      else if (e.t === "diff") [e.a, e.b].forEach(collect);
      else collect(e.e);
    };
    for (const [name, body] of ebnf) if (isSyntactic(name)) collect(parseExpr(body));
    const unknown = [...symbols].filter((s) => !(isSyntactic(s) && ebnf.has(s)) && !labels.has(s));
    expect(unknown).toEqual([]);
    expect(ebnf.has("Identifier") && ebnf.has("String")).toBe(true);
  });

  test("the Keyword rule lists exactly the lexer's keywords", () => {
    const keyword = parseExpr(ebnf.get("Keyword")!);
    const written = keyword.t === "alt" ? keyword.alts.map((a) => (a.t === "sym" ? a.name : "?")) : [];
    expect(written).toEqual(keywordTokens.map((t) => t.LABEL));
  });

  test("the ebnf reader understands every rule, lexical ones included", () => {
    for (const [name, body] of ebnf) expect(() => parseExpr(body), name).not.toThrow();
    expect(ebnf.size).toBeGreaterThan(gast.length);
  });
});
