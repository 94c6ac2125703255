import { readdirSync, readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { TEMPLATE_HELPERS, TEMPLATE_SOURCES } from "../../src/emit/templates.generated.js";
import { HELPER_NAMES, renderSeclabel, renderServiceProfile } from "../../src/emit/templates.js";
import { generatedText } from "../../templates/generate.mjs";

const DIR = new URL("../../templates/", import.meta.url);

describe("templates", () => {
  it("src/emit/templates.generated.ts is up to date with templates/*.hbs (run: node templates/generate.mjs)", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".hbs")).sort();
    const onDisk = Object.fromEntries(files.map((f) => [f.slice(0, -4), readFileSync(new URL(f, DIR), "utf8")]));
    expect(TEMPLATE_SOURCES).toEqual(onDisk);
    // The precompiled specs too: the whole file is what the generator writes now.
    expect(readFileSync(new URL("../../src/emit/templates.generated.ts", import.meta.url), "utf8")).toBe(generatedText());
  });

  it("are precompiled knowing exactly the helpers the library registers", () => {
    expect([...TEMPLATE_HELPERS].sort()).toEqual([...HELPER_NAMES].sort());
  });

  it("insert every value through an escaping helper: no bare {{x}}, no {{{x}}}", () => {
    const offenders: string[] = [];
    const walk = (node: hbs.AST.Node | undefined, template: string): void => {
      if (node === undefined || node === null) return;
      switch (node.type) {
        case "Program":
          for (const n of (node as hbs.AST.Program).body) walk(n, template);
          break;
        case "MustacheStatement": {
          const m = node as hbs.AST.MustacheStatement;
          const helper = (m.path as hbs.AST.PathExpression).original;
          if (!HELPER_NAMES.includes(helper) || m.params.length !== 1 || !m.escaped) {
            offenders.push(`${template}:${m.loc.start.line}: {{${helper}${m.params.length ? " …" : ""}}}`);
          }
          break;
        }
        case "BlockStatement": {
          const b = node as hbs.AST.BlockStatement;
          const helper = (b.path as hbs.AST.PathExpression).original;
          if (!["each", "if"].includes(helper)) offenders.push(`${template}:${b.loc.start.line}: {{#${helper}}}`);
          walk(b.program, template);
          walk(b.inverse, template);
          break;
        }
        case "PartialStatement":
        case "ContentStatement":
        case "CommentStatement":
          break;
        default:
          offenders.push(`${template}: unexpected ${node.type}`);
      }
    };
    for (const [name, source] of Object.entries(TEMPLATE_SOURCES)) walk(Handlebars.parse(source), name);
    expect(offenders).toEqual([]);
  });

  it("fail loudly on a missing field or a value of the wrong kind (strict mode, checked helpers)", () => {
    const view = {
      version: "1",
      source: "a.iso",
      tenant: "t",
      workload: "s",
      name: "moat.t.s",
      exec: null,
      flags: [],
      abstractions: [],
      grants: [],
      denies: [],
    };
    expect(renderServiceProfile(view)).toContain("profile moat.t.s {\n");
    const { denies: _d, ...missing } = view;
    expect(() => renderServiceProfile(missing as typeof view)).toThrow(/#each needs a list/);
    const { exec: _e, ...noExec } = view;
    expect(() => renderServiceProfile(noExec as typeof view)).toThrow(/#if on a missing field/);
    expect(() => renderServiceProfile({ ...view, exec: "/usr/bin/x" as never })).toThrow(/parsed glob/);
    expect(() => renderServiceProfile({ ...view, name: "x { }" })).toThrow(/internal/);
    expect(() => renderServiceProfile({ ...view, flags: ["audit"] })).toThrow(/internal/);
    expect(() => renderSeclabel({ version: "1", source: "a", tenant: "t", workload: "v", label: 7 as never })).toThrow(/string/);
    const glob = { parts: [{ kind: "literal" as const, bytes: "/srv/x" }] };
    const grant = (rule: object) => ({ ...view, grants: [{ title: "t", rules: [rule as never] }] });
    expect(renderServiceProfile(grant({ deny: true, glob, perms: "w" }))).toContain('\n  deny "/srv/x" w,\n');
    expect(() => renderServiceProfile(grant({ glob, perms: "rw" }))).toThrow(/file rule/);
    expect(() => renderServiceProfile(grant({ deny: false, glob: "/srv/x", perms: "rw" }))).toThrow(/parsed glob/);
    expect(() => renderServiceProfile(grant({ deny: false, glob, perms: "rwz" }))).toThrow(/permissions/);
    const unix = (perms: string[], addr: unknown, peer: unknown) => grant({ glob, perms, addr, peer });
    expect(renderServiceProfile(unix(["bind", "listen"], "name", null))).toContain('\n  unix (bind, listen) addr="@/srv/x",\n');
    expect(renderServiceProfile(unix(["accept", "send"], "name", "none"))).toContain('\n  unix (accept, send) addr="@/srv/x" peer=(addr=none),\n');
    expect(renderServiceProfile(unix(["connect"], "none", "name"))).toContain('\n  unix (connect) addr=none peer=(addr="@/srv/x"),\n');
    expect(() => renderServiceProfile(unix(["bind", "chmod"], "name", null))).toThrow(/unix permissions/);
    expect(() => renderServiceProfile(unix([], "name", null))).toThrow(/unix permissions/);
    // Peer permissions need a peer condition, local ones refuse it: never a send to any peer at all.
    expect(() => renderServiceProfile(unix(["bind", "send"], "name", null))).toThrow(/unix permissions/);
    expect(() => renderServiceProfile(unix(["connect"], "name", null))).toThrow(/unix permissions/);
    expect(() => renderServiceProfile(unix(["accept"], "name", null))).toThrow(/unix permissions/);
    expect(() => renderServiceProfile(unix(["bind"], "name", "none"))).toThrow(/unix permissions/);
    // Ends: "name" or "none", the peer also null; one of them the grant's name; none missing.
    expect(() => renderServiceProfile(unix(["send"], "none", "none"))).toThrow(/unix rule ends/);
    expect(() => renderServiceProfile(unix(["send"], "@x", "none"))).toThrow(/unix rule ends/);
    expect(() => renderServiceProfile(unix(["send"], "name", "auto"))).toThrow(/unix rule ends/);
    expect(() => renderServiceProfile(grant({ glob, perms: ["bind"], addr: "name" }))).toThrow(/unix rule ends/);
  });
});
