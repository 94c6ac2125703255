/**
 * `moat nova-hook` under --root with Nova-shaped domain XMLs: what it places on prepare begin, what it
 * leaves alone, what it refuses (writing nothing), and that every other operation is silent and 0.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runNovaHook, type ReadStdin } from "../../src/cli/nova-hook-command.js";
import { ACME_PROJECT, compiledTree, GLOBEX_PROJECT, INSTANCE, INSTANCES, memoryIo, novaDomain, novaPolicy } from "./fixture.js";

let tree: ReturnType<typeof compiledTree>;
beforeEach(() => {
  tree = compiledTree();
});
afterEach(() => tree.remove());

const stdin = (text: string): ReadStdin => async (limit) => (text.length >= limit ? { error: "the domain XML is too long" } : text);
const PROFILE = (uuid = INSTANCE): string => join(tree.root, "etc/apparmor.d/libvirt", `libvirt-${uuid}`);
const placed = (): string[] => readdirSync(join(tree.root, "etc/apparmor.d/libvirt"));

async function hook(args: string[], xml: string): Promise<{ code: number; out: string; err: string }> {
  const { io, out, err } = memoryIo(tree.root);
  const code = await runNovaHook([...args, "--from", tree.from, "--root", tree.root], io, stdin(xml));
  return { code, out: out(), err: err() };
}

describe("prepare begin", () => {
  it("places the instance's profile with its tenant's fragment, libvirt's .files and the other instances' denies", async () => {
    const result = await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain());
    expect(result).toEqual({ code: 0, out: "", err: "" });
    const profile = readFileSync(PROFILE(), "utf8");
    expect(profile.split("\n").slice(0, 10)).toEqual([
      "# moat nova-hook: placed",
      expect.stringContaining(`# Nova instance ${INSTANCE} (project ${ACME_PROJECT}, tenant acme)`),
      "abi <abi/3.0>,",
      "",
      "include <tunables/global>",
      "",
      `profile libvirt-${INSTANCE} flags=(attach_disconnected) {`,
      "  include <abstractions/libvirt-qemu>",
      "  include <moat/nova/tenant.acme>",
      `  include <libvirt/libvirt-${INSTANCE}.files>`,
    ]);
    expect(profile.match(/^ {2}deny "\/var\/lib\/nova\/instances\/.*" rwlkmx,$/gm)).toHaveLength(32);
    expect(placed()).toEqual([`libvirt-${INSTANCE}`]);
  });

  it("writes nothing when the profile already says the same, and rewrites it when it does not", async () => {
    await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain());
    const first = readFileSync(PROFILE(), "utf8");
    // The same domain again: the file is the same one, not rewritten (a new file would be a new inode).
    const before = statSync(PROFILE());
    expect((await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain())).code).toBe(0);
    const after = statSync(PROFILE());
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    writeFileSync(PROFILE(), "tampered");
    expect((await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain())).code).toBe(0);
    expect(readFileSync(PROFILE(), "utf8")).toBe(first);
    expect(placed()).toEqual([`libvirt-${INSTANCE}`]);
  });

  it("lowercases the uuid, as libvirt names the profile", async () => {
    await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain({ uuid: INSTANCE.toUpperCase() }));
    expect(placed()).toEqual([`libvirt-${INSTANCE}`]);
  });

  it("refuses an unknown project under unknown-project refuse, saying why, and writes nothing", async () => {
    const result = await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain({ project: "ffffffffffffffffffffffffffffffff" }));
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toBe(
      "moat nova-hook: refusing to start domain instance-0000002a: project ffffffffffffffffffffffffffffffff is claimed by no tenant of the policy, and the policy says unknown-project refuse\n",
    );
    expect(placed()).toEqual([]);
    const bare = await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain({ project: null }));
    expect(bare.code).toBe(1);
    expect(bare.err).toContain("no Nova project metadata");
  });

  it("starts an unknown project under the unassigned fragment when the policy says so", async () => {
    tree.remove();
    tree = compiledTree(novaPolicy("unassigned"));
    expect((await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain({ project: "ffff" }))).code).toBe(0);
    expect(readFileSync(PROFILE(), "utf8")).toContain("  include <moat/nova/unassigned>\n");
  });

  it("refuses a malformed project id even under unknown-project unassigned", async () => {
    tree.remove();
    tree = compiledTree(novaPolicy("unassigned"));
    const result = await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain({ project: "acme/../x" }));
    expect(result.code).toBe(1);
    expect(result.err).toContain("is not a Keystone project ID");
    expect(placed()).toEqual([]);
  });

  it("gives another tenant's instance its own tenant's fragment", async () => {
    await hook(["instance-0000002b", "prepare", "begin", "-"], novaDomain({ project: GLOBEX_PROJECT }));
    expect(readFileSync(PROFILE(), "utf8")).toContain("  include <moat/nova/tenant.globex>\n");
  });

  it("leaves a domain with a static apparmor seclabel alone", async () => {
    const seclabel = `\n  <seclabel type="static" model="apparmor" relabel="no"><label>libvirt-${INSTANCE}</label></seclabel>`;
    expect(await hook(["web01", "prepare", "begin", "-"], novaDomain({ seclabel }))).toEqual({ code: 0, out: "", err: "" });
    expect(placed()).toEqual([]);
  });

  it("refuses when the compiled folder is missing or damaged", async () => {
    writeFileSync(join(tree.from, "moat-nova.json"), JSON.stringify({ format: 1, version: "x", instances: "/var/lib/{a,b}", unknownProject: "refuse", projects: {}, fragments: {}, unassigned: "moat/nova/unassigned" }));
    const result = await hook(["instance-0000002a", "prepare", "begin", "-"], novaDomain());
    expect(result.code).toBe(1);
    expect(result.err).toContain("moat-nova.json has no plain instances folder");
    expect(placed()).toEqual([]);
  });
});

describe("hostile or malformed domain XML is refused, and nothing is written", () => {
  const cases: [string, string][] = [
    ["huge", novaDomain().replace("<vcpu>", `<!-- ${"x".repeat(1 << 20)} --><vcpu>`)],
    ["deeply nested", novaDomain().replace("<vcpu>1</vcpu>", `${"<a>".repeat(5000)}${"</a>".repeat(5000)}<vcpu>1</vcpu>`)],
    ["an internal entity", `<!DOCTYPE domain [<!ENTITY p "${ACME_PROJECT}">]>\n${novaDomain({ project: "&p;" })}`],
    ["an external entity", `<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/shadow">]>\n${novaDomain().replace("<vcpu>1", "<vcpu>&x;1")}`],
    ["a project id with a quote", novaDomain({ project: `${ACME_PROJECT}&quot; r, /** rwx, &quot;` })],
    ["a project id with slashes", novaDomain({ project: "../../etc/apparmor.d/usr.sbin.libvirtd" })],
    ["a uuid with glob characters", novaDomain({ uuid: "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8*" })],
    ["a uuid with a path", novaDomain({ uuid: "../../../etc/shadow" })],
    ["two uuids", novaDomain().replace("<name>", `<uuid>${INSTANCE}</uuid><name>`)],
    ["two projects", novaDomain({ extraMetadata: `<nova:owner><nova:project uuid="${GLOBEX_PROJECT}">x</nova:project></nova:owner>` })],
    ["malformed", novaDomain().slice(0, 400)],
    ["not a domain", `<network><name>x</name></network>`],
    ["empty", ""],
  ];
  for (const [name, xml] of cases) {
    it(name, async () => {
      const result = await hook(["instance-0000002a", "prepare", "begin", "-"], xml);
      expect(result.code, result.err).toBe(1);
      expect(result.err).toMatch(/^moat nova-hook: refusing to start domain instance-0000002a: .+\n$/);
      expect(result.out).toBe("");
      expect(placed()).toEqual([]);
    });
  }
});

describe("every other operation", () => {
  const operations = [
    ["start", "begin"], ["started", "begin"], ["stopped", "end"], ["release", "end"], ["migrate", "begin"], ["restore", "begin"],
    ["reconnect", "begin"], ["attach", "begin"], ["prepare", "end"], ["prepare", "begins"],
  ];
  for (const [operation, sub] of operations) {
    it(`${operation} ${sub}: exit 0, silent, stdin never read, whatever the arguments`, async () => {
      const { io, out, err } = memoryIo(tree.root);
      const never: ReadStdin = async () => {
        throw new Error("stdin read");
      };
      expect(await runNovaHook(["--from", operation!, sub!, "-", "--bogus"], io, never)).toBe(0);
      expect(await runNovaHook(["instance-0000002a", operation!, sub!, "-", "--from", "/nonexistent"], io, never)).toBe(0);
      expect(out() + err()).toBe("");
      expect(placed()).toEqual([]);
    });
  }
});

describe("the hook's reach", () => {
  it("imports no network module and reads no policy source", () => {
    for (const file of ["src/cli/nova-hook-command.ts", "src/install/nova-hook.ts", "src/install/nova-domain.ts", "src/install/nova-instance-denies.ts"]) {
      const text = readFileSync(join(__dirname, "../..", file), "utf8");
      expect(text, file).not.toMatch(/from "node:(net|http|https|dns|dgram|tls|child_process)"/);
      expect(text, file).not.toMatch(/from "[^"]*(compile|load-files|read-source|find-inputs|syntax\/)[^"]*"/);
    }
    expect(existsSync(join(tree.from, "moat-nova.json"))).toBe(true);
    expect(INSTANCES).toBe("/var/lib/nova/instances");
  });
});
