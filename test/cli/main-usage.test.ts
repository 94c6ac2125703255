import { describe, expect, it } from "vitest";
import { main, missingPackage } from "../../src/cli/main.js";
import { VERSION } from "../../src/version.js";
import { captureIo, tempDir } from "./helpers.js";

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo(tempDir(), env);
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe("moat's usage", () => {
  it("--version prints the version", async () => {
    expect(await run(["--version"])).toEqual({ code: 0, out: `${VERSION}\n`, err: "" });
  });

  it("--help and -h print the overview on stdout; no arguments print it on stderr with exit 2", async () => {
    for (const flag of ["--help", "-h", "help"]) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Usage: moat <command>/);
      for (const command of ["compile", "validate", "check", "fmt", "explain"]) expect(r.out).toContain(`\n  ${command} `);
    }
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^Usage: moat <command>/);
  });

  for (const command of ["compile", "validate", "check", "fmt", "explain"]) {
    it(`${command} --help and -h print the command's help`, async () => {
      for (const argv of [[command, "--help"], [command, "-h"], ["help", command], [command, "x.iso", "--help"]]) {
        const r = await run(argv);
        expect(r).toMatchObject({ code: 0, err: "" });
        expect(r.out).toMatch(new RegExp(`^Usage: moat ${command} (\\[--check\\] )?\\[PATH\\.\\.\\.\\]`));
      }
    });
  }

  it("every option a command accepts is in its help, and every command's options are in the overview", async () => {
    const options: Record<string, string[]> = {
      compile: ["--out", "--format", "--force", "--emit-model", "--timings"],
      validate: ["--format", "--emit-model"],
      check: ["--out", "--format"],
      fmt: ["--check"],
      explain: ["--path", "--workload", "--format"],
    };
    const overview = (await run(["--help"])).out;
    for (const [command, flags] of Object.entries(options)) {
      const help = (await run([command, "--help"])).out;
      const line = overview.split("\n").find((l) => l.startsWith(`  ${command} `))!;
      for (const flag of flags) {
        expect(help).toContain(`  ${flag}`);
        expect(line).toContain(flag);
      }
    }
    expect((await run(["compile", "--help"])).out).toContain("text|json|sarif");
  });

  it("an unknown command is a usage error: message, usage line, exit 2", async () => {
    const r = await run(["frobnicate"]);
    expect(r).toEqual({ code: 2, out: "", err: "moat: unknown command frobnicate\nUsage: moat <command> [options]\nRun 'moat --help' for more.\n" });
  });

  it("an unknown flag, a missing value or a bad --format is a usage error naming it", async () => {
    const bogus = await run(["compile", "--bogus"]);
    expect(bogus.code).toBe(2);
    expect(bogus.err.split("\n")[0]).toMatch(/^moat: Unknown option '--bogus'/);
    expect(bogus.err).toContain("Usage: moat compile [PATH...]");
    expect(bogus.err).toContain("Run 'moat compile --help' for more.");
    // check and validate do not take the other commands' options
    expect((await run(["validate", "--out", "x"])).code).toBe(2);
    expect((await run(["check", "--force"])).code).toBe(2);
    expect((await run(["check", "--emit-model"])).code).toBe(2);
    const missing = await run(["compile", "--out"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--out");
    const format = await run(["validate", "--format", "xml"]);
    expect(format).toMatchObject({ code: 2, out: "" });
    expect(format.err).toContain("moat: --format must be one of text, json, sarif, not xml");
    expect((await run(["explain", "--path", "/x", "--format", "sarif"])).err).toContain("moat: --format must be one of text, json, not sarif");
    expect((await run(["fmt", "--format", "json"])).code).toBe(2);
    expect((await run(["--frob"])).err).toContain("moat: unknown option --frob");
  });

  it("explain needs an absolute --path (or @name); --emit-model refuses options that make no sense with it", async () => {
    const cases: [string[], string][] = [
      [["explain"], "moat: explain needs --path P"],
      [["explain", "--path", "var/lib/x"], 'moat: --path must be an absolute path or @name (an abstract socket), not "var/lib/x"'],
      [["explain", "--path", "@"], "moat: --path @ needs the abstract socket's name"],
      [["explain", "--path", "/x", "--workload", ""], "moat: --workload needs a workload"],
      [["compile", "--emit-model", "--format", "json"], "moat: --emit-model prints the model on stdout; --format json cannot share it"],
      [["validate", "--emit-model", "--format", "sarif"], "moat: --emit-model prints the model on stdout; --format sarif cannot share it"],
      [["compile", "--emit-model", "--out", "x"], "moat: --emit-model writes no files: --out and --force do not apply"],
      [["compile", "--emit-model", "--force"], "moat: --emit-model writes no files"],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r, argv.join(" ")).toMatchObject({ code: 2, out: "" });
      expect(r.err.startsWith(message), `${argv.join(" ")}: ${r.err}`).toBe(true);
      expect(r.err).toContain(`Run 'moat ${argv[0]} --help' for more.`);
    }
  });

  it("turns an exception inside moat into MOAT900 with exit 2 and no stack trace, unless MOAT_DEBUG=1", async () => {
    const failing = (env: Record<string, string>) => {
      const c = captureIo(tempDir(), env);
      const io = { ...c.io, stdout: { write: (): never => { throw new Error("stdout broke"); } } };
      return main(["--version"], io).then((code) => ({ code, err: c.err() }));
    };
    const plain = await failing({});
    expect(plain).toEqual({ code: 2, err: "moat: error MOAT900: internal error in moat: stdout broke\n\n1 error\n" });
    const debug = await failing({ MOAT_DEBUG: "1" });
    expect(debug.code).toBe(2);
    expect(debug.err).toMatch(/Error: stdout broke\n\s+at /);
  });
});

describe("missingPackage", () => {
  const notFound = (message: string, code = "ERR_MODULE_NOT_FOUND"): Error => Object.assign(new Error(message), { code });
  it("names a package that is not installed, from either module system", () => {
    expect(missingPackage(notFound("Cannot find package 'chevrotain' imported from /x/tokens.js"))).toBe("Cannot find package 'chevrotain' imported from /x/tokens.js");
    expect(missingPackage(notFound("Cannot find module 'ajv'\nRequire stack:\n- /x/a.js", "MODULE_NOT_FOUND"))).toBe("Cannot find module 'ajv'");
  });
  it("leaves a missing file of moat itself, and any other error, to MOAT900", () => {
    expect(missingPackage(notFound("Cannot find module '/opt/moat/dist/src/cli/commands.js' imported from /opt/moat/dist/src/cli/main.js"))).toBeUndefined();
    expect(missingPackage(notFound("Cannot find module './commands.js'", "MODULE_NOT_FOUND"))).toBeUndefined();
    expect(missingPackage(new Error("Cannot find package 'x'"))).toBeUndefined();
    expect(missingPackage("Cannot find package 'x'")).toBeUndefined();
  });
});
