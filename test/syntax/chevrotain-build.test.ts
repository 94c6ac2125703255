import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as tree from "chevrotain";
import { describe, expect, it } from "vitest";
import { EmbeddedActionsParser, EOF, Lexer, VERSION } from "../../src/syntax/chevrotain.js";
import { MoatParser } from "../../src/syntax/parser.js";
import { parse } from "../../src/syntax/parse.js";

describe("chevrotain's single-file build", () => {
  it("is the pinned package's own build, not its module tree, and the one the parser uses", () => {
    const packageRoot = path.join(path.dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "..");
    const pinned = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string; files: string[] };
    expect(VERSION).toBe(pinned.version);
    expect(pinned.files).toContain("lib/chevrotain.mjs");
    // A second copy of the classes: loaded from the single file, not from the tree the package exports.
    expect(EmbeddedActionsParser).toBeTypeOf("function");
    expect(Lexer).toBeTypeOf("function");
    expect(EmbeddedActionsParser).not.toBe(tree.EmbeddedActionsParser);
    expect(Lexer).not.toBe(tree.Lexer);
    // The parser is built on this copy, and its end of input is this copy's EOF: an error at the end of
    // the input is reported as a diagnostic, not thrown.
    expect(Object.getPrototypeOf(MoatParser.prototype)).toBe(EmbeddedActionsParser.prototype);
    expect(EOF.name).toBe("EOF");
    expect(EOF).not.toBe(tree.EOF);
    const parsed = parse({ path: "t.iso", text: "tenant acme {" });
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(["MOAT102"]);
  });
});
