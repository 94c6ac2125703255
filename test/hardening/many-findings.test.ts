/**
 * A policy may hold more resources, and more findings, than a JavaScript call takes arguments (about
 * 120,000): gathering them with push(...items) overflowed the stack and ended the compile in an
 * internal error (MOAT900). Every finding must come back as its own diagnostic.
 */
import { expect, it } from "vitest";
import { compileTexts } from "../support/memory.js";

it("reports each of 200,000 cross-tenant overlaps, with no internal error", () => {
  const volumes = Array.from({ length: 200_000 }, (_, i) => `    volume "/srv/x/${i}" rw`);
  const text = [
    "policy big",
    'tenant a {\n  vm a-one {\n    uuid "4df006f9-12b8-42c5-888b-59e1572a46a0"\n    volume "/srv/x/*" rw\n  }\n}',
    'tenant b {\n  vm b-one {\n    uuid "a92fa0cd-6a36-4501-b4be-e9cc4a53c1c8"',
    ...volumes,
    "  }\n}",
  ].join("\n");
  const result = compileTexts({ "/p/main.iso": text });
  const counts = new Map<string, number>();
  for (const d of result.diagnostics) counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
  expect(Object.fromEntries(counts)).toEqual({ MOAT301: 200_000 });
  expect(result.outputs).toEqual([]);
}, 60_000);
