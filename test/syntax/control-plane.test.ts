/**
 * The control plane's syntax: `container` blocks and the items `lxc`, `read`, `run`, `capability` and
 * `network`, with their spans; what a mistake in them reads like; and the new words being reserved.
 */
import { describe, expect, test } from "vitest";
import type { Item, Statement } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";
import type { Span } from "../../src/source.js";

const BRIEF = `tenant control {
  container galera {
    lxc    "infra1-galera-container-3ea2d8f4"              # LXC name (default: NAME)
    volume "/dev/lxc/infra1-galera-container-3ea2d8f4" rw    # its LV, on the host
    volume "/openstack/infra1-galera-container-3ea2d8f4/{,**}" rw   # bind-mounted data, on the host
  }
  service nova-compute {
    exec "/openstack/venvs/nova/bin/nova-compute"
    read "/etc/nova/{,**}"
    run  "/usr/bin/qemu-img" inherit        # child programs: inherit (ix) or own (Px into its service profile)
    capability net_admin, sys_admin
    network inet stream
  }
}
`;

function items(text: string): { items: Item[][]; kinds: string[]; at: (span: Span) => string } {
  const r = parse({ path: "t.iso", text });
  expect(r.diagnostics).toEqual([]);
  const tenant = r.file!.statements[0] as Extract<Statement, { kind: "Tenant" }>;
  return {
    items: tenant.workloads.map((w) => [...w.items]),
    kinds: tenant.workloads.map((w) => `${w.workloadKind.value} ${w.name.name}`),
    at: (span) => text.slice(span.start, span.end),
  };
}

/** The first diagnostic of a text that does not parse: message, where, hint. */
function problem(text: string): { message: string; at: string; hint?: string } {
  const r = parse({ path: "t.iso", text });
  expect(r.file).toBeUndefined();
  const d = r.diagnostics[0]!;
  return { message: `${d.code}: ${d.message}`, at: text.slice(d.span!.start, d.span!.end), ...(d.hint === undefined ? {} : { hint: d.hint }) };
}

describe("the control plane's items", () => {
  test("the example of the issue parses, each item with the span of what it says", () => {
    const { items: [galera, nova], kinds, at } = items(BRIEF);
    expect(kinds).toEqual(["container galera", "service nova-compute"]);
    const show = (item: Item): string[] => {
      switch (item.kind) {
        case "Lxc":
          return [item.kind, at(item.span), at(item.value.span)];
        case "Run":
          return [item.kind, at(item.span), at(item.path.span), item.mode.value];
        case "Capability":
          return [item.kind, at(item.span), ...item.names.map((n) => n.name)];
        case "Network":
          return [item.kind, at(item.span), item.family.name, item.type?.name ?? "-"];
        case "Read":
        case "Exec":
        case "Volume":
          return [item.kind, at(item.span)];
        default:
          return [item.kind];
      }
    };
    expect(galera!.map(show)).toEqual([
      ["Lxc", 'lxc    "infra1-galera-container-3ea2d8f4"', '"infra1-galera-container-3ea2d8f4"'],
      ["Volume", 'volume "/dev/lxc/infra1-galera-container-3ea2d8f4" rw'],
      ["Volume", 'volume "/openstack/infra1-galera-container-3ea2d8f4/{,**}" rw'],
    ]);
    expect(nova!.map(show)).toEqual([
      ["Exec", 'exec "/openstack/venvs/nova/bin/nova-compute"'],
      ["Read", 'read "/etc/nova/{,**}"'],
      ["Run", 'run  "/usr/bin/qemu-img" inherit', '"/usr/bin/qemu-img"', "inherit"],
      ["Capability", "capability net_admin, sys_admin", "net_admin", "sys_admin"],
      ["Network", "network inet stream", "inet", "stream"],
    ]);
  });

  test("a network rule without a type ends at its family; the next item follows", () => {
    const { items: [[netlink, unix]], at } = items("tenant t { service s { network netlink network unix stream } }");
    expect(netlink!.kind === "Network" && [at(netlink!.span), netlink!.type]).toEqual(["network netlink", undefined]);
    expect(unix!.kind === "Network" && [at(unix!.span), unix!.type?.name]).toEqual(["network unix stream", "stream"]);
  });

  test("a capability list may span lines; each name keeps its own span", () => {
    const { items: [[caps]], at } = items("tenant t { service s {\n  capability chown,\n    kill , setuid\n} }");
    expect(caps!.kind).toBe("Capability");
    if (caps!.kind !== "Capability") return;
    expect(caps.names.map((n) => at(n.span))).toEqual(["chown", "kill", "setuid"]);
    expect(at(caps.span)).toBe("capability chown,\n    kill , setuid");
  });

  test("the grammar takes every item in every kind of block; the model says which kind takes which", () => {
    const { kinds } = items('tenant t { vm v { capability kill } container c { run "/x" own read "/y" } service s { lxc "n" } }');
    expect(kinds).toEqual(["vm v", "container c", "service s"]);
  });
});

describe("mistakes in the control plane's items", () => {
  test("run … unconfined is refused, with why", () => {
    expect(problem('tenant t { service s { run "/usr/bin/x" unconfined } }')).toEqual({
      message: "MOAT102: expected 'inherit' or 'own' after the string \"/usr/bin/x\", found 'unconfined'",
      at: "unconfined",
      hint: expect.stringMatching(/^run … unconfined does not exist: a child that leaves confinement \(Ux\) escapes every isolation moat proves/),
    });
  });

  test("a run without its mode", () => {
    expect(problem('tenant t { service s { run "/usr/bin/x" } }')).toMatchObject({ message: "MOAT102: expected 'inherit' or 'own' after the string \"/usr/bin/x\", found '}'" });
  });

  test("another mode than inherit or own, with no hint about unconfined", () => {
    const p = problem('tenant t { service s { run "/usr/bin/x" Px } }');
    expect(p.message).toBe("MOAT102: expected 'inherit' or 'own' after the string \"/usr/bin/x\", found 'Px'");
    expect(p.hint).toBeUndefined();
  });

  test("a trailing comma in a capability list asks for another capability", () => {
    expect(problem("tenant t { service s { capability chown, } }").message).toBe("MOAT102: expected a capability name after ',', found '}'");
  });

  test("a capability written in quotes", () => {
    expect(problem('tenant t { service s { capability "net_admin" } }').message).toBe("MOAT102: expected a capability name after capability, found the string \"net_admin\"");
  });

  test("a network rule without a family", () => {
    expect(problem("tenant t { service s { network } }").message).toBe("MOAT102: expected a network family after network, found '}'");
  });

  test("a container outside a tenant", () => {
    expect(problem("container c { }")).toMatchObject({ hint: "a container belongs inside a tenant block: tenant NAME { container NAME { … } }" });
  });

  test("the new words are keywords and cannot be names", () => {
    for (const word of ["container", "lxc", "read", "run", "inherit", "own", "capability", "network"]) {
      expect(problem(`tenant ${word} { }`).message, word).toMatch(new RegExp(`^MOAT102: expected a tenant name after tenant, found '${word}': '${word}' is a keyword and cannot be a name$`));
    }
    // A name may contain one.
    expect(items("tenant read-only { service run-once { read \"/x\" } }").kinds).toEqual(["service run-once"]);
  });
});
