import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { railroadHtml } from "../../scripts/gen-railroad.js";

test("grammar/railroad.html is what scripts/gen-railroad.ts generates from the parser now", () => {
  const committed = readFileSync(new URL("../../grammar/railroad.html", import.meta.url), "utf8");
  // On failure: npm run build && node dist/scripts/gen-railroad.js
  expect(committed === railroadHtml()).toBe(true);
});

test("the railroad page is self-contained: every rule, no outside resources", () => {
  const html = railroadHtml();
  expect(html).not.toMatch(/<script src=|<link /);
  expect(html).not.toMatch(/(src|href)=['"]?https?:/);
  for (const rule of ["file", "statement", "tenantBlock", "workloadBlock", "item", "sharedStatement"]) {
    expect(html).toContain(`"name": "${rule}"`);
  }
});
