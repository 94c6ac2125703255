/**
 * A plain-JavaScript copy of moat's sources for child processes. A hang can only be caught from outside
 * the process that hangs, so the hardening tests run compiles in children that they can kill; those
 * children cannot load TypeScript, and `dist/` may be stale or absent when the tests run alone. Each
 * module is transpiled on its own (no type check: tsc covers that), once per test process.
 */
import * as fs from "node:fs";
import { afterAll } from "vitest";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const REPO = fileURLToPath(new URL("../../..", import.meta.url));

let built: string | undefined;

// A test worker may never emit "exit": the copy is removed when the test file that made it ends.
afterAll(() => {
  if (built !== undefined) fs.rmSync(built, { recursive: true, force: true });
  built = undefined;
});

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [rel] : [];
  });
}

/** The folder holding `src/…` (and the fleet generator under `bench/`) as ESM JavaScript. */
export function builtRoot(): string {
  if (built !== undefined) return built;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "moat-hardening-build-"));
  for (const file of [...tsFiles("src"), "bench/generate-fleet.ts", "bench/prng.ts"]) {
    const source = fs.readFileSync(path.join(REPO, file), "utf8");
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    }).outputText;
    const out = path.join(root, file.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, js);
  }
  fs.writeFileSync(path.join(root, "package.json"), '{"type":"module"}\n');
  // The packages moat imports (chevrotain, handlebars, ajv…) resolve through the repository's own copy.
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
  built = root;
  process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}
