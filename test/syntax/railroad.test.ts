import { readFileSync } from "node:fs";
import { runInContext, createContext } from "node:vm";
import { expect, test } from "vitest";
import { railroadHtml } from "../../grammar/generate-railroad.js";
import { ProblemRecorder } from "../../src/syntax/parse-errors.js";
import { MoatParser } from "../../src/syntax/parser.js";
import { repoFile } from "./repo-file.js";

test("grammar/railroad.html is what grammar/generate-railroad.ts generates from the parser now", () => {
  const committed = readFileSync(repoFile("grammar/railroad.html"), "utf8");
  // On failure regenerate it: npm run build && node dist/grammar/generate-railroad.js
  expect(committed === railroadHtml()).toBe(true);
});

test("the railroad page is self-contained: no outside scripts or stylesheets", () => {
  const html = railroadHtml();
  expect(html).not.toMatch(/<script src=|<link /);
  expect(html).not.toMatch(/(src|href)=['"]?https?:/);
});

test("the page's scripts draw one diagram per parser rule (run against a stub DOM)", () => {
  const html = railroadHtml();
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const target = { innerHTML: "" };
  const document = { getElementById: () => target, getElementsByClassName: () => [], querySelectorAll: () => [] };
  const context: Record<string, unknown> = { document };
  context["window"] = context;
  createContext(context);
  for (const script of scripts) runInContext(script, context);
  const drawn = [...target.innerHTML.matchAll(/<h2 class="diagramHeader">(\w+)<\/h2><svg/g)].map((m) => m[1]);
  const rules = new MoatParser(new ProblemRecorder()).getSerializedGastProductions().map((r) => (r as unknown as { name: string }).name);
  expect(drawn).toEqual(rules);
  expect(target.innerHTML).toContain("'volume'");
});
