/**
 * A compile killed with SIGKILL at each rename of its update (and at each file it creates) leaves a
 * folder that the next compile restores: the result is the folder as it was, or fully updated, never a
 * mix. The writer runs in a real child process, transpiled on the fly, so the kill is a real one.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { nodeOutputFs } from "../../src/cli/outputs/fs-layer.js";
import { recoverInterrupted } from "../../src/cli/outputs/transaction.js";
import { writeOutputs } from "../../src/cli/outputs/write-outputs.js";
import { snapshot, tempDir, withManifest, writeTree } from "./helpers.js";

const display = (p: string): string => p;
const v1 = withManifest({ "apparmor.d/libvirt-a": "profile a\n", "libvirt/t.a.seclabel.xml": "<seclabel a/>\n" });
const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a v2\n", "apparmor.d/libvirt-b": "profile b\n" });

let runner: string;

/** The folder without the dead run's lock files, which only the next compile may remove. */
const visibleEntries = (dir: string): Record<string, string> => Object.fromEntries(Object.entries(snapshot(dir)).filter(([p]) => !p.startsWith(".moat.lock")));

beforeAll(() => {
  // The writer and what it imports, as plain ESM for node.
  const root = tempDir();
  const repo = path.join(__dirname, "../..");
  const pending = ["src/cli/outputs/write-outputs.ts"];
  for (const done = new Set<string>(); pending.length > 0; ) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = fs.readFileSync(path.join(repo, file), "utf8");
    // Follow the writer's relative imports, so that a module it gains comes along.
    for (const [, spec] of source.matchAll(/from "(\.{1,2}\/[^"]+)\.js"/g)) pending.push(path.posix.join(path.posix.dirname(file), `${spec}.ts`));
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file.replace(/\.ts$/, ".js")), js);
  }
  fs.writeFileSync(path.join(root, "package.json"), '{"type":"module"}');
  runner = path.join(root, "run.js");
  fs.writeFileSync(
    runner,
    `import { nodeOutputFs } from "./src/cli/outputs/fs-layer.js";
import { writeOutputs } from "./src/cli/outputs/write-outputs.js";
const [out, op, k, outputs] = [process.argv[2], process.argv[3], Number(process.argv[4]), JSON.parse(process.argv[5])];
let calls = 0;
const fs = { ...nodeOutputFs, [op]: (...args) => {
  if (++calls === k) process.kill(process.pid, "SIGKILL");
  return nodeOutputFs[op](...args);
} };
const report = writeOutputs(out, outputs, { display: (p) => p, fs });
process.stdout.write(JSON.stringify(report.diagnostics.map((d) => d.code)));
process.exitCode = report.exitCode;
`,
  );
});

describe("a compile killed with SIGKILL", () => {
  for (const op of ["rename", "writeNewFile"] as const) {
    it(`at every ${op}: the next compile finds the folder as it was or fully updated, and completes`, () => {
      const ref = path.join(tempDir(), "g");
      writeOutputs(ref, v1, { display });
      const before = { ...snapshot(ref), "mine.txt": "foreign\n" };
      writeOutputs(ref, v2, { display });
      const after = { ...snapshot(ref), "mine.txt": "foreign\n" };

      let kills = 0;
      for (let k = 1; k < 100; k++) {
        const out = path.join(tempDir(), "generated");
        writeTree(out, Object.fromEntries(Object.entries(before).filter(([, c]) => c !== "<dir>")));
        const child = spawnSync(process.execPath, [runner, out, op, String(k), JSON.stringify(v2)], { encoding: "utf8" });
        if (child.signal !== "SIGKILL") {
          expect(child.status).toBe(0);
          expect(snapshot(out)).toEqual(after);
          break;
        }
        kills++;
        // What the dead run left, recovered, is one of the two states, never a mix...
        recoverInterrupted(out, nodeOutputFs);
        expect([before, after]).toContainEqual(visibleEntries(out));
        // ...and the next compile (breaking the dead run's lock) completes the update, leaving nothing of moat's behind.
        expect(writeOutputs(out, v2, { display }).exitCode).toBe(0);
        expect(snapshot(out)).toEqual(after);
      }
      expect(kills).toBeGreaterThan(2);
    }, 60_000);
  }
});

describe("compiles running at the same time", () => {
  it("never interleave: each one either completes or is refused with MOAT405, and the folder holds one whole version", async () => {
    const versions = Array.from({ length: 8 }, (_, n) =>
      withManifest(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`apparmor.d/libvirt-${i}`, `profile ${i} version ${n}\n`]))),
    );
    const out = path.join(tempDir(), "generated");
    const runs = versions.map(
      (v) =>
        new Promise<{ status: number | null; codes: string }>((resolve) => {
          const child = spawn(process.execPath, [runner, out, "kind", "0", JSON.stringify(v)]);
          let codes = "";
          child.stdout.on("data", (d: Buffer) => (codes += d.toString()));
          child.on("close", (status) => resolve({ status, codes }));
        }),
    );
    const results = await Promise.all(runs);
    for (const r of results) expect([{ status: 0, codes: "[]" }, { status: 2, codes: '["MOAT405"]' }]).toContainEqual(r);
    expect(results.some((r) => r.status === 0)).toBe(true);
    // The folder is exactly one version, whole, with no lock or working folder left.
    const final = snapshot(out);
    const whole = versions.map((v) => ({ "apparmor.d": "<dir>", ...Object.fromEntries(v.map((o) => [o.path, o.content])) }));
    expect(whole).toContainEqual(final);
  }, 120_000);
});
