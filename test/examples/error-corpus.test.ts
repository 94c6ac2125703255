/**
 * The error corpus (examples/errors/) is moat's acceptance suite for diagnostics: each case shows one
 * problem, and its first line states exactly which diagnostics compiling it must produce, e.g.
 * `# expect: MOAT301 13:12` or, for a folder, `# expect: MOAT204 tenants/globex.iso:2:9`. Several
 * expectations are separated by `;`; a code alone (`# expect: MOAT218`) is a problem of no file. A case
 * is a single .iso file, or a folder compiled the way `moat compile FOLDER` would: every policy file
 * under it (.iso, .iso.json) is an entry. A folder's expectation line is the first line of its main.iso,
 * or, when it has none (JSON has no comments; the no-input case has no policy at all), of its README.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES, compile, compileFolder, getLocation, type ReadResult } from "../../src/index.js";
import { repositoryRoot } from "../support/repository.js";

const ERRORS = join(repositoryRoot(), "examples", "errors");



interface Expectation {
  readonly code: string;
  /** Relative to the case folder; "" for a problem that belongs to no file. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

interface Case {
  readonly name: string;
  readonly dir: string;
  readonly entries: readonly string[];
  readonly defaultFile: string;
  readonly expected: readonly Expectation[];
}

const EXPECT_LINE = /^# expect: (.+)$/;
const ONE = /^(MOAT\d{3})(?: (?:(\S+):)?(\d+):(\d+))?$/;

function parseExpectations(firstLine: string, defaultFile: string, where: string): Expectation[] {
  const m = EXPECT_LINE.exec(firstLine);
  if (m === null) throw new Error(`${where}: first line must be '# expect: ...', found ${JSON.stringify(firstLine)}`);
  return m[1]!.split(";").map((raw) => {
    const one = ONE.exec(raw.trim());
    if (one === null) throw new Error(`${where}: cannot read expectation ${JSON.stringify(raw)}`);
    if (one[3] === undefined) return { code: one[1]!, file: "", line: 0, column: 0 };
    return { code: one[1]!, file: one[2] ?? defaultFile, line: Number(one[3]), column: Number(one[4]) };
  });
}

function policyFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...policyFilesUnder(full));
    else if (entry.name.endsWith(".iso") || entry.name.endsWith(".iso.json")) found.push(full);
  }
  return found.sort();
}

function firstLine(path: string): string {
  return readFileSync(path, "utf8").split("\n", 1)[0]!.replace(/\r$/, "");
}

function loadCases(): Case[] {
  return readdirSync(ERRORS)
    .sort()
    .map((name): Case => {
      const path = join(ERRORS, name);
      if (statSync(path).isDirectory()) {
        const entries = policyFilesUnder(path);
        const header = existsSync(join(path, "main.iso")) ? join(path, "main.iso") : join(path, "README");
        const expected = parseExpectations(firstLine(header), relative(path, header), `${name}/${relative(path, header)}`);
        return { name, dir: path, entries, defaultFile: relative(path, header), expected };
      }
      if (!name.endsWith(".iso")) throw new Error(`examples/errors/${name}: a case is an .iso file or a folder`);
      return { name, dir: ERRORS, entries: [path], defaultFile: name, expected: parseExpectations(firstLine(path), name, name) };
    });
}

/** Reads as the CLI does, except that bytes which are not UTF-8 become U+FFFD, so the lexer can point at them. */
function readFile(path: string): ReadResult {
  try {
    return { text: new TextDecoder("utf-8").decode(readFileSync(path)) };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}

function key(e: Expectation): string {
  return e.file === "" ? e.code : `${e.code} ${e.file}:${e.line}:${e.column}`;
}

const cases = loadCases();

describe("error corpus", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    expect(c.expected.length).toBeGreaterThan(0);
    // A folder is compiled as moat compile FOLDER does: one policy, or each of several on its own.
    const result = c.dir === ERRORS ? compile({ entries: c.entries, readFile }) : compileFolder({ entries: c.entries, readFile }).result;
    const actual = result.diagnostics.map((d): Expectation => {
      if (d.span === undefined) return { code: d.code, file: "", line: 0, column: 0 };
      const source = result.sources.find((s) => s.path === d.span!.file);
      if (source === undefined) throw new Error(`diagnostic ${d.code} points into ${d.span.file}, which is not among the sources`);
      const { line, column } = getLocation(source, d.span.start);
      return { code: d.code, file: relative(c.dir, d.span.file), line, column };
    });
    const describeAll = result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n");
    expect(actual.map(key).sort(), describeAll).toEqual(c.expected.map(key).sort());
    // A case with an error must produce nothing; a warnings-only case compiles.
    if (result.diagnostics.some((d) => d.severity === "error")) expect(result.outputs).toEqual([]);
    else expect(result.outputs.length).toBeGreaterThan(0);
  });

  it("has a case for every syntax, model and isolation code, and names only known codes", () => {
    const covered = new Set(cases.flatMap((c) => c.expected.map((e) => e.code)));
    for (const code of covered) expect(Object.keys(CODES), `unknown code ${code}`).toContain(code);
    const wanted = Object.keys(CODES).filter((code) => /^MOAT[123]\d\d$/.test(code));
    expect(wanted.filter((code) => !covered.has(code))).toEqual([]);
  });

  it("names each case after the code it is about", () => {
    for (const c of cases) expect(c.expected.map((e) => e.code), c.name).toContain(c.name.slice(0, 7));
  });
});
