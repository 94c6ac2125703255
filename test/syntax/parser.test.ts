import { describe, expect, test } from "vitest";
import type { Item, PolicyFile, Statement, StringLiteral } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";
import type { Span } from "../../src/source.js";

function parseOk(text: string): { file: PolicyFile; at: (span: Span) => string } {
  const r = parse({ path: "t.iso", text });
  expect(r.diagnostics).toEqual([]);
  expect(r.file).toBeDefined();
  return { file: r.file!, at: (span) => (expect(span.file).toBe("t.iso"), text.slice(span.start, span.end)) };
}

const textOf = (s: StringLiteral): string => s.parts.map((p) => (p.kind === "Text" ? p.text : `\${${p.name}}`)).join("");

const COMPUTE_EXAMPLE = `# compute-01.iso: who owns what on host compute-01
policy compute-01

let images = "/var/lib/libvirt/images"
protect "/srv/backups/**"                 # no workload may be granted these

tenant acme {
  vm web01 {
    uuid   "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"
    volume "\${images}/acme/web01.qcow2"          rw
    volume "\${images}/base/ubuntu-24.04.qcow2"   ro
    volume "/dev/vg0/acme-web01"                  rw
    device "/dev/vfio/12"                         rw
    socket "/run/libvirt/qemu/acme-web01.sock"
  }
  service backup-agent {
    exec   "/usr/bin/backup-agent"
    volume "/srv/acme/{,**}"                      rw
    socket "@acme-backup"
    abstraction "nameservice"
    mode complain
  }
}

tenant globex {
  vm ci01 {
    uuid   "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"
    volume "\${images}/globex/ci01.qcow2"         rw
    volume "\${images}/base/ubuntu-24.04.qcow2"   ro
  }
}

shared "\${images}/base/**" ro with acme, globex
`;

describe("parser", () => {
  test("a compute host's policy parses into the statements it says", () => {
    const { file, at } = parseOk(COMPUTE_EXAMPLE);
    expect(file.kind).toBe("File");
    expect(file.path).toBe("t.iso");
    expect(file.span).toEqual({ file: "t.iso", start: 0, end: COMPUTE_EXAMPLE.length });
    expect(file.statements.map((s) => at(s.span).split("\n")[0])).toEqual([
      "policy compute-01",
      'let images = "/var/lib/libvirt/images"',
      'protect "/srv/backups/**"',
      "tenant acme {",
      "tenant globex {",
      'shared "${images}/base/**" ro with acme, globex',
    ]);
    const acme = file.statements[3]! as Extract<Statement, { kind: "Tenant" }>;
    expect(at(acme.span).endsWith("mode complain\n  }\n}")).toBe(true);
    expect(acme.workloads.map((w) => [w.workloadKind.value, w.name.name, w.items.map((i) => i.kind).join(",")])).toEqual([
      ["vm", "web01", "Uuid,Volume,Volume,Volume,Device,Socket"],
      ["service", "backup-agent", "Exec,Volume,Socket,Abstraction,Mode"],
    ]);
    expect(file.comments.map((c) => at(c.span))).toEqual(["# compute-01.iso: who owns what on host compute-01", "# no workload may be granted these"]);
    expect(file.comments.map((c) => c.text)).toEqual(file.comments.map((c) => at(c.span)));
  });

  test("policy, let, include and protect: nodes and spans", () => {
    const { file, at } = parseOk('policy  p-1\nlet  x =  "a"\ninclude "common.iso"\nprotect "/etc/**"');
    const [policy, let_, include, protect] = file.statements;
    if (policy?.kind !== "Policy" || let_?.kind !== "Let" || include?.kind !== "Include" || protect?.kind !== "Protect") throw new Error("kinds");
    expect([at(policy.span), at(policy.name.span), policy.name.name]).toEqual(["policy  p-1", "p-1", "p-1"]);
    expect([at(let_.span), at(let_.name.span), at(let_.value.span), textOf(let_.value)]).toEqual(['let  x =  "a"', "x", '"a"', "a"]);
    expect([at(include.span), at(include.path.span), textOf(include.path)]).toEqual(['include "common.iso"', '"common.iso"', "common.iso"]);
    expect([at(protect.span), at(protect.glob.span), textOf(protect.glob)]).toEqual(['protect "/etc/**"', '"/etc/**"', "/etc/**"]);
  });

  test("tenant and workload blocks: nodes and spans", () => {
    const { file, at } = parseOk("tenant t {\n  vm v { }\n  service s {}\n}\ntenant empty {}");
    const [t, empty] = file.statements;
    if (t?.kind !== "Tenant" || empty?.kind !== "Tenant") throw new Error("kinds");
    expect([at(t.span), at(t.name.span)]).toEqual(["tenant t {\n  vm v { }\n  service s {}\n}", "t"]);
    expect(t.workloads.map((w) => [at(w.span), at(w.workloadKind.span), w.workloadKind.value, at(w.name.span), w.items.length])).toEqual([
      ["vm v { }", "vm", "vm", "v", 0],
      ["service s {}", "service", "service", "s", 0],
    ]);
    expect(empty.workloads).toEqual([]);
  });

  test("every item kind: nodes and spans, in any order, in either kind of workload", () => {
    const text = `tenant t { service s {
      mode enforce
      volume "/v"
      volume "/w"   ro
      device "/d" rw
      device "/e"
      socket "@abs"
      abstraction "nameservice"
      exec "/usr/bin/x"
      uuid "u"
      mode   complain
    } }`;
    const { file, at } = parseOk(text);
    const items = (file.statements[0] as Extract<Statement, { kind: "Tenant" }>).workloads[0]!.items;
    const shown = items.map((item: Item) => {
      switch (item.kind) {
        case "Mode":
          return [item.kind, at(item.span), at(item.value.span), item.value.value];
        case "Volume":
        case "Device":
          return [item.kind, at(item.span), at(item.path.span), item.access === undefined ? "-" : `${item.access.value}@${at(item.access.span)}`];
        case "Uuid":
        case "Lxc":
          return [item.kind, at(item.span), at(item.value.span)];
        case "Abstraction":
          return [item.kind, at(item.span), at(item.name.span)];
        case "Run":
          return [item.kind, at(item.span), at(item.path.span), `${item.mode.value}@${at(item.mode.span)}`];
        case "Capability":
          return [item.kind, at(item.span), ...item.names.map((n) => at(n.span))];
        case "Network":
          return [item.kind, at(item.span), at(item.family.span), item.type === undefined ? "-" : at(item.type.span)];
        case "Memory":
        case "HostDevice":
          return [item.kind, at(item.span)];
        default:
          return [item.kind, at(item.span), at(item.path.span)];
      }
    });
    expect(shown).toEqual([
      ["Mode", "mode enforce", "enforce", "enforce"],
      ["Volume", 'volume "/v"', '"/v"', "-"],
      ["Volume", 'volume "/w"   ro', '"/w"', "ro@ro"],
      ["Device", 'device "/d" rw', '"/d"', "rw@rw"],
      ["Device", 'device "/e"', '"/e"', "-"],
      ["Socket", 'socket "@abs"', '"@abs"'],
      ["Abstraction", 'abstraction "nameservice"', '"nameservice"'],
      ["Exec", 'exec "/usr/bin/x"', '"/usr/bin/x"'],
      ["Uuid", 'uuid "u"', '"u"'],
      ["Mode", "mode   complain", "complain", "complain"],
    ]);
  });

  test("shared: glob, ro and one or more tenants", () => {
    const { file, at } = parseOk('shared "/s/**" ro with a\nshared "/t" ro with a ,b,  c-1');
    const [one, three] = file.statements;
    if (one?.kind !== "Shared" || three?.kind !== "Shared") throw new Error("kinds");
    expect([at(one.span), at(one.glob.span), at(one.access.span), one.access.value, one.tenants.map((t) => at(t.span))]).toEqual([
      'shared "/s/**" ro with a', '"/s/**"', "ro", "ro", ["a"],
    ]);
    expect([at(three.span), three.tenants.map((t) => t.name)]).toEqual(['shared "/t" ro with a ,b,  c-1', ["a", "b", "c-1"]]);
  });

  test("statements may come in any order, and a file may be empty or hold only comments", () => {
    expect(parseOk('shared "/x" ro with a\nlet y = "1"\npolicy p').file.statements.map((s) => s.kind)).toEqual(["Shared", "Let", "Policy"]);
    expect(parseOk("").file.statements).toEqual([]);
    const onlyComments = parseOk("# one\n\n   # two\n");
    expect([onlyComments.file.statements.length, onlyComments.file.comments.length]).toEqual([0, 2]);
  });

  test("the parser is reused: a failed parse leaves nothing behind for the next one", () => {
    expect(parse({ path: "bad.iso", text: "tenant {" }).file).toBeUndefined();
    const again = parseOk("policy p");
    expect(again.file.statements).toHaveLength(1);
    expect(parse({ path: "bad.iso", text: "tenant {" })).toEqual(parse({ path: "bad.iso", text: "tenant {" }));
  });
});
