import { expect } from "vitest";
import { parseLine, type AuditRecord, type ParseResult } from "../../src/audit/index.js";

/** The record `line` parses to; fails the test (showing the result) when it is not one. */
export function record(line: string): AuditRecord {
  const result = parseLine(line);
  if (result.kind !== "record") throw new Error(`not a record: ${JSON.stringify(result)}\n  line: ${JSON.stringify(line)}`);
  return result.record;
}

/** The record's fields that have a value (the record holds every field, undefined when absent). */
export function present(r: AuditRecord): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
}

/** Asserts that `line` is exactly this record: these fields, and no other. */
export function expectRecord(line: string, fields: Record<string, unknown>): void {
  expect(present(record(line))).toEqual(fields);
}

export function expectMalformed(line: string): Extract<ParseResult, { kind: "malformed" }> {
  const result = parseLine(line);
  if (result.kind !== "malformed") throw new Error(`expected malformed, got ${JSON.stringify(result)}\n  line: ${JSON.stringify(line)}`);
  return result;
}

/** Hex the way the kernel writes an untrusted string: the UTF-8 bytes, two uppercase digits each. */
export function hex(text: string): string {
  return Buffer.from(text, "utf8").toString("hex").toUpperCase();
}
