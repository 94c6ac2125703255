/**
 * The TextMate grammar (grammar/moat.tmLanguage.json) tokenized as VS Code does: specific tokens get
 * specific scopes, and every non-blank piece of every example gets a scope of its own.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { anyPolicy, noisy } from "../format/arbitraries.js";
import { exampleSources } from "../format/example-files.js";
import { grammarPath, loadGrammar, tokenize, type Grammar, type Token } from "./tokenize.js";

let grammar: Grammar;
beforeAll(async () => {
  grammar = await loadGrammar();
});

/** The scopes of the n-th token (0-based) whose text is exactly `text`, below the file scope. */
function scopesOf(source: string, text: string, n = 0): string[] {
  const matches = tokenize(grammar, source).flat().filter((t) => t.text === text);
  const token = matches[n];
  if (token === undefined) throw new Error(`no token ${JSON.stringify(text)} (#${n}) in ${JSON.stringify(source)}; tokens: ${describeTokens(source)}`);
  expect(token.scopes[0]).toBe("source.moat");
  return token.scopes.slice(1) as string[];
}

function describeTokens(source: string): string {
  return tokenize(grammar, source).flat().map((t) => `${JSON.stringify(t.text)}=${t.scopes.slice(1).join(" ")}`).join(", ");
}

const has = (scopes: string[], prefix: string): boolean => scopes.some((s) => s === prefix || s.startsWith(prefix + "."));

describe("the grammar file", () => {
  it("is JSON for the scope source.moat and the .iso extension", () => {
    const raw = JSON.parse(readFileSync(grammarPath, "utf8")) as { scopeName: string; fileTypes: string[] };
    expect(raw.scopeName).toBe("source.moat");
    expect(raw.fileTypes).toEqual(["iso"]);
  });
});

describe("scopes of specific tokens", () => {
  const policy = [
    "# compute-01",
    "policy compute-01",
    'let images = "/var/lib/libvirt/images"',
    'include "tenants/acme.iso"',
    'protect "/srv/backups/**"  # trailing',
    "tenant acme {",
    "  vm web-vm {",
    '    uuid   "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"',
    '    volume "${images}/acme/\\"q\\"-[0-9]?.qcow2" rw',
    '    device "/dev/vfio/12" ro',
    "  }",
    "  service backup-agent {",
    '    exec   "/usr/bin/backup-agent"',
    '    volume "/srv/acme/{,**}" rw',
    '    socket "@acme-backup"',
    '    abstraction "nameservice"',
    "    mode complain",
    "  }",
    "}",
    'shared "${images}/base/**" ro with acme, globex',
  ].join("\n");

  it("comments, whole-line and trailing", () => {
    expect(scopesOf(policy, "#")).toEqual(["comment.line.number-sign.moat", "punctuation.definition.comment.moat"]);
    expect(scopesOf(policy, " compute-01")).toEqual(["comment.line.number-sign.moat"]);
    expect(scopesOf(policy, " trailing")).toEqual(["comment.line.number-sign.moat"]);
  });

  it("statement keywords and the names after them", () => {
    expect(scopesOf(policy, "policy")).toEqual(["keyword.control.policy.moat"]);
    expect(scopesOf(policy, "compute-01")).toEqual(["entity.name.section.policy.moat"]);
    expect(scopesOf(policy, "let")).toEqual(["keyword.control.let.moat"]);
    expect(scopesOf(policy, "images")).toEqual(["entity.name.variable.let.moat"]);
    expect(scopesOf(policy, "include")).toEqual(["keyword.control.include.moat"]);
    expect(scopesOf(policy, "protect")).toEqual(["keyword.control.protect.moat"]);
    expect(scopesOf(policy, "tenant")).toEqual(["keyword.control.tenant.moat"]);
    expect(scopesOf(policy, "acme")).toEqual(["entity.name.type.tenant.moat"]);
    expect(scopesOf(policy, "shared")).toEqual(["keyword.control.shared.moat"]);
    expect(scopesOf(policy, "with")).toEqual(["keyword.control.with.moat"]);
    expect(scopesOf(policy, "globex")).toEqual(["entity.name.type.tenant.moat"]);
    expect(scopesOf(policy, "=")).toEqual(["keyword.operator.assignment.moat"]);
  });

  it("workload kinds and names, items, access and mode", () => {
    expect(scopesOf(policy, "vm")).toEqual(["storage.type.vm.moat"]);
    expect(scopesOf(policy, "service")).toEqual(["storage.type.service.moat"]);
    // A keyword inside a name is part of the name: `web-vm` is one token.
    expect(scopesOf(policy, "web-vm")).toEqual(["entity.name.function.workload.moat"]);
    expect(scopesOf(policy, "backup-agent")).toEqual(["entity.name.function.workload.moat"]);
    for (const item of ["uuid", "exec", "volume", "device", "socket", "abstraction", "mode"]) {
      expect(scopesOf(policy, item)).toEqual([`keyword.other.${item}.moat`]);
    }
    for (const constant of ["rw", "ro", "complain"]) expect(scopesOf(policy, constant)).toEqual([`constant.language.${constant}.moat`]);
    expect(scopesOf("mode enforce", "enforce")).toEqual(["constant.language.enforce.moat"]);
    expect(scopesOf("tenant t {\n}", "{")).toEqual(["punctuation.section.block.begin.moat"]);
    expect(scopesOf("tenant t {\n}", "}")).toEqual(["punctuation.section.block.end.moat"]);
  });

  it("strings, escapes and interpolations", () => {
    expect(scopesOf(policy, '"')).toEqual(["string.quoted.double.moat", "punctuation.definition.string.begin.moat"]);
    expect(scopesOf(policy, "/var/lib/libvirt/images")).toEqual(["string.quoted.double.moat"]);
    expect(scopesOf(policy, '\\"')).toEqual(["string.quoted.double.moat", "constant.character.escape.moat"]);
    expect(scopesOf('protect "/a\\\\b\\*c\\,d"', "\\\\")).toEqual(["string.quoted.double.moat", "constant.character.escape.moat"]);
    expect(scopesOf('protect "/a\\\\b\\*c\\,d"', "\\*")).toEqual(["string.quoted.double.moat", "constant.character.escape.moat"]);
    expect(scopesOf(policy, "${")).toEqual(["string.quoted.double.moat", "meta.interpolation.moat", "punctuation.definition.interpolation.begin.moat"]);
    expect(scopesOf(policy, "images", 1)).toEqual(["string.quoted.double.moat", "meta.interpolation.moat", "variable.other.interpolation.moat"]);
  });

  it("glob operators inside strings", () => {
    const glob = ["string.quoted.double.moat", "keyword.operator.glob.moat"];
    expect(scopesOf(policy, "**")).toEqual(glob);
    expect(scopesOf(policy, "?")).toEqual(glob);
    expect(scopesOf('protect "/a/*.img"', "*")).toEqual(glob);
    expect(scopesOf(policy, "[0-9]")).toEqual(["string.quoted.double.moat", "keyword.operator.glob.class.moat"]);
    const alternation = ["string.quoted.double.moat", "meta.glob.alternation.moat", "keyword.operator.glob.moat"];
    expect(scopesOf('volume "/srv/acme/{,**}" rw', "{")).toEqual(alternation);
    expect(scopesOf('volume "/srv/acme/{,**}" rw', ",")).toEqual(alternation);
    expect(scopesOf('volume "/srv/acme/{,**}" rw', "}")).toEqual(alternation);
    // Nested alternation, and an escaped brace that is not an operator.
    expect(scopesOf('volume "/a/{b,{c,d}}\\{"', "{", 1)).toEqual(["string.quoted.double.moat", "meta.glob.alternation.moat", "meta.glob.alternation.moat", "keyword.operator.glob.moat"]);
    expect(scopesOf('volume "/a/{b,{c,d}}\\{"', "\\{")).toEqual(["string.quoted.double.moat", "constant.character.escape.moat"]);
  });

  it("marks what moat would reject as invalid.illegal", () => {
    expect(scopesOf('volume "/srv/*\\.img" ro', "\\.")).toEqual(["string.quoted.double.moat", "invalid.illegal.escape.moat"]);
    expect(scopesOf('volume "${images/a.qcow2" rw', "${images/a.qcow2")).toEqual(["string.quoted.double.moat", "invalid.illegal.interpolation.moat"]);
    expect(scopesOf('volume "/a rw', '"/a rw')).toEqual(["invalid.illegal.unterminated-string.moat"]);
    expect(scopesOf('volume "/a" rw;', ";")).toEqual(["invalid.illegal.character.moat"]);
  });

  it("a string never runs past its line", () => {
    const lines = tokenize(grammar, 'protect "/a\nprotect "/b"');
    expect(lines[1]![0]).toEqual({ text: "protect", scopes: ["source.moat", "keyword.control.protect.moat"] });
  });
});

describe("the bundled examples", () => {
  const examples = exampleSources();

  it("finds the examples", () => {
    expect(examples.length).toBeGreaterThan(10);
  });

  for (const source of examples) {
    it(`${source.path}: every non-blank token has a scope`, () => {
      const lines = tokenize(grammar, source.text);
      const unscoped: string[] = [];
      lines.forEach((tokens: Token[], i) => {
        for (const t of tokens) if (t.text.trim() !== "" && t.scopes.length < 2) unscoped.push(`line ${i + 1}: ${JSON.stringify(t.text)}`);
      });
      expect(unscoped).toEqual([]);
      // The tokens cover each line exactly.
      const rebuilt = lines.map((tokens) => tokens.map((t) => t.text).join("")).join("\n");
      expect(rebuilt).toBe(source.text.split(/\r?\n/).join("\n"));
    });
  }

  it("the error examples of lexical problems show an invalid.illegal scope where moat reports them", () => {
    const illegal = (path: string): string[] => {
      const source = examples.find((s) => s.path.endsWith(path));
      expect(source, path).toBeDefined();
      return tokenize(grammar, source!.text).flat().flatMap((t) => t.scopes.filter((s) => s.startsWith("invalid.illegal")).map((s) => `${s} ${t.text}`));
    };
    expect(illegal("MOAT101-unexpected-character.iso")).toEqual(["invalid.illegal.character.moat ;"]);
    expect(illegal("MOAT103-unterminated-string.iso")).toEqual(['invalid.illegal.unterminated-string.moat "/srv/acme/backup-staging/{,**} rw']);
    expect(illegal("MOAT104-invalid-escape.iso")).toEqual(["invalid.illegal.escape.moat \\."]);
    expect(illegal("MOAT106-malformed-interpolation.iso")).toEqual(["invalid.illegal.interpolation.moat ${images/acme/acme-web01.qcow2"]);
  });
});

describe("generated valid policies", () => {
  it("tokenize with a scope on every non-blank token and nothing marked invalid", () => {
    fc.assert(
      fc.property(noisy(anyPolicy), (text) => {
        for (const tokens of tokenize(grammar, text)) {
          for (const t of tokens) {
            if (t.text.trim() === "") continue;
            expect(t.scopes.length, JSON.stringify(t.text)).toBeGreaterThan(1);
            expect(t.scopes.filter((s) => s.startsWith("invalid.")), JSON.stringify(t.text)).toEqual([]);
          }
        }
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
