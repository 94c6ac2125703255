/**
 * Loads grammar/moat.tmLanguage.json the way VS Code does (vscode-textmate on the oniguruma regex
 * engine compiled to WebAssembly) and tokenizes text line by line.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import textmate from "vscode-textmate";
import oniguruma from "vscode-oniguruma";
import { repoRoot } from "../format/example-files.js";

export interface Token {
  readonly text: string;
  readonly scopes: readonly string[];
}

export type Grammar = NonNullable<Awaited<ReturnType<textmate.Registry["loadGrammar"]>>>;

export const grammarPath = join(repoRoot, "grammar", "moat.tmLanguage.json");

let loaded: Promise<Grammar> | undefined;

export function loadGrammar(): Promise<Grammar> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) =>
        scopeName === "source.moat" ? textmate.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath) : null,
    });
    const grammar = await registry.loadGrammar("source.moat");
    if (grammar === null) throw new Error("grammar source.moat did not load");
    return grammar;
  })();
  return loaded;
}

/** The tokens of every line of a text (LF or CRLF), the rule stack carried from line to line. */
export function tokenize(grammar: Grammar, text: string): Token[][] {
  let stack = textmate.INITIAL;
  return text.split(/\r?\n/).map((line) => {
    const result = grammar.tokenizeLine(line, stack);
    stack = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, Math.min(t.endIndex, line.length)), scopes: t.scopes }));
  });
}
