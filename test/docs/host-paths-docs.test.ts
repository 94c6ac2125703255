/**
 * The lists of host paths moat guards live in one table in the code (src/model/builtin.ts); the
 * language reference shows them to operators. This keeps the two in step: every entry, with its
 * reason (and its test, for over-broad ones), in the same order, and nothing the code does not have.
 */
import { describe, expect, it } from "vitest";
import { HOST_CRITICAL_PATHS, HOST_READ_ONLY_TREES, OVER_BROAD, OVER_BROAD_ABSTRACT, PROTECTED_PATHS } from "../../src/model/builtin.js";
import { languageTableRows } from "../support/doc-tables.js";

const rows = languageTableRows;

describe("docs/language.md, Host paths moat guards", () => {
  it("lists the protected paths with their reasons", () => {
    expect(rows("Protected paths")).toEqual(PROTECTED_PATHS.map((e) => [e.glob, e.reason]));
  });
  it("lists the host-critical paths with their reasons", () => {
    expect(rows("Host-critical paths")).toEqual(HOST_CRITICAL_PATHS.map((e) => [e.glob, e.reason]));
  });
  it("lists the read-only host trees with their reasons", () => {
    expect(rows("Read-only host trees")).toEqual(HOST_READ_ONLY_TREES.map((e) => [e.glob, e.reason]));
  });
  it("lists the over-broad entries with their tests and reasons", () => {
    expect(rows("Over-broad grants")).toEqual(OVER_BROAD.map((e) => [e.glob, e.test, e.reason]));
    expect(rows("Abstract socket names")).toEqual(OVER_BROAD_ABSTRACT.map((e) => [e.glob, e.test, e.reason]));
  });
});
