import { describe, expect, test } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { parse } from "../../src/syntax/parse.js";
import { getLocation, type Source } from "../../src/source.js";

interface Seen {
  code: string;
  message: string;
  from: string; // line:column of the span start
  to: string; // line:column of the span end
  text: string; // the source text under the span
  hint?: string;
  related?: string[];
}

function firstError(text: string): Seen {
  const source: Source = { path: "bad.iso", text };
  const r = parse(source);
  expect(r.file).toBeUndefined();
  expect(r.diagnostics).toHaveLength(1);
  const d: Diagnostic = r.diagnostics[0]!;
  const span = d.span!;
  expect(span.file).toBe("bad.iso");
  const pos = (o: number): string => {
    const l = getLocation(source, o);
    return `${l.line}:${l.column}`;
  };
  const seen: Seen = { code: d.code, message: d.message, from: pos(span.start), to: pos(span.end), text: text.slice(span.start, span.end) };
  if (d.hint !== undefined) seen.hint = d.hint;
  if (d.related.length > 0) seen.related = d.related.map((r) => `${pos(r.span.start)} ${text.slice(r.span.start, r.span.end)}: ${r.message}`);
  return seen;
}

describe("syntax diagnostics: code and span", () => {
  test("MOAT101 unexpected character: the span is that character", () => {
    expect(firstError("policy p\n  ;")).toMatchObject({ code: "MOAT101", from: "2:3", to: "2:4", text: ";", message: "unexpected character ';'" });
    expect(firstError("tenant a {\n vm b { volume '/x' }\n}")).toMatchObject({ code: "MOAT101", from: "2:16", text: "'", hint: 'strings are written in double quotes: "…"' });
    expect(firstError("policy p\n🙂")).toMatchObject({ code: "MOAT101", from: "2:1", to: "2:3", text: "🙂", message: "unexpected character '🙂'" });
    // A NUL outside strings is an ordinary unexpected character (not a sign of a mis-decoded file).
    expect(firstError("policy p\n\u0000")).toMatchObject({ code: "MOAT101", from: "2:1", to: "2:2", message: "unexpected character U+0000" });
  });

  test("MOAT102 parse error: the span is the offending token", () => {
    expect(firstError('tenant acme {\n  vm web01 {\n    volume {\n')).toMatchObject({
      code: "MOAT102", from: "3:12", to: "3:13", text: "{", message: "expected a string after volume, found '{'",
    });
  });

  test("MOAT102 at the end of the file: an empty span at the end, and the open block as related", () => {
    expect(firstError("tenant acme {\n  vm web01 {\n  }\n")).toEqual({
      code: "MOAT102", from: "4:1", to: "4:1", text: "",
      message: "expected '}' to close tenant acme, found the end of the file",
      related: ["1:1 tenant acme {: tenant acme opens here"],
    });
  });

  test("MOAT103 unterminated string: from the quote to the end of its line", () => {
    expect(firstError('policy p\nprotect "/srv/**\ntenant a {}')).toMatchObject({ code: "MOAT103", from: "2:9", to: "2:17", text: '"/srv/**' });
    expect(firstError('protect "/a\\"')).toMatchObject({ code: "MOAT103", from: "1:9", text: '"/a\\"' });
    expect(firstError('protect "/a\r\n"')).toMatchObject({ code: "MOAT103", text: '"/a' });
  });

  test("MOAT104 invalid escape: the span is the escape", () => {
    expect(firstError('let x = "a\\nb"')).toMatchObject({ code: "MOAT104", from: "1:11", to: "1:13", text: "\\n", message: expect.stringContaining("invalid escape \\n") });
    expect(firstError('let x = "\\$"')).toMatchObject({ code: "MOAT104", text: "\\$" });
    expect(firstError('let x = "\\🙂"')).toMatchObject({ code: "MOAT104", text: "\\🙂" });
  });

  test("MOAT105 identifier too long: the span is the identifier", () => {
    const long = "a".repeat(65);
    expect(firstError(`policy ok\ntenant ${long} {}`)).toMatchObject({ code: "MOAT105", from: "2:8", to: "2:73", text: long, message: "identifier is 65 characters long; at most 64 are allowed" });
    expect(parse({ path: "ok.iso", text: `tenant ${"a".repeat(64)} {}` }).diagnostics).toEqual([]);
    expect(firstError(`let x = "\${${long}}"`)).toMatchObject({ code: "MOAT105", text: long });
  });

  test("MOAT106 malformed interpolation: the span is the ${…}", () => {
    expect(firstError('let x = "${images/a"')).toMatchObject({ code: "MOAT106", from: "1:10", text: "${images/a", message: "'${' has no closing '}' in this string" });
    expect(firstError('let x = "a${}b"')).toMatchObject({ code: "MOAT106", from: "1:11", to: "1:14", text: "${}" });
    expect(firstError('let x = "${1abc}"')).toMatchObject({ code: "MOAT106", text: "${1abc}", message: expect.stringContaining("does not name a let") });
    expect(firstError('let x = "${a b}"')).toMatchObject({ code: "MOAT106", text: "${a b}" });
  });

  test("MOAT107 invalid encoding: U+FFFD or a lone surrogate anywhere but comments, NUL inside a string", () => {
    expect(firstError('protect "/a\ufffdb"')).toMatchObject({ code: "MOAT107", from: "1:12", to: "1:13", text: "\ufffd", message: expect.stringContaining("not valid UTF-8") });
    expect(firstError("policy p\n\ufffd")).toMatchObject({ code: "MOAT107", from: "2:1", text: "\ufffd" });
    expect(firstError('protect "/a\u0000b"')).toMatchObject({ code: "MOAT107", from: "1:12", text: "\u0000", message: "a string may not contain a NUL character" });
    expect(firstError('protect "/a\ud800b"')).toMatchObject({ code: "MOAT107", text: "\ud800" });
    expect(firstError("policy p \udc00")).toMatchObject({ code: "MOAT107", text: "\udc00" });
  });

  test("the first error in the source wins, whether lexical or syntactic", () => {
    expect(firstError('include foo\nprotect "x\\q"')).toMatchObject({ code: "MOAT102", from: "1:9" });
    expect(firstError('protect "x\\q"\ninclude foo')).toMatchObject({ code: "MOAT104", from: "1:11" });
    expect(firstError("tenant a { ; vm }")).toMatchObject({ code: "MOAT101", text: ";" });
  });

  test("among lexical problems, the first token with one wins, strings included", () => {
    const long = "a".repeat(65);
    expect(firstError(`protect "\\q\\x"\nlet ${long} = "y"`)).toMatchObject({ code: "MOAT104", from: "1:10" });
    expect(firstError(`let ${long} = "\\q"`)).toMatchObject({ code: "MOAT105", from: "1:5" });
    expect(firstError('protect "${a}\\q"\nprotect "/b')).toMatchObject({ code: "MOAT104", from: "1:14" });
    expect(firstError('protect "/b\nprotect "${a}\\q"')).toMatchObject({ code: "MOAT103", from: "1:9" });
    expect(firstError('protect "${a}/\u0000"\nprotect "${}"')).toMatchObject({ code: "MOAT107", from: "1:15" });
    expect(firstError('protect "/\\*${a}"\nprotect "${}"')).toMatchObject({ code: "MOAT106", from: "2:10" });
  });
});

describe("MOAT102 messages speak the operator's language", () => {
  const cases: [string, Partial<Seen>][] = [
    ["tenant vm {}", { message: "expected a tenant name after tenant, found 'vm': 'vm' is a keyword and cannot be a name", text: "vm" }],
    ["policy ro", { message: "expected a policy name after policy, found 'ro': 'ro' is a keyword and cannot be a name" }],
    ["let mode = \"x\"", { message: "expected a variable name after let, found 'mode': 'mode' is a keyword and cannot be a name" }],
    ["tenant a { service exec {} }", { message: "expected a service name after service, found 'exec': 'exec' is a keyword and cannot be a name" }],
    ["tenant a {\n  foo\n}", { message: "expected vm, service, container, project, volume, device, socket, read, abstraction or '}' to close tenant a, found 'foo'", from: "2:3", related: ["1:1 tenant a {: tenant a opens here"] }],
    ["tenant a { project 42 }", { code: "MOAT101", text: "4" }],
    ["tenant a { project acme }", { message: "expected a string after 'project', found 'acme'", hint: 'strings are written in double quotes, e.g. "acme"' }],
    ["nova { instances \"/x\" unknown-project allow }", { message: "expected 'refuse' or 'unassigned' after 'unknown-project', found 'allow'", text: "allow" }],
    ["tenant a { vm b { volume \"/x\" rx } }", { message: "expected an item (uuid, exec, lxc, volume, device, socket, read, run, capability, network, abstraction or mode) or '}' to close vm b, found 'rx'", text: "rx" }],
    ["tenant a { vm b {\n tenant c {} }", { message: "expected an item (uuid, exec, lxc, volume, device, socket, read, run, capability, network, abstraction or mode) or '}' to close vm b, found 'tenant'", hint: "is a '}' missing to close vm b?" }],
    ["tenant a { vm b { mode strict } }", { message: "expected 'enforce' or 'complain' after mode, found 'strict'", text: "strict" }],
    ["tenant a { vm b { uuid 42 } }", { code: "MOAT101", text: "4" }],
    ["tenant a { vm b { exec usr } }", { message: "expected a string after exec, found 'usr'", hint: 'strings are written in double quotes, e.g. "usr"' }],
    ["tenant a b", { message: "expected '{' after tenant a, found 'b'" }],
    ["let x \"v\"", { message: "expected '=' after let x, found the string \"v\"" }],
    ["let x = foo", { message: "expected a string after '=', found 'foo'" }],
    ["shared \"/x\" rw with a", { message: "expected 'ro' after the string \"/x\", found 'rw'", hint: "shared resources are read-only; a writable resource belongs to exactly one tenant" }],
    ["shared \"/x\" ro a", { message: "expected 'with' after ro, found 'a'" }],
    ["shared \"/x\" ro with", { message: "expected a tenant name after with, found the end of the file" }],
    ["shared \"/x\" ro with a,\ntenant b {}", { message: "expected a tenant name after ',', found 'tenant': 'tenant' is a keyword and cannot be a name", hint: "a ',' must be followed by another tenant name; remove a trailing ','" }],
    ["volume \"/x\"", { message: "expected a statement (policy, let, include, protect, tenant or shared), found 'volume'", hint: "volume belongs inside a vm, service or container block" }],
    ["vm a {}", { hint: "a vm belongs inside a tenant block: tenant NAME { vm NAME { … } }" }],
    ["policy p }", { message: "expected a statement (policy, let, include, protect, tenant or shared), found '}'", hint: "there is no open block to close here" }],
    // A file whose very first token does not fit is not policy (a key file, an environment): the message
    // names the kind of token, never its text. Once a statement has begun, the token is quoted.
    ["\"/x\"", { message: "expected a statement (policy, let, include, protect, tenant or shared), found a string" }],
    ["AWS_SECRET_ACCESS_KEY=abc", { message: "expected a statement (policy, let, include, protect, tenant or shared), found a name" }],
    ["policy p\n\"/x\"", { message: "expected a statement (policy, let, include, protect, tenant or shared), found the string \"/x\"" }],
  ];
  test.each(cases)("%j", (text, expected) => {
    expect(firstError(text)).toMatchObject({ code: "MOAT102", ...expected });
  });

  test("no message names chevrotain's token types or rules", () => {
    for (const [text] of cases) {
      const { message } = firstError(text);
      expect(message).not.toMatch(/StringLiteral|Identifier|LCurly|RCurly|EOF|Statement|Block|Item\b|[A-Z]{2,}/);
    }
  });
});
