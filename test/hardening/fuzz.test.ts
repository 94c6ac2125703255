/**
 * Fuzzed input never breaks moat: every compile ends with diagnostics or outputs, never an exception,
 * an internal error (MOAT900 means a bug), a crash or a hang. Cases run in child processes that are
 * killed when their budget is spent, so a hang fails the test instead of stalling the suite. The budgets
 * catch hangs, not slowness: no case is judged by how long it took, which says more about the machine.
 *
 * The random cases come from the run's seed (test/support/seed.ts: fixed under CI, fresh otherwise,
 * MOAT_SEED replays one); the seed is in every failure message.
 */
import { describe, expect, it } from "vitest";
import { runScript } from "./support/child.js";
import { compileCases, describeFailure } from "./support/compile-cases.js";
import { billionLaughs, pathologicalCases, randomCases } from "./support/fuzz-cases.js";
import { SEED } from "../support/seed.js";

describe(`compile on hostile input (seed ${SEED})`, () => {
  it("random bytes, random token streams and mutated examples: diagnostics or outputs, nothing else", async () => {
    const cases = randomCases(SEED, 60);
    const batch = await compileCases(cases, 90_000);
    expect(describeFailure(batch), `seed ${SEED}`).toBe("");
    expect(batch.reports).toHaveLength(cases.length);
    // The mutations reach every phase: some still compile, others fail in syntax, model and isolation.
    const codes = new Set(batch.reports.flatMap((r) => r.codes));
    expect(batch.reports.some((r) => r.codes.every((c) => c === "MOAT307" || c === "MOAT220" || c === "MOAT303"))).toBe(true);
    for (const range of ["MOAT1", "MOAT2", "MOAT3"]) expect([...codes].some((c) => c.startsWith(range)), `no ${range}xx code, seed ${SEED}`).toBe(true);
  }, 120_000);

  it("depth, length, NUL, invalid text, include chains and fan-outs: diagnostics within the budget", async () => {
    const cases = pathologicalCases();
    const batch = await compileCases(cases, 100_000);
    expect(describeFailure(batch)).toBe("");
    expect(batch.reports).toHaveLength(cases.length);
    const codes = Object.fromEntries(batch.reports.map((r) => [r.label, r.codes]));
    // Each shape is refused for what it is, not by accident.
    expect(codes["NUL in a path"]).toEqual(["MOAT107"]);
    expect(codes["a vm name of 65 characters"]).toEqual(["MOAT105"]);
    expect(codes["an include of itself"]).toEqual(["MOAT204"]);
    expect(codes["no readable file"]).toEqual(["MOAT203"]);
    expect(codes["a JSON policy nested 100,000 deep"]).toEqual(["MOAT110"]);
    expect(codes["nested tenant blocks"]).toEqual(["MOAT102"]);
    expect(codes["a chain of 2000 includes"]).toEqual([]);
  }, 120_000);

  // Found by this suite: `let`s that double the previous one made moat build the expanded string until
  // V8 refused ("Invalid string length"), reported as MOAT900 instead of a diagnostic at the let.
  it("interpolation doubling (a billion laughs) is a diagnostic, not an internal error", async () => {
    const batch = await compileCases([billionLaughs()], 60_000);
    expect(describeFailure(batch)).toBe("");
    expect(batch.reports[0]!.codes.length).toBeGreaterThan(0);
  }, 120_000);
});

/**
 * A realistic fleet policy of 50 MB: 15,000 tenants of services with volumes, sockets and comments,
 * generated in the child (no 50 MB string crosses a pipe). The whole file is lexed, parsed and resolved;
 * the two variants end in a syntax error (the file cut in its last line) and in model errors (37 tenant
 * blocks repeated at its end), so the phases that scale with size run fully inside the test's budget.
 */
const LARGE = `
import { compile } from "@moat/src/index.js";
const lines = ['policy fleet', 'let images = "/var/lib/libvirt/images"', 'protect "/srv/backups/**"'];
let size = 0;
let t = 0;
while (size < 50e6) {
  const name = "tenant-" + t;
  const block = ["# " + name + ": generated fleet tenant", "tenant " + name + " {"];
  for (let w = 0; w < 5; w++) {
    block.push("  service svc" + w + " {", '    exec "/opt/' + name + '/bin/svc' + w + '"');
    for (let v = 0; v < 8; v++) block.push('    volume "\${images}/' + name + "/w" + w + "-disk" + v + '.qcow2" rw  # disk ' + v);
    block.push('    socket "/run/' + name + "/w" + w + '.sock"', "  }");
  }
  block.push("}");
  const text = block.join("\\n") + "\\n";
  lines.push(text);
  size += text.length;
  t++;
}
const full = lines.join("\\n");
const variants = {
  truncated: full.slice(0, full.lastIndexOf('"')),
  duplicated: full + "\\n" + lines.slice(3, 40).join("\\n"),
};
const report = {};
for (const [name, text] of Object.entries(variants)) {
  const start = performance.now();
  const r = compile({ entries: ["/fleet/main.iso"], readFile: () => ({ text }) });
  report[name] = { bytes: text.length, ms: Math.round(performance.now() - start), codes: [...new Set(r.diagnostics.map((d) => d.code))], outputs: r.outputs.length, timings: r.timings };
}
process.stdout.write(JSON.stringify(report));
`;

describe("a 50 MB policy", () => {
  it("is read to the end and answered with its diagnostics within the budget", async () => {
    const run = await runScript("large-policy", LARGE, { budgetMs: 150_000, heapMb: 6144 });
    expect(run.timedOut, `killed after ${Math.round(run.ms)} ms`).toBe(false);
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout) as Record<string, { bytes: number; ms: number; codes: string[]; outputs: number }>;
    console.info(`50 MB policy: ${Object.entries(report).map(([k, r]) => `${k} ${(r.bytes / 1e6).toFixed(1)} MB in ${r.ms} ms (${r.codes.join(",")})`).join("; ")}`);
    expect(report.truncated!.bytes).toBeGreaterThan(50e6);
    expect(report.truncated!.codes).toEqual(["MOAT103"]);
    expect(report.duplicated!.codes).toEqual(["MOAT206"]);
    for (const r of Object.values(report)) expect(r.outputs).toBe(0);
  }, 180_000);
});
