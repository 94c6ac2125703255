/** The TextMate grammar and the Nova words: keywords where they start a statement or an item, names elsewhere. */
import { beforeAll, describe, expect, it } from "vitest";
import { loadGrammar, tokenize, type Grammar } from "./tokenize.js";

let grammar: Grammar;
beforeAll(async () => {
  grammar = await loadGrammar();
});

function scopesOf(source: string, text: string, n = 0): string[] {
  const token = tokenize(grammar, source).flat().filter((t) => t.text === text)[n];
  if (token === undefined) throw new Error(`no token ${JSON.stringify(text)} in ${JSON.stringify(source)}`);
  return token.scopes.slice(1) as string[];
}

describe("the Nova words in the editor grammar", () => {
  const policy = [
    "nova {",
    '  instances "/var/lib/nova/instances"',
    "  unknown-project unassigned",
    "}",
    "tenant nova {",
    '  project "8f3a1c2e9b7d4e5fa0b1c2d3e4f5a6b7"',
    '  volume  "/srv/acme/**" rw',
    "}",
  ].join("\n");

  it("colours the statement, its settings and a tenant's project", () => {
    expect(scopesOf(policy, "nova")).toEqual(["keyword.control.nova.moat"]);
    expect(scopesOf(policy, "instances")).toEqual(["keyword.other.instances.moat"]);
    expect(scopesOf(policy, "unknown-project")).toEqual(["keyword.other.unknown-project.moat"]);
    expect(scopesOf(policy, "unassigned")).toEqual(["constant.language.unassigned.moat"]);
    expect(scopesOf(policy, "project")).toEqual(["keyword.other.project.moat"]);
  });

  it("keeps nova a name after tenant", () => {
    expect(scopesOf(policy, "nova", 1)).toEqual(["entity.name.type.tenant.moat"]);
  });
});
