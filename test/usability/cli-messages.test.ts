/** The command line a first-time user meets: suggestions, the success line, colour, and the include-only hint. */
import { describe, expect, it } from "vitest";
import { takeColorOption, wantsColor } from "../../src/cli/main.js";
import { ACME, project, runMain } from "../cli/helpers.js";

const ESC = "\u001b[";

describe("did you mean, on the command line", () => {
  it("names the nearest command", async () => {
    const r = await runMain(project({}), ["compil", "x"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toBe("moat: unknown command compil; did you mean compile?");
  });

  it("names the nearest option of the command", async () => {
    const r = await runMain(project({ "a.iso": ACME }), ["validate", "--fromat", "json"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toBe("moat: Unknown option '--fromat'; did you mean --format?");
  });

  it("says nothing more for a word near nothing", async () => {
    expect((await runMain(project({}), ["frobnicate"])).err.split("\n")[0]).toBe("moat: unknown command frobnicate");
  });
});

describe("a clean validate", () => {
  it("says so in one line on stderr", async () => {
    const r = await runMain(project({ "a.iso": ACME }), ["validate"]);
    expect(r).toEqual({ code: 0, out: "", err: "moat: policy test is valid: 1 file, 1 tenant, 1 workload\n" });
  });

  it("keeps --format json and sarif to their one document", async () => {
    const dir = project({ "a.iso": ACME });
    expect(await runMain(dir, ["validate", "--format", "json"])).toEqual({ code: 0, out: "[]\n", err: "" });
    expect((await runMain(dir, ["validate", "--format", "sarif"])).err).toBe("");
  });

  it("and a policy with errors gets no success line", async () => {
    const r = await runMain(project({ "a.iso": "tenant acme {\n" }), ["validate"]);
    expect(r.code).toBe(1);
    expect(r.err).not.toContain("valid");
  });
});

describe("colour", () => {
  const broken = { "a.iso": 'tenant acme {\n  service a {\n    volume "/srv/acme/{,**}" RW\n  }\n}\n' };

  it("colours a terminal's diagnostics, and nothing else", async () => {
    const dir = project(broken);
    const tty = await runMain(dir, ["validate"], { tty: { stdout: false, stderr: true } });
    expect(tty.err).toContain(`${ESC}1;31merror MOAT102${ESC}0m`);
    expect(tty.err).toContain(`${ESC}1;36mhint:${ESC}0m write rw, in lower case`);
    expect(tty.err.replace(/\u001b\[[0-9;]*m/g, "")).toBe((await runMain(dir, ["validate"])).err);
    expect((await runMain(dir, ["validate"])).err).not.toContain(ESC);
  });

  it("respects NO_COLOR and --color", async () => {
    const dir = project(broken);
    const onTty = { tty: { stdout: true, stderr: true } };
    expect((await runMain(dir, ["validate"], { ...onTty, env: { NO_COLOR: "1" } })).err).not.toContain(ESC);
    expect((await runMain(dir, ["validate", "--color=never"], onTty)).err).not.toContain(ESC);
    expect((await runMain(dir, ["validate", "--color=always"])).err).toContain(ESC);
    expect((await runMain(dir, ["--no-color", "validate"], onTty)).err).not.toContain(ESC);
    const bad = await runMain(dir, ["validate", "--color=sometimes"]);
    expect(bad.code).toBe(2);
    expect(bad.err.split("\n")[0]).toBe("moat: --color must be auto, always or never, not sometimes");
  });

  it("decides auto from the stream, NO_COLOR and TERM", () => {
    expect(wantsColor("auto", true, {})).toBe(true);
    expect(wantsColor("auto", false, {})).toBe(false);
    expect(wantsColor("auto", true, { NO_COLOR: "" })).toBe(true);
    expect(wantsColor("auto", true, { NO_COLOR: "x" })).toBe(false);
    expect(wantsColor("auto", true, { TERM: "dumb" })).toBe(false);
    expect(takeColorOption(["validate", "--color", "never", "p"])).toEqual({ args: ["validate", "p"], color: "never" });
    expect(takeColorOption(["validate", "--", "--color"])).toEqual({ args: ["validate", "--", "--color"], color: "auto" });
  });
});

describe("a file meant to be included, compiled on its own", () => {
  const tree = {
    "hosts/main.iso": 'policy h\nlet images = "/var/lib/libvirt/images"\n\ninclude "../tenants/acme.iso"\n',
    "tenants/acme.iso": 'tenant acme {\n  vm web01 {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "${images}/acme/web01.qcow2" rw\n    volume "${images}/acme/web01.iso" ro\n  }\n}\n',
  };

  it("says which file includes it and what to compile", async () => {
    const dir = project(tree);
    const r = await runMain(dir, ["validate", "tenants/acme.iso"]);
    expect(r.code).toBe(1);
    const hints = r.err.split("\n").filter((l) => l.startsWith("  hint:"));
    expect(hints).toEqual(["  hint: this file is meant to be included: hosts/main.iso includes it (line 4); compile the folder that holds both (.)"]);
    expect(r.err).toContain("tenants/acme.iso:4:13: error MOAT201: ${images} is not defined by an earlier let");
  });

  it("says what to do when no includer is found", async () => {
    const dir = project({ "tenants/acme.iso": tree["tenants/acme.iso"] });
    const r = await runMain(dir, ["validate", "tenants/acme.iso"]);
    expect(r.err).toContain("  hint: if this file is meant to be included, compile the file that includes it, or a folder that holds both");
  });

  it("compiles cleanly from the folder it names", async () => {
    expect((await runMain(project(tree), ["validate", "."])).code).toBe(0);
  });

  it("names the including file when it holds the included one", async () => {
    const dir = project({ "main.iso": 'let images = "/i"\ninclude "tenants/acme.iso"\n', "tenants/acme.iso": tree["tenants/acme.iso"] });
    expect((await runMain(dir, ["validate", "tenants/acme.iso"])).err).toContain("  hint: this file is meant to be included: main.iso includes it (line 2); compile that file, or its folder (.)");
  });
});
