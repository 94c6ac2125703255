import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBytes } from "../../src/glob/bytes.js";
import { aaAbstractAddr, aaGlob, aaIncludeName, aaName, aaPerms, aaString, aaUnixRule, commentText, escapeBytes } from "../../src/emit/apparmor-text.js";
import { glob } from "./fixtures.js";

/**
 * AppArmor's lexer reads a quoted string as `"([^\0"]|\\")*"` with flex's longest match. Given the
 * text from an opening quote on, this returns the length of every prefix that rule matches; flex
 * takes the longest. Written from the rule itself, not from the escaper under test.
 */
function quotedMatchLengths(text: string): number[] {
  if (text[0] !== '"') return [];
  const lengths: number[] = [];
  // reachable[i]: the body `([^\0"]|\\")*` can end just before index i.
  const reachable = new Array<boolean>(text.length + 1).fill(false);
  reachable[1] = true;
  for (let i = 1; i < text.length; i++) {
    if (!reachable[i]) continue;
    const c = text[i]!;
    if (c === '"') lengths.push(i + 1);
    if (c !== '"' && c !== "\0") reachable[i + 1] = true;
    if (c === "\\" && text[i + 1] === '"') reachable[i + 2] = true;
  }
  return lengths;
}

function longestQuoted(text: string): number {
  return Math.max(-1, ...quotedMatchLengths(text));
}

/** Decodes the escapes AppArmor decodes, for the ones the escaper emits (`\ooo`). */
function decodeOctal(body: string): string {
  return body.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** A hostile tail: whatever follows the token in the profile, with quotes of its own. */
const TAIL = ' r,\n  "/etc/shadow" rw,\n}\nprofile evil { "/**" rwx,\n';

const byteString = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }).map((bytes) => String.fromCharCode(...bytes));

describe("aaString", () => {
  it("writes [A-Za-z0-9/._-] raw and every other byte as a three-digit octal escape", () => {
    expect(aaString("/var/lib/x_y-z.qcow2")).toBe('"/var/lib/x_y-z.qcow2"');
    expect(aaString('/a"b')).toBe('"/a\\042b"');
    expect(aaString("/a\\")).toBe('"/a\\134"');
    expect(aaString("/a b,c#d")).toBe('"/a\\040b\\054c\\043d"');
    expect(aaString("/@{HOME}")).toBe('"/\\100\\173HOME\\175"');
    expect(aaString("/*?[]{}")).toBe('"/\\052\\077\\133\\135\\173\\175"');
    expect(aaString("/é\n")).toBe('"/\\303\\251\\012"');
  });

  it("yields one token that AppArmor's lexer reads back as exactly the input bytes, whatever follows", () => {
    fc.assert(
      fc.property(byteString, (bytes) => {
        const token = '"' + escapeBytes(bytes) + '"';
        expect(token).toMatch(/^"([A-Za-z0-9/._-]|\\[0-7]{3})*"$/);
        expect(longestQuoted(token + TAIL)).toBe(token.length);
        expect(decodeOctal(token.slice(1, -1))).toBe(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it("encodes text as UTF-8 bytes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), (text) => {
        expect(decodeOctal(aaString(text).slice(1, -1))).toBe(toBytes(text));
      }),
    );
  });

  it("the lexer model catches the classic escaping trap", () => {
    // The check above must be able to fail: `\\` + `\"` escaping lets a path end the string early.
    const naive = (s: string): string => '"' + s.replace(/[\\"]/g, (c) => "\\" + c) + '"';
    const token = naive("/t/a\\");
    expect(token).toBe('"/t/a\\\\"');
    expect(longestQuoted(token + TAIL)).toBeGreaterThan(token.length);
  });
});

describe("aaGlob", () => {
  it("writes glob operators raw only from the parsed glob", () => {
    expect(aaGlob(glob("/srv/acme/{,**}"))).toBe('"/srv/acme/{,**}"');
    expect(aaGlob(glob("/d/*.img"))).toBe('"/d/*.img"');
    expect(aaGlob(glob("/d/?x"))).toBe('"/d/?x"');
    expect(aaGlob(glob("/dev/vfio/[0-9]"))).toBe('"/dev/vfio/[0-9]"');
    expect(aaGlob(glob("/a/{b,{c,d}e}"))).toBe('"/a/{b,{c,d}e}"');
  });

  it("writes escaped glob characters as literal bytes", () => {
    expect(aaGlob(glob("/a/\\*\\?\\[\\]\\{\\}\\,\\\\"))).toBe('"/a/\\052\\077\\133\\135\\173\\175\\054\\134"');
    expect(aaGlob(glob("/a/{x\\,y,z\\}}"))).toBe('"/a/{x\\054y,z\\175}"');
  });

  it("never lets a literal @ meet an alternation's brace", () => {
    expect(aaGlob(glob("/a/@{b,c}"))).toBe('"/a/[\\100]{b,c}"');
    expect(aaGlob(glob("/a/{@{b,c},d}"))).toBe('"/a/{[\\100]{b,c},d}"');
    expect(aaGlob(glob("/a/@x{b,c}"))).toBe('"/a/\\100x{b,c}"');
    expect(aaGlob(glob("/a/{b@,c}"))).toBe('"/a/{b\\100,c}"');
  });

  it("keeps letters and digits in brackets and turns other class members into branches", () => {
    expect(aaGlob(glob("/a/[a-c0-9]"))).toBe('"/a/[0-9a-c]"');
    expect(aaGlob(glob("/a/[a-c_.-]"))).toBe('"/a/{[a-c],-,.,_}"');
    expect(aaGlob(glob("/a/[_]"))).toBe('"/a/_"');
    expect(aaGlob({ parts: [{ kind: "class", ranges: [[0x20, 0x22]] }] })).toBe('"{\\040,!,\\042}"'.replace("!", "\\041"));
  });

  it("renders abstract socket addresses with a raw leading @", () => {
    expect(aaAbstractAddr(glob("acme-backup"))).toBe('"@acme-backup"');
    expect(aaAbstractAddr(glob("a b"))).toBe('"@a\\040b"');
    expect(aaAbstractAddr(glob("{a,b}"))).toBe('"@{a,b}"');
  });

  it("writes a unix rule's local and peer addresses through the same escaping", () => {
    expect(aaUnixRule("bind, listen", glob("a b"), "name", null)).toBe('unix (bind, listen) addr="@a\\040b"');
    expect(aaUnixRule("send", glob("a b"), "name", "none")).toBe('unix (send) addr="@a\\040b" peer=(addr=none)');
    expect(aaUnixRule("connect", glob('x") peer=(addr=@*'), "none", "name")).toBe('unix (connect) addr=none peer=(addr="@x\\042\\051\\040peer\\075\\050addr\\075\\100*")');
  });

  it("yields one lexer token for any glob built from arbitrary literal bytes", () => {
    const part = fc.oneof(
      byteString.filter((b) => b.length > 0).map((bytes) => ({ kind: "literal" as const, bytes })),
      fc.constant({ kind: "star" as const }),
      fc.constant({ kind: "globstar" as const }),
      fc.constant({ kind: "any" as const }),
    );
    const alt = fc.array(fc.array(part, { maxLength: 3 }), { minLength: 2, maxLength: 3 }).map((branches) => ({
      kind: "alt" as const,
      branches: branches.map((parts) => ({ parts })),
    }));
    fc.assert(
      fc.property(fc.array(fc.oneof(part, alt), { maxLength: 6 }), (parts) => {
        const token = aaGlob({ parts });
        expect(token).toMatch(/^"([A-Za-z0-9/._\-*?{},[\]]|\\[0-7]{3})*"$/);
        expect(longestQuoted(token + TAIL)).toBe(token.length);
        expect(token).not.toContain("\\100{");
      }),
      { numRuns: 1000 },
    );
  });
});

describe("names, permissions and comments", () => {
  it("accepts only grammar-safe names and refuses anything else", () => {
    expect(aaName("libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f")).toBe("libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f");
    expect(aaName("moat.acme.backup-agent")).toBe("moat.acme.backup-agent");
    for (const bad of ["", "a b", "a{", "x,", "a\nb", "/x", "-x"]) expect(() => aaName(bad)).toThrow(/internal/);
    expect(aaIncludeName("apparmor_api/is_enabled")).toBe("apparmor_api/is_enabled");
    for (const bad of ["../x", "a/../b", "a>", "a//b", ""]) expect(() => aaIncludeName(bad)).toThrow(/internal/);
    expect(aaPerms("rwk")).toBe("rwk");
    for (const bad of ["", "rW", "wa", "r,", "rw x"]) expect(() => aaPerms(bad)).toThrow(/internal/);
  });

  it("keeps comments on one line and free of backslash ambiguity", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        expect(commentText(text)).toMatch(/^([\x20-\x5b\x5d-\x7e]|\\x[0-9a-f]{2})*$/);
      }),
    );
    expect(commentText("a\nb\\c é")).toBe("a\\x0ab\\x5cc \\xc3\\xa9");
  });
});
