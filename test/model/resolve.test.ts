import { describe, expect, it } from "vitest";
import { compileTexts, located, spanText } from "../support/memory.js";

const UUID_A = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const UUID_B = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";

function vm(name: string, uuid: string, extra = ""): string {
  return `vm ${name} {\n  uuid "${uuid}"\n  volume "/var/lib/libvirt/images/${name}.qcow2"\n${extra}}\n`;
}

describe("lets", () => {
  it("substitutes earlier lets, keeping escaped glob characters literal", () => {
    const result = compileTexts({
      "/p/main.iso": `let images = "/srv/img\\*"\nlet sub = "\${images}/x"\ntenant a { ${vm("w", UUID_A, '  volume "${sub}/{a,b}.raw" ro\n')} }\n`,
    });
    expect(located(result)).toEqual([]);
    const volume = result.model!.tenants[0]!.workloads[0]!.resources.find((r) => r.path.text.includes("srv"));
    expect(volume?.path.text).toBe("/srv/img\\*/x/{a,b}.raw");
    expect(volume?.access).toBe("ro");
  });

  it("reports a let refused for its value once, not again as undefined at each use", () => {
    const long = "a".repeat(5000);
    const result = compileTexts({ "/p/main.iso": `let big = "/srv/${long}"\nlet b = "\${big}/x"\nprotect "\${b}"\nprotect "\${nope}"\n` });
    expect(located(result)).toEqual(["MOAT221@/p/main.iso:1:11", "MOAT201@/p/main.iso:4:10"]);
  });

  it("reports an undefined name at the interpolation", () => {
    const result = compileTexts({ "/p/main.iso": `protect "\${nope}/x"\n` });
    expect(located(result)).toEqual(["MOAT201@/p/main.iso:1:10"]);
    expect(spanText(result, result.diagnostics[0]!)).toBe("${nope}");
  });

  it("does not let a later let be used before its definition", () => {
    const result = compileTexts({ "/p/main.iso": `protect "\${late}"\nlet late = "/x"\n` });
    expect(located(result)).toEqual(["MOAT201@/p/main.iso:1:10"]);
  });

  it("reports a duplicate let with the first definition as related", () => {
    const result = compileTexts({ "/p/main.iso": `let a = "/x"\nlet a = "/y"\n` });
    expect(located(result)).toEqual(["MOAT202@/p/main.iso:2:5"]);
    expect(result.diagnostics[0]!.related.map((r) => r.span.start)).toEqual([4]);
  });
});

describe("includes", () => {
  it("resolves relative to the including file and expands in place", () => {
    const result = compileTexts({
      "/p/main.iso": `policy host\nlet img = "/var/img"\ninclude "tenants/a.iso"\n`,
      "/p/tenants/a.iso": `tenant a { ${vm("w", UUID_A, '  volume "${img}/w.raw"\n')} }\n`,
    }, ["/p/main.iso"]);
    expect(located(result)).toEqual([]);
    expect(result.model!.policy?.name).toBe("host");
    expect(result.model!.sources.map((s) => s.path)).toEqual(["/p/main.iso", "/p/tenants/a.iso"]);
    expect(result.model!.root).toBe("/p");
  });

  it("gives the same model whatever the order of the entries, an included entry resolving where it is included", () => {
    const files = {
      "/p/main.iso": `let img = "/var/img"\ninclude "a/t.iso"\n`,
      "/p/a/t.iso": `tenant a { ${vm("w", UUID_A, '  volume "${img}/w.raw"\n')} }\n`,
    };
    const one = compileTexts(files, ["/p/main.iso", "/p/a/t.iso"]);
    const two = compileTexts(files, ["/p/a/t.iso", "/p/main.iso"]);
    expect(located(one)).toEqual([]);
    expect(JSON.stringify(two.model)).toBe(JSON.stringify(one.model));
    expect(two.outputs).toEqual(one.outputs);
  });

  it("reports a missing include at its path", () => {
    const result = compileTexts({ "/p/main.iso": `include "gone.iso"\n` });
    expect(located(result)).toEqual(["MOAT203@/p/main.iso:1:9"]);
    expect(result.diagnostics[0]!.message).toBe('cannot read included file "gone.iso": no such file');
  });

  it("reports a cycle naming the chain relative to the compilation root", () => {
    const result = compileTexts({
      "/p/main.iso": `include "a.iso"\n`,
      "/p/a.iso": `include "b.iso"\n`,
      "/p/b.iso": `include "a.iso"\n`,
    }, ["/p/main.iso"]);
    expect(located(result)).toEqual(["MOAT204@/p/b.iso:1:9"]);
    expect(result.diagnostics[0]!.message).toBe("include cycle: a.iso -> b.iso -> a.iso");
  });

  it("follows a chain of 10,000 includes, and reports the cycle that closes it once (no MOAT900)", () => {
    // Reading, the cycle search and the model each followed includes by recursion: past a few thousand
    // files deep, the call stack overflowed and the compile ended in an internal error.
    const depth = 10_000;
    const files: Record<string, string> = {};
    for (let i = 0; i < depth; i++) files[`/p/f${i}.iso`] = `${i + 1 < depth ? `include "f${i + 1}.iso"\n` : ""}protect "/srv/p${i}"\n`;
    const chain = compileTexts(files, ["/p/f0.iso"]);
    expect(located(chain)).toEqual([]);
    // Each include is expanded where it stands, before the protect after it: the deepest file comes first.
    const order = chain.model!.protect.map((p) => p.text);
    expect([order[0], order[1], order[depth - 1]]).toEqual([`/srv/p${depth - 1}`, `/srv/p${depth - 2}`, "/srv/p0"]);
    expect(chain.model!.protect).toHaveLength(depth);
    files[`/p/f${depth - 1}.iso`] = `include "f0.iso"\n`;
    const cycle = compileTexts(files, ["/p/f0.iso"]);
    expect(located(cycle)).toEqual([`MOAT204@/p/f${depth - 1}.iso:1:9`]);
  }, 60_000);

  it("resolves a file included twice once", () => {
    const result = compileTexts({
      "/p/main.iso": `include "lets.iso"\ninclude "t.iso"\n`,
      "/p/t.iso": `include "lets.iso"\ntenant a { ${vm("w", UUID_A)} }\n`,
      "/p/lets.iso": `let x = "/x"\n`,
    }, ["/p/main.iso"]);
    expect(located(result)).toEqual([]);
  });
});

describe("tenants and workloads", () => {
  it("merges a tenant across blocks and files, sorting tenants and workloads by name", () => {
    const result = compileTexts({
      "/p/one.iso": `tenant zeta { ${vm("z1", UUID_A)} }\ntenant acme { ${vm("b", UUID_B)} }\n`,
      "/p/two.iso": `tenant acme {\n service agent {\n  exec "/usr/bin/agent"\n  socket "@acme-agent"\n  mode complain\n }\n}\n`,
    });
    // The complain-mode agent is said out loud, at its mode line.
    expect(located(result)).toEqual(["MOAT311@/p/two.iso:5:3"]);
    const model = result.model!;
    expect(model.tenants.map((t) => t.name)).toEqual(["acme", "zeta"]);
    expect(model.tenants[0]!.workloads.map((w) => `${w.kind}:${w.name}`)).toEqual(["service:agent", "vm:b"]);
    expect(model.tenants[0]!.spans).toHaveLength(2);
    const agent = model.tenants[0]!.workloads[0]!;
    expect(agent.mode).toBe("complain");
    expect(agent.exec?.text).toBe("/usr/bin/agent");
    expect(agent.resources).toMatchObject([{ kind: "socket", namespace: "abstract", path: { text: "@acme-agent" } }]);
  });

  it("lowercases uuids, defaults access to rw and mode to enforce, and adds a vm's implied grants after its own", () => {
    const result = compileTexts({ "/p/m.iso": `tenant a { ${vm("w", UUID_A.toUpperCase())} }\n` });
    expect(located(result)).toEqual([]);
    const w = result.model!.tenants[0]!.workloads[0]!;
    expect(w.uuid).toBe(UUID_A);
    expect(w.mode).toBe("enforce");
    expect(w.resources[0]).toMatchObject({ kind: "volume", access: "rw", namespace: "path" });
    expect(w.resources.slice(1).every((r) => r.kind === "implied")).toBe(true);
    expect(w.resources.some((r) => r.path.text === "/var/log/libvirt/**/w.log")).toBe(true);
  });

  it("reports a duplicate workload within a tenant, across blocks", () => {
    const result = compileTexts({ "/p/m.iso": `tenant a { ${vm("w", UUID_A)} }\ntenant a { ${vm("w", UUID_B)} }\n` });
    expect(located(result)).toContain("MOAT206@/p/m.iso:6:15");
    expect(result.diagnostics.find((d) => d.code === "MOAT206")!.related[0]!.span.start).toBe(14);
  });

  it("reports a vm name used by two tenants and a uuid used twice", () => {
    const result = compileTexts({ "/p/m.iso": `tenant a { ${vm("w", UUID_A)} }\ntenant b { ${vm("w", UUID_B)} ${vm("v", UUID_A)} }\n` });
    expect(located(result)).toEqual(["MOAT207@/p/m.iso:6:15", "MOAT208@/p/m.iso:10:5"]);
    expect(result.diagnostics.map((d) => spanText(result, d))).toEqual(["w", "v"]);
    expect(result.diagnostics[1]!.message).toBe(`uuid ${UUID_A} is already used by vm a/w`);
  });

  it("requires a uuid on a vm and rejects items of the other kind", () => {
    const result = compileTexts({
      "/p/m.iso": `tenant a {\n vm w { volume "/x.img" }\n service s { uuid "${UUID_A}" exec "/bin/s" volume "/y" }\n vm v { uuid "${UUID_B}" exec "/bin/v" volume "/z" }\n}\n`,
    });
    expect(located(result)).toEqual(["MOAT209@/p/m.iso:2:5", "MOAT210@/p/m.iso:3:14", "MOAT210@/p/m.iso:4:53"]);
    expect(result.diagnostics.map((d) => spanText(result, d).split(" ")[0])).toEqual(["w", "uuid", "exec"]);
  });

  it("reports a malformed uuid, an item given twice, and an invalid abstraction name", () => {
    const result = compileTexts({
      "/p/m.iso": `tenant a {\n vm w {\n  uuid "not-a-uuid"\n  volume "/x"\n  mode complain\n  mode enforce\n  abstraction "../evil"\n }\n}\n`,
    });
    expect(located(result)).toEqual(["MOAT211@/p/m.iso:3:8", "MOAT212@/p/m.iso:6:3", "MOAT216@/p/m.iso:7:15"]);
  });

  it("checks path shapes: absolute, no NUL, no dot components, no double slash, valid globs", () => {
    const result = compileTexts({
      "/p/m.iso": [
        "tenant a {",
        " service s {",
        '  volume "relative/x"',
        '  volume "/a/../b"',
        '  volume "/a//b"',
        '  volume "/a/{.,b}/c"',
        '  device "/dev/{a}"',
        '  socket "@"',
        '  volume "/ok/file"',
        " }",
        "}",
      ].join("\n"),
    });
    expect(located(result)).toEqual([
      "MOAT213@/p/m.iso:3:10",
      "MOAT214@/p/m.iso:4:10",
      "MOAT214@/p/m.iso:5:10",
      "MOAT214@/p/m.iso:6:10",
      "MOAT215@/p/m.iso:7:10",
      "MOAT217@/p/m.iso:8:10",
    ]);
  });

  it("reports a shared statement naming an unknown tenant, and a conflicting policy name", () => {
    const result = compileTexts({
      "/p/m.iso": `policy one\npolicy two\ntenant a { ${vm("w", UUID_A)} }\nshared "/base/**" ro with a, ghost\n`,
    });
    expect(located(result)).toEqual(["MOAT205@/p/m.iso:2:8", "MOAT219@/p/m.iso:8:30"]);
    expect(result.diagnostics.map((d) => spanText(result, d))).toEqual(["two", "ghost"]);
  });

  it("warns about a workload that grants nothing of its own", () => {
    const result = compileTexts({ "/p/m.iso": `tenant a {\n service idle { exec "/bin/idle" }\n}\n` });
    expect(located(result)).toEqual(["MOAT220@/p/m.iso:2:10"]);
    expect(result.diagnostics[0]!.severity).toBe("warning");
  });

  it("does not warn about a vm with no grant of its own (booted from the network): it carries libvirt's rules", () => {
    const result = compileTexts({ "/p/m.iso": `tenant a {\n vm pxe {\n  uuid "${UUID_A}"\n }\n}\n` });
    expect(located(result)).toEqual([]);
    expect(result.outputs.find((o) => o.path === `apparmor.d/libvirt-${UUID_A}`)?.content).toContain(`"/var/log/libvirt/**/pxe.log" w,`);
  });
});

describe("the pipeline", () => {
  it("reports no input and produces nothing", () => {
    const result = compileTexts({}, []);
    expect(located(result)).toEqual(["MOAT218"]);
    expect(result.outputs).toEqual([]);
  });

  it("produces no outputs when any error is found", () => {
    const result = compileTexts({ "/p/m.iso": `tenant a { vm w { volume "/x" } }\n` });
    expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
    expect(result.outputs).toEqual([]);
  });
});

describe("string length", () => {
  it("refuses a path longer than PATH_MAX, at the string", () => {
    const result = compileTexts({ "/p/m.iso": `tenant a {\n service s {\n  volume "/srv/${"a".repeat(5000)}"\n }\n}\n` });
    expect(located(result)).toEqual(["MOAT221@/p/m.iso:3:10"]);
    expect(result.diagnostics[0]!.message).toBe("this string is 5005 bytes long once ${…} are substituted; at most 4096 are allowed");
  });

  it("counts bytes, not characters", () => {
    const result = compileTexts({ "/p/m.iso": `tenant a {\n service s {\n  volume "/srv/${"é".repeat(2100)}"\n }\n}\n` });
    expect(located(result)).toEqual(["MOAT221@/p/m.iso:3:10"]);
  });

  it("stops lets that double each other (a billion laughs) at the let that grows too long", () => {
    const lets = ['let l0 = "/aaaaaaaaaaaaaaaa"', ...Array.from({ length: 40 }, (_, i) => `let l${i + 1} = "\${l${i}}\${l${i}}"`)];
    const result = compileTexts({ "/p/m.iso": lets.join("\n") + "\n" });
    // l0 is 17 bytes, so l7 is 2176 and l8 would be 4352: the one refusal is at l8 (line 9). Every later
    // let uses a refused one and is refused too, without a report of its own: the cause is said once.
    expect(located(result)).toEqual(["MOAT221@/p/m.iso:9:10"]);
  });
});

describe("path shape on what a path writes", () => {
  const volume = (path: string) => compileTexts({ "/p/m.iso": `tenant a {\n service s {\n  volume "${path}"\n }\n}\n` });
  it.each([
    ["/srv/h/h{a,b}./x", "a '.' after an alternation ends a longer component"],
    ["/srv/h/h\\\\,.", "an escaped comma is part of the component"],
    ["/srv/h/h{.,b}", "a branch that continues a component"],
    ["/srv/h/a,./x", "a literal comma outside braces"],
    ["/srv/h/*/x", "a wildcard that could match '.' at run time is no written component"],
    [`/srv/${"{a,b}".repeat(30)}/x`, "a billion spellings, none with a '.' component"],
  ])("allows %s (%s)", (path) => {
    expect(located(volume(path))).toEqual([]);
  });
  it.each([
    ["/srv/./x", "'.'"],
    ["/srv/{a,..}/x", "'..'"],
    ["/srv/{.,a}", "'.'"],
    ["/srv/x/{/y,z}", "'//'"],
    // Past any bound on spellings the check still holds: it follows every spelling at once.
    [`/srv/${"{a,b}".repeat(9)}/../x`, "'..'"],
    [`/usr/bin/${"{a,b}".repeat(30)}//x`, "'//'"],
  ])("refuses %s (a %s it writes)", (path, what) => {
    const result = volume(path);
    expect(located(result)).toEqual(["MOAT214@/p/m.iso:3:10"]);
    expect(result.diagnostics[0]!.message).toContain(what);
  });
});
