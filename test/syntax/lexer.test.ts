import { describe, expect, test } from "vitest";
import { lex } from "../../src/syntax/lexer.js";

const kinds = (text: string): string[] => lex({ path: "t.iso", text }).tokens.map((t) => `${t.tokenType.name}:${t.image}`);

describe("lexer", () => {
  test("splits a statement into tokens and skips blanks", () => {
    expect(kinds('tenant acme {\n\tvm web01 { volume "/a" ro }\r\n}')).toEqual([
      "Tenant:tenant", "Identifier:acme", "LCurly:{",
      "Vm:vm", "Identifier:web01", "LCurly:{", "Volume:volume", 'StringLiteral:"/a"', "Ro:ro", "RCurly:}",
      "RCurly:}",
    ]);
    expect(kinds('let x = "v"\nshared "g" ro with a, b')).toEqual([
      "Let:let", "Identifier:x", "Equals:=", 'StringLiteral:"v"',
      "Shared:shared", 'StringLiteral:"g"', "Ro:ro", "With:with", "Identifier:a", "Comma:,", "Identifier:b",
    ]);
  });

  test("every keyword is a keyword token, and a longer word that starts with one is an identifier", () => {
    const words = "policy let include protect shared with tenant vm service uuid exec volume device socket abstraction mode enforce complain ro rw";
    for (const word of words.split(" ")) {
      expect(kinds(word)).toEqual([`${word.charAt(0).toUpperCase()}${word.slice(1)}:${word}`]);
      expect(kinds(`${word}s`)).toEqual([`Identifier:${word}s`]);
      expect(kinds(`${word}-1`)).toEqual([`Identifier:${word}-1`]);
      expect(kinds(`${word}_x`)).toEqual([`Identifier:${word}_x`]);
    }
    expect(kinds("VM Ro")).toEqual(["Identifier:VM", "Identifier:Ro"]); // keywords are case-sensitive
  });

  test("identifiers: a letter, then letters, digits, '_' and '-'", () => {
    expect(kinds("a a1 web-01 backup_agent Z-")).toEqual(["Identifier:a", "Identifier:a1", "Identifier:web-01", "Identifier:backup_agent", "Identifier:Z-"]);
  });

  test("comments run to the end of the line and are collected apart from the tokens", () => {
    const text = "# head\npolicy p # tail \"not a string\" { }\r\n#\nlet";
    const r = lex({ path: "t.iso", text });
    expect(r.tokens.map((t) => t.image)).toEqual(["policy", "p", "let"]);
    expect(r.comments.map((c) => c.image)).toEqual(["# head", '# tail "not a string" { }', "#"]);
    expect(r.comments.map((c) => text.slice(c.startOffset, c.startOffset + c.image.length))).toEqual(["# head", '# tail "not a string" { }', "#"]);
    expect(r.error).toBeUndefined();
  });

  test("a comment may hold anything but a line break", () => {
    const r = lex({ path: "t.iso", text: "# \u0000 \ufffd ' ; é 🙂\npolicy p" });
    expect(r.error).toBeUndefined();
    expect(r.tokens.map((t) => t.image)).toEqual(["policy", "p"]);
  });

  test("a byte order mark is blank", () => {
    expect(kinds("\ufeffpolicy p")).toEqual(["Policy:policy", "Identifier:p"]);
  });

  test("a string is one token up to the closing quote, escaped quotes included", () => {
    expect(kinds('"a\\"b" "c\\\\" ""')).toEqual(['StringLiteral:"a\\"b"', 'StringLiteral:"c\\\\"', 'StringLiteral:""']);
    expect(kinds('"# not a comment"')).toEqual(['StringLiteral:"# not a comment"']);
  });

  test("a string cut by a line break is unterminated", () => {
    expect(kinds('"abc\ndef"')[0]).toBe('UnterminatedString:"abc');
    expect(kinds('"abc\\"')[0]).toBe('UnterminatedString:"abc\\"');
  });

  test("tokens carry offsets into the source", () => {
    const text = "  policy  p1";
    const r = lex({ path: "t.iso", text });
    expect(r.tokens.map((t) => [t.startOffset, t.image.length])).toEqual([[2, 6], [10, 2]]);
  });
});
