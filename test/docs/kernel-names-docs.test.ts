/**
 * The capability and network names a service may use live in one table in the code
 * (src/model/kernel-names.ts); the language reference shows them to operators. This keeps the two in
 * step: every entry with what it gives, in the same order, and nothing the code does not have.
 */
import { describe, expect, it } from "vitest";
import { CAPABILITIES, NETWORK_FAMILIES, NETWORK_TYPES } from "../../src/model/kernel-names.js";
import { languageTableRows } from "../support/doc-tables.js";

const rows = languageTableRows;

describe("docs/language.md, Capabilities and network rules", () => {
  it("lists Linux's 41 capabilities, in the kernel's order, with what each gives", () => {
    expect(CAPABILITIES).toHaveLength(41);
    expect(CAPABILITIES[0]!.name).toBe("chown");
    expect(CAPABILITIES[40]!.name).toBe("checkpoint_restore");
    expect(rows("Capabilities")).toEqual(CAPABILITIES.map((e) => [e.name, e.reason]));
  });
  it("lists the network families and socket types", () => {
    expect(rows("Network families")).toEqual(NETWORK_FAMILIES.map((e) => [e.name, e.reason]));
    expect(rows("Socket types")).toEqual(NETWORK_TYPES.map((e) => [e.name, e.reason]));
  });
});
