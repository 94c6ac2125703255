import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { MAX_JSON_DEPTH } from "../../src/json-form/json-tree.js";
import { parseJsonPolicy } from "../../src/json-form/parse-json-policy.js";
import { getLocation, type Source } from "../../src/source.js";

const UUID = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const PATH = "/p/host.iso.json";

/** `CODE line:col message` for each diagnostic, and the text each span covers. */
function check(text: string): { found: string[]; covered: string[]; diagnostics: Diagnostic[] } {
  const source: Source = { path: PATH, text };
  const { diagnostics, file } = parseJsonPolicy(source);
  if (diagnostics.length > 0) expect(file).toBeUndefined();
  return {
    found: diagnostics.map((d) => {
      const { line, column } = getLocation(source, d.span!.start);
      return `${d.code} ${line}:${column} ${d.message}`;
    }),
    covered: diagnostics.map((d) => text.slice(d.span!.start, d.span!.end)),
    diagnostics,
  };
}

const lines = (...l: string[]): string => l.join("\n") + "\n";

describe("schema violations", () => {
  it("reports each one at its JSON pointer's node, with the pointer in the message", () => {
    const text = lines(
      `{`,
      `  "tenants": [`,
      `    { "name": "acme",`,
      `      "workloads": [`,
      `        { "kind": "vm", "name": "web", "uuid": "${UUID}" },`,
      `        { "kind": "vm", "name": "db", "uuid": 42, "mode": "strict" },`,
      `        { "kind": "pod", "name": "x", "uid": "${UUID}" },`,
      `        { "kind": "service", "resources": [ { "kind": "pipe", "path": "/x" }, { "kind": "socket", "path": "@s", "access": "ro" }, { "path": "/y" } ] }`,
      `      ] },`,
      `    { "workloads": [] }`,
      `  ],`,
      `  "shared": [ { "path": "/srv/base/**", "access": "rw", "tenants": ["acme", "9lives"] } ]`,
      `}`,
    );
    const rows = text.split("\n");
    /** line:column of the n-th occurrence of `needle` on a 1-based line. */
    const at = (line: number, needle: string, nth = 1): string => {
      let column = -1;
      for (let i = 0; i < nth; i++) column = rows[line - 1]!.indexOf(needle, column + 1);
      expect(column, needle).toBeGreaterThanOrEqual(0);
      return `${line}:${column + 1}`;
    };
    const { found, covered } = check(text);
    expect(found).toEqual([
      `MOAT111 ${at(6, "42")} /tenants/0/workloads/1/uuid: must be string`,
      `MOAT111 ${at(6, '"strict"')} /tenants/0/workloads/1/mode: must be one of "enforce", "complain"`,
      `MOAT111 ${at(7, '"pod"')} /tenants/0/workloads/2/kind: must be one of "vm", "service", "container"`,
      `MOAT111 ${at(7, '"uid"')} /tenants/0/workloads/2/uid: unknown property; allowed here: accept, kind, name, uuid, exec, lxc, mode, abstractions, capabilities, network, resources, memory, devices`,
      `MOAT111 ${at(8, "{")} /tenants/0/workloads/3: must have required property 'name'`,
      `MOAT111 ${at(8, '"pipe"')} /tenants/0/workloads/3/resources/0/kind: must be one of "volume", "device", "socket", "read", "run", "firmware", "kernel", "initrd", "dtb", "nvram", "serial", "log", "share"`,
      `MOAT111 ${at(8, '"access"')} /tenants/0/workloads/3/resources/1/access: unknown property; allowed here: accept, kind, path`,
      `MOAT111 ${at(8, '{ "path"')} /tenants/0/workloads/3/resources/2: must have required property 'kind'`,
      `MOAT111 ${at(10, "{")} /tenants/1: must have required property 'name'`,
      `MOAT111 ${at(12, '"rw"')} /shared/0/access: must be "ro"`,
      `MOAT111 ${at(12, '"9lives"')} /shared/0/tenants/1: must be a name: a letter, then letters, digits, '_' or '-', at most 64 characters`,
    ]);
    // An unknown property is underlined at its key; a missing one at the object that lacks it.
    expect(covered[1]).toBe('"strict"');
    expect(covered[3]).toBe('"uid"');
    expect(covered[8]).toBe('{ "workloads": [] }');
  });

  it("requires an object with tenants at the top, and says so at the root", () => {
    expect(check("[]").found).toEqual(["MOAT111 1:1 (root): must be object"]);
    expect(check(`{ "policy": "p" }`).found).toEqual(["MOAT111 1:1 (root): must have required property 'tenants'"]);
    expect(check(`{ "tenants": [], "lets": {} }`).found).toEqual([
      "MOAT111 1:18 /lets: unknown property; allowed here: policy, protect, tenants, shared, nova",
    ]);
  });

  it("escapes the pointer of a property whose name holds / or ~", () => {
    const { found, covered } = check(`{ "tenants": [], "a/b~c": 1 }`);
    expect(found).toEqual(["MOAT111 1:18 /a~1b~0c: unknown property; allowed here: policy, protect, tenants, shared, nova"]);
    expect(covered).toEqual(['"a/b~c"']);
  });

  it("accepts a policy that uses every property", () => {
    const text = JSON.stringify({
      policy: "host",
      protect: ["/srv/secret/**"],
      tenants: [
        {
          name: "acme",
          workloads: [
            { kind: "vm", name: "web", uuid: UUID, mode: "complain", abstractions: ["nameservice"], resources: [{ kind: "volume", path: "/a", access: "ro" }, { kind: "device", path: "/dev/b" }, { kind: "socket", path: "@c" }] },
            { kind: "service", name: "agent", exec: "/usr/bin/agent", resources: [] },
          ],
        },
      ],
      shared: [{ path: "/a", access: "ro", tenants: ["acme"] }],
    });
    expect(check(text).found).toEqual([]);
  });
});

describe("invalid JSON", () => {
  it("reports the first syntax error where it is", () => {
    expect(check(lines(`{`, `  "tenants": [],`, `}`)).found).toEqual([
      "MOAT110 3:1 invalid JSON: expected a property name in double quotes (a trailing comma is not allowed in JSON)",
    ]);
    expect(check(`{ "tenants": [] } {}`).found).toEqual(["MOAT110 1:19 invalid JSON: expected the end of the file after the JSON value"]);
    expect(check(`{ "tenants": [] } x`).found).toEqual([
      "MOAT110 1:19 invalid JSON: unexpected text: expected a JSON value (object, array, string, number, true, false or null)",
    ]);
    expect(check(`{ "tenants": [ /* none */ ] }`).found).toEqual(["MOAT110 1:16 invalid JSON: comments are not allowed in JSON"]);
    expect(check(`{ "tenants": [ { "name": "a\\x" } ] }`).found[0]).toMatch(/^MOAT110 1:26 invalid JSON: invalid escape/);
    expect(check(`{ "tenants": `).found).toEqual(["MOAT110 1:14 invalid JSON: expected a value (a trailing comma is not allowed in JSON)"]);
    expect(check("").found).toEqual(["MOAT110 1:1 invalid JSON: expected a value (a trailing comma is not allowed in JSON)"]);
  });

  it("refuses nesting deeper than any policy needs, without exhausting the stack", () => {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const { found } = check(deep);
    expect(found).toEqual([`MOAT110 1:${MAX_JSON_DEPTH + 1} invalid JSON: nested more than ${MAX_JSON_DEPTH} levels deep`]);
    // Brackets inside strings do not count.
    expect(check(`{ "tenants": [], "x": "${"[".repeat(500)}" }`).found[0]).toMatch(/unknown property/);
  });

  it("reads a leading byte order mark as white space, keeping positions", () => {
    expect(check(`\ufeff{ "tenants": [], "x": 1 }`).found).toEqual([
      "MOAT111 1:19 /x: unknown property; allowed here: policy, protect, tenants, shared, nova",
    ]);
  });

  it("agrees with JSON.parse on which texts are JSON", () => {
    const tokens = ["{", "}", "[", "]", ",", ":", '"tenants"', '"a"', "1", "-0.5e3", "01", "true", "null", " ", "\n", '"\\u00e9"', '"\\q"', "/", "'a'"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 12 }), (parts) => {
        const text = parts.join("");
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const codes = check(text).diagnostics.map((d) => d.code);
        expect(codes.includes("MOAT110")).toBe(!valid);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("keys and characters", () => {
  it("refuses a duplicate key, pointing at the repeat and relating the first", () => {
    const text = lines(`{`, `  "tenants": [],`, `  "policy": "a",`, `  "policy": "b"`, `}`);
    const { found, diagnostics } = check(text);
    expect(found).toEqual(['MOAT112 4:3 duplicate key "policy": JSON leaves its meaning undefined, so each key may appear once per object']);
    const related = diagnostics[0]!.related[0]!;
    expect(getLocation({ path: PATH, text }, related.span.start)).toEqual({ line: 3, column: 3 });
  });

  it("refuses the characters that no .iso string may hold, with the same code", () => {
    const { found, covered } = check(`{ "protect": ["/srv/a\\u0000b", "/ok"], "tenants": [] }`);
    expect(found).toEqual(["MOAT107 1:15 a string may not contain a NUL character"]);
    expect(covered).toEqual(['"/srv/a\\u0000b"']);
    expect(check(`{ "protect": ["/srv/\\ud800"], "tenants": [] }`).found).toEqual([
      "MOAT107 1:15 found a lone UTF-16 surrogate: the text is not valid Unicode",
    ]);
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ tenants: [v] }))), (text) => {
        const result = parseJsonPolicy({ path: PATH, text });
        expect(result.file === undefined).toBe(result.diagnostics.length > 0);
      }),
      { numRuns: 1000 },
    );
  });
});
