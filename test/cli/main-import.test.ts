/** `moat import` on the command line: what it writes where, its exit codes, and that the result compiles. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { novaDomain } from "../import/fixtures.js";
import { captureIo, project, snapshot } from "./helpers.js";

const plain = (name: string, uuid: string): string =>
  `<domain type='kvm'><name>${name}</name><uuid>${uuid}</uuid><devices><disk type='file'><source file='/var/lib/libvirt/images/${name}.qcow2'/><target dev='vda'/></disk></devices></domain>\n`;

describe("moat import", () => {
  it("prints the policy on stdout and a summary on stderr", async () => {
    const dir = project({ "web-01.xml": novaDomain() });
    const c = captureIo(dir);
    expect(await main(["import", "web-01.xml"], c.io)).toBe(0);
    expect(c.out()).toContain("vm instance-0000002a {");
    expect(c.err()).toContain("warning MOAT703");
    expect(c.err()).toContain("moat: imported 1 domain (1 tenant); review it, then moat validate it");
  });

  it("creates --out FILE, which then validates and passes fmt --check, and never replaces a file", async () => {
    const dir = project({ "a.xml": plain("web01", "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"), "b.xml": plain("db01", "1d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04") });
    const c = captureIo(dir);
    expect(await main(["import", "a.xml", "b.xml", "--tenant", "acme", "--out", "policy/host.iso"].slice(0, 5), c.io)).toBe(0);
    fs.mkdirSync(path.join(dir, "policy"));
    expect(await main(["import", "a.xml", "b.xml", "--tenant", "acme", "--out", "policy/host.iso"], captureIo(dir).io)).toBe(0);
    const written = fs.readFileSync(path.join(dir, "policy/host.iso"), "utf8");
    expect(written).toBe(c.out());
    expect(written.match(/^tenant /gm)).toEqual(["tenant "]);
    const validate = captureIo(dir);
    expect(await main(["validate", "policy"], validate.io)).toBe(0);
    expect(await main(["fmt", "--check", "policy"], captureIo(dir).io)).toBe(0);
    // A second import into the same file: refused, the file kept, nothing left beside it.
    const again = captureIo(dir);
    expect(await main(["import", "a.xml", "--tenant", "globex", "--out", "policy/host.iso"], again.io)).toBe(2);
    expect(again.err()).toContain("policy/host.iso exists; moat import writes a new file and never replaces one");
    expect(snapshot(path.join(dir, "policy"))).toEqual({ "host.iso": written });
  });

  it("exits 1 for a refused file and still writes the others; 2 for a missing file", async () => {
    const dir = project({ "a.xml": plain("web01", "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"), "bad.xml": "<domain>" });
    const c = captureIo(dir);
    expect(await main(["import", "a.xml", "bad.xml", "--tenant", "acme"], c.io)).toBe(1);
    expect(c.out()).toContain("vm web01 {");
    expect(c.err()).toContain("bad.xml:1:1: error MOAT701");
    const missing = captureIo(dir);
    expect(await main(["import", "nope.xml", "--tenant", "acme"], missing.io)).toBe(2);
    expect(missing.err()).toContain("MOAT404");
    expect(missing.out()).toBe("");
  });

  it.each([
    [["import"], "import needs domain XML files"],
    [["import", "a.xml", "--tenant", "1acme"], "--tenant 1acme is not a tenant name"],
    [["import", "a.xml", "--tenant", "tenant"], "tenant is a keyword"],
    [["import", "a.xml", "--format", "json"], "Unknown option '--format'"],
  ])("%j is a usage error", async (argv, message) => {
    const c = captureIo(project({}));
    expect(await main(argv, c.io)).toBe(2);
    expect(c.err()).toContain(message);
    expect(c.err()).toContain("Usage: moat import DOMAIN.xml... [--tenant NAME] [--out FILE]");
  });
});
