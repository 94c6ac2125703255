/**
 * Emitted profiles through the real apparmor_parser: they must compile with the real tunables and
 * abstractions, and every path must reach the parser as exactly the bytes the policy meant, whatever
 * it holds (docs/security.md: "nothing in a name or a path can end a string, a rule or a profile").
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { emitOutputs } from "../../src/emit/emit-outputs.js";
import type { Model, Resource } from "../../src/model/types.js";
import { checkProfiles, describeWithValidators, ruleExprs } from "../support/validators.js";
import { computeExample, FakeSource, model, ROOT, service, socket, UUID_WEB, vm, volume } from "./fixtures.js";

const PROFILE_TOOLS = ["apparmor_parser", "libvirt-qemu-abstraction"] as const;

function profiles(m: Model): { name: string; content: string }[] {
  return emitOutputs(m, { version: "0.0.0-test" })
    .filter((o) => o.path.startsWith("apparmor.d/"))
    .map((o) => ({ name: o.path, content: o.content }));
}

/**
 * How `-D rule-exprs` shows a literal path after AppArmor decoded its escapes: a glob character that
 * came from an escape keeps a backslash, every other byte is itself. Observed on apparmor_parser 3.0.8
 * for every byte 1-255 (see the reference notes); stated here independently of the escaper.
 */
function aareOfLiteral(bytes: string): string {
  return bytes.replace(/[*?[\]{},\\^]/g, (c) => "\\" + c);
}

/** Multiset difference of the parser's `aare` globs: what `profile` adds over `baseline`. */
function addedGlobs(profile: string, baseline: string): string[] {
  const count = new Map<string, number>();
  for (const e of ruleExprs(baseline).entries) count.set(e.glob, (count.get(e.glob) ?? 0) + 1);
  const added: string[] = [];
  for (const e of ruleExprs(profile).entries) {
    const n = count.get(e.glob) ?? 0;
    if (n > 0) count.set(e.glob, n - 1);
    else added.push(e.glob);
  }
  return added.sort();
}

/** A one-service model granting `resources`, and the same model granting nothing, for diffing. */
function serviceWith(resources: (span: ReturnType<FakeSource["line"]>) => Resource[]): { with: string; without: string } {
  const file = new FakeSource(`${ROOT}/hostile.iso`);
  const span = file.line("tenant t { service s { ... } }");
  const make = (rs: Resource[]): string =>
    profiles(model({ sources: [file.source()], workloads: [service({ tenant: "t", name: "s", span, resources: rs })] }))[0]!.content;
  return { with: make(resources(span)), without: make([]) };
}

describeWithValidators("emitted profiles and apparmor_parser", PROFILE_TOOLS, () => {
  it("compiles every profile of the compute-01 fixture with the real includes", () => {
    const results = checkProfiles(profiles(computeExample()));
    expect(results.map((r) => r.name)).toEqual([
      "apparmor.d/libvirt-0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04",
      "apparmor.d/libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f",
      "apparmor.d/moat.acme.backup-agent",
    ]);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it("rejects a broken profile (the check can fail)", () => {
    const [first] = profiles(computeExample());
    const broken = first!.content.replace("abi <abi/3.0>,", "abi <abi/3.0>");
    const unclosed = first!.content.replace(/}\n$/, "\n");
    const results = checkProfiles([
      { name: "broken", content: broken },
      { name: "unclosed", content: unclosed },
      { name: "fine", content: first!.content },
    ]);
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ["broken", false],
      ["unclosed", false],
      ["fine", true],
    ]);
    expect(results[0]!.output).toContain("broken");
  });

  it("compiles a vm profile in complain mode with abstractions, and a service without exec", () => {
    const file = new FakeSource(`${ROOT}/modes.iso`);
    const a = file.line("vm");
    const b = file.line("service");
    const m = model({
      sources: [file.source()],
      workloads: [
        vm({ tenant: "t", name: "v", span: a, uuid: UUID_WEB, mode: "complain", abstractions: ["nameservice", "ssl_certs"] }),
        service({ tenant: "t", name: "s", span: b }),
      ],
    });
    const ps = profiles(m);
    expect(ps[0]!.content).toContain(`profile libvirt-${UUID_WEB} flags=(attach_disconnected, complain) {`);
    expect(ps[0]!.content).toContain("  include <abstractions/nameservice>\n  include <abstractions/ssl_certs>\n");
    expect(ps[1]!.content).toContain("profile moat.t.s {\n");
    expect(checkProfiles(ps).filter((r) => !r.ok)).toEqual([]);
  });

  it("hands hostile paths to the parser as exactly the intended literal rules", () => {
    const hostile = [
      '/srv/q"uote',
      "/srv/back\\slash",
      "/srv/with space/x",
      "/srv/a,b",
      "/srv/#hash",
      "/srv/@{HOME}",
      "/srv/close}",
      "/srv/ünïcödé/файл",
      "/srv/lit*?[x]{a,b}^",
      '/srv/x" rw,\n  /** rwx,\n}\nprofile evil {\n  "/',
      "/srv/tab\there\r",
    ];
    // Glob source: a backslash makes each glob character literal.
    const source = (p: string): string => p.replace(/[*?[\]{},\\]/g, (c) => "\\" + c);
    const { with: profile, without } = serviceWith((span) => hostile.map((p) => volume(source(p), "rw", span)));
    expect(checkProfiles([{ name: "hostile", content: profile }]).filter((r) => !r.ok)).toEqual([]);
    const expected = hostile.map((p) => aareOfLiteral(Buffer.from(p, "utf8").toString("latin1"))).sort();
    expect(addedGlobs(profile, without)).toEqual(expected);
    expect(profile).not.toContain("profile evil");
  });

  it("keeps glob operators, literal @ before braces, classes and abstract names exact", () => {
    const { with: profile, without } = serviceWith((span) => [
      volume("/srv/acme/{,**}", "rw", span),
      volume("/srv/@{a,b}", "ro", span),
      volume("/srv/d/[a-c_.-]x", "rw", span),
      volume("/srv/e/*.img", "rw", span),
      volume("/srv/f/\\{a\\,b\\}", "rw", span),
      socket("@acme backup\\*", span),
      socket("@{a,b}", span),
    ]);
    expect(checkProfiles([{ name: "globs", content: profile }]).filter((r) => !r.ok)).toEqual([]);
    expect(addedGlobs(profile, without)).toEqual(
      [
        "/srv/acme/{,**}",
        "/srv/[@]{a,b}",
        "/srv/[@]{a,b}", // the ro volume's deny rule
        "/srv/d/{[a-c],-,.,_}x",
        "/srv/e/*.img",
        "/srv/f/\\{a\\,b\\}",
        // an abstract name: once in each of its three unix rules (bind/listen, server, client side)
        ...Array(3).fill("acme backup\\*"),
        ...Array(3).fill("{a,b}"),
      ].sort(),
    );
  });

  it("reads back any byte string (fuzzed) as exactly those bytes", () => {
    const name = fc
      .array(fc.integer({ min: 1, max: 255 }).filter((b) => b !== 0x2f), { minLength: 1, maxLength: 24 })
      .map((bytes) => String.fromCharCode(...bytes));
    const samples = fc.sample(fc.uniqueArray(name, { minLength: 150, maxLength: 150 }), { numRuns: 1, seed: 20240611 })[0]!;
    const { with: profile, without } = serviceWith((span) =>
      samples.map((bytes) => {
        const r = volume("/t/x", "rw", span);
        return { ...r, path: { ...r.path, glob: { parts: [{ kind: "literal" as const, bytes: "/t/" + bytes }] } } };
      }),
    );
    expect(checkProfiles([{ name: "fuzz", content: profile }]).filter((r) => !r.ok)).toEqual([]);
    expect(addedGlobs(profile, without)).toEqual(samples.map((b) => aareOfLiteral("/t/" + b)).sort());
  });
});
