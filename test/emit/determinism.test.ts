/** The same policy gives the same bytes, whatever the order its parts arrive in. */
import fc from "fast-check";
import { expect, it } from "vitest";
import { emitOutputs } from "../../src/emit/emit-outputs.js";
import type { Model } from "../../src/model/types.js";
import { computeExample, FakeSource, pathValue, ROOT } from "./fixtures.js";

function shuffled<T>(items: readonly T[], order: readonly number[]): T[] {
  return items.map((item, i) => ({ item, key: order[i % order.length]! * 1000 + i })).sort((a, b) => a.key - b.key).map((x) => x.item);
}

function shuffleModel(m: Model, order: readonly number[]): Model {
  return {
    ...m,
    protect: shuffled(m.protect, order),
    sources: shuffled(m.sources, order),
    tenants: shuffled(
      m.tenants.map((t) => ({
        ...t,
        workloads: shuffled(
          t.workloads.map((w) => ({ ...w, resources: shuffled(w.resources, order), abstractions: shuffled(w.abstractions, order) })),
          order,
        ),
      })),
      order,
    ),
  };
}

function withMoreProtect(m: Model): Model {
  const f = new FakeSource(`${ROOT}/protect.iso`);
  const span = f.line("protect ...");
  return {
    ...m,
    sources: [...m.sources, f.source()],
    protect: [...m.protect, pathValue("/srv/secret/**", span), pathValue("/opt/keys/*", span), pathValue("/srv/backups/**", span)],
  };
}

it("gives byte-identical outputs for any order of sources, tenants, workloads, items and protects", () => {
  const base = withMoreProtect(computeExample());
  const expected = emitOutputs(base, { version: "1" });
  fc.assert(
    fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 12 }), (order) => {
      expect(emitOutputs(shuffleModel(base, order), { version: "1" })).toEqual(expected);
    }),
    { numRuns: 100 },
  );
});

it("sorts outputs by path and lists each protected path once", () => {
  const outputs = emitOutputs(withMoreProtect(computeExample()), { version: "1" });
  const paths = outputs.map((o) => o.path);
  expect(paths).toEqual([...paths].sort());
  for (const o of outputs.filter((x) => x.path.startsWith("apparmor.d/"))) {
    expect(o.content.split('deny "/srv/backups/**" rwlkmx,').length).toBe(2);
    expect(o.content).toContain('deny "/opt/keys/*" rwlkmx,\n  deny "/srv/backups/**" rwlkmx,\n  deny "/srv/secret/**" rwlkmx,\n}');
  }
});

it("puts no absolute path of the build machine, time or host into outputs", () => {
  const outputs = emitOutputs(computeExample(), { version: "1" });
  for (const o of outputs) {
    expect(o.content).not.toContain(ROOT);
    expect(o.content).not.toMatch(/20\d\d-\d\d-\d\d/);
  }
});

it("orders grants the same when a workload's resources arrive reversed or with only their tail reversed", () => {
  const base = computeExample();
  const expected = emitOutputs(base, { version: "1" });
  const reorder = (m: Model, f: (resources: Model["tenants"][number]["workloads"][number]["resources"]) => typeof resources): Model => ({
    ...m,
    tenants: m.tenants.map((t) => ({ ...t, workloads: t.workloads.map((w) => ({ ...w, resources: f(w.resources) })) })),
  });
  expect(emitOutputs(reorder(base, (r) => [...r].reverse()), { version: "1" })).toEqual(expected);
  for (const keep of [1, 2, 3]) {
    const tailReversed = reorder(base, (r) => [...r.slice(0, keep), ...r.slice(keep).reverse()]);
    expect(emitOutputs(tailReversed, { version: "1" })).toEqual(expected);
  }
});
