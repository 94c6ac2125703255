import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { EmbeddedActionsParser, EOF, VERSION } from "../../src/syntax/chevrotain.js";
import { parse } from "../../src/syntax/parse.js";

describe("chevrotain's single-file build", () => {
  it("is the pinned package's own build, and the one the parser uses", () => {
    const packageRoot = path.join(path.dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "..");
    const pinned = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string; files: string[] };
    expect(VERSION).toBe(pinned.version);
    expect(pinned.files).toContain("lib/chevrotain.mjs");
    expect(typeof EmbeddedActionsParser).toBe("function");
    // The parser's end of input is this copy's EOF: a parse error at the end is reported, not thrown.
    expect(EOF.name).toBe("EOF");
    const parsed = parse({ path: "t.iso", text: "tenant acme {" });
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(["MOAT102"]);
  });
});
