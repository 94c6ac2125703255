/** docs/audit.md describes every field of a record, in the record's order, and nothing else. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VALUE_FIELDS } from "../../src/audit/fields.js";
import { repositoryRoot } from "../support/repository.js";
import { record } from "./helpers.js";

const text = readFileSync(join(repositoryRoot(), "docs", "audit.md"), "utf8");

describe("docs/audit.md", () => {
  it("lists the record's fields in the record's order", () => {
    const start = text.indexOf("## The record\n");
    const end = text.indexOf("\n## ", start + 1);
    const fields = text
      .slice(start, end)
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .map((l) => l.slice(3, l.indexOf("`", 3)));
    expect(fields).toEqual(["event", "origin", "timestamp", "serial", "logTime", "host", ...VALUE_FIELDS]);
    expect(Object.keys(record('apparmor="DENIED"'))).toEqual(fields);
  });
});
