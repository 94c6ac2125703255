/** Streaming: chunks to lines, whatever the cuts, with a bound on a line's length. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineSplitter, parseChunks, parseText } from "../../src/audit/index.js";
import { SEED } from "../support/seed.js";

const RECORD = '[ 1.000001] audit: type=1400 audit(1733533323.417:7): apparmor="DENIED" operation="open" profile="p" name="/x" pid=1 comm="c"';

function split(chunks: readonly string[], maxLineLength?: number): { lines: string[]; cut: number } {
  const splitter = new LineSplitter(maxLineLength === undefined ? {} : { maxLineLength });
  const lines = chunks.flatMap((c) => splitter.push(c));
  lines.push(...splitter.end());
  return { lines, cut: splitter.overlongLines };
}

describe("LineSplitter", () => {
  it("cuts at \\n, drops the \\r of \\r\\n, keeps empty lines, and gives the last line without a break", () => {
    expect(split(["a\nb\r\n\nc"]).lines).toEqual(["a", "b", "", "c"]);
    expect(split(["a\n"]).lines).toEqual(["a"]);
    expect(split([""]).lines).toEqual([]);
    expect(split(["\n"]).lines).toEqual([""]);
  });

  it("joins lines cut across chunks, wherever the cuts are", () => {
    const text = `${RECORD}\r\nnoise\n\n${RECORD}\nlast`;
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 12 }), (cuts) => {
        const at = [0, ...[...cuts].sort((a, b) => a - b), text.length];
        const chunks = at.slice(1).map((end, i) => text.slice(at[i], end));
        expect(split(chunks).lines).toEqual([RECORD, "noise", "", RECORD, "last"]);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it("cuts a line longer than the maximum, drops the rest of it, and counts it", () => {
    const { lines, cut } = split(["abcdef", "ghij\nshort\n", "x".repeat(25), "y\nz"], 8);
    expect(lines).toEqual(["abcdefgh", "short", "xxxxxxxx", "z"]);
    expect(cut).toBe(2);
  });

  it("holds no more than the maximum while a line without a break goes on", () => {
    const splitter = new LineSplitter({ maxLineLength: 1000 });
    for (let i = 0; i < 2000; i++) expect(splitter.push("\0".repeat(1000))).toEqual([]);
    expect(splitter.end()[0]).toHaveLength(1000);
    expect(splitter.overlongLines).toBe(1);
  });
});

describe("parseChunks and parseText", () => {
  it("numbers the lines and parses each", async () => {
    async function* chunks(): AsyncGenerator<string> {
      yield RECORD.slice(0, 30);
      yield `${RECORD.slice(30)}\nDec  7 01:02:03 host kernel: eth0 up\n`;
      yield 'apparmor="DENIED" name="/unterminated';
    }
    const results = [];
    for await (const r of parseChunks(chunks())) results.push(r);
    expect(results.map((r) => [r.line, r.result.kind])).toEqual([
      [1, "record"],
      [2, "not-apparmor"],
      [3, "malformed"],
    ]);
    expect(parseText(`${RECORD}\n\n${RECORD}\n`).map((r) => [r.line, r.result.kind])).toEqual([
      [1, "record"],
      [2, "not-apparmor"],
      [3, "record"],
    ]);
  });

  it("takes a synchronous iterable too", async () => {
    const results = [];
    for await (const r of parseChunks([RECORD, "\n", RECORD])) results.push(r.result.kind);
    expect(results).toEqual(["record", "record"]);
  });
});
