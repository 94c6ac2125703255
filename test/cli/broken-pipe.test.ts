/**
 * A reader that closes the pipe early (`moat check | head -1`): moat, the real `bin/moat.js` in a child
 * process, must end quietly with status 141 (as if killed by SIGPIPE), never with node's EPIPE stack
 * trace, whatever the command. Each command is given far more output than a pipe holds (64 KiB), so the
 * child is still writing, blocked, when the test reads one line and closes the pipe.
 *
 * The child runs bin/moat.js as it is in the repository, on a fresh JavaScript copy of the sources (its
 * `../dist` is linked to that copy), so the test does not depend on a previous `npm run build`. Every
 * folder the test makes is removed afterwards.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN_PIPE_STATUS, runAsProcess } from "../../src/cli/main.js";
import { builtRoot, REPO } from "../hardening/support/build.js";
import { STACK_FRAME } from "../hardening/support/child.js";

/** VMs in the policy, one unformatted file each: every command then prints about a megabyte. */
const VMS = 1500;

let root: string;
let bin: string;
let policy: string;

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "moat-pipe-")));
  fs.mkdirSync(path.join(root, "bin"));
  bin = path.join(root, "bin", "moat.js");
  fs.copyFileSync(path.join(REPO, "bin", "moat.js"), bin);
  fs.writeFileSync(path.join(root, "package.json"), '{"type":"module"}\n');
  fs.symlinkSync(builtRoot(), path.join(root, "dist"), "dir");
  policy = path.join(root, "policy");
  fs.mkdirSync(policy);
  for (let i = 0; i < VMS; i++) {
    const uuid = `6f1c2a3e-0b7d-4a52-9a39-${i.toString(16).padStart(12, "0")}`;
    // One line per VM: `fmt --check` has a diff to print for every file. Complain mode is a warning
    // (MOAT311) for each, so json and sarif have one result per VM too (the /dev/mapper volumes, links on
    // the host, are one MOAT307 summary for them all).
    fs.writeFileSync(path.join(policy, `vm${i}.iso`), `tenant t${i % 7} { vm vm${i} { uuid "${uuid}" volume "/dev/mapper/vg0-vm${i}" rw mode complain } }\n`);
  }
}, 120_000);

// The transpiled copy behind dist/ is removed by ../hardening/support/build.ts when this file ends.
afterAll(() => {
  if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
});

interface CutRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The first line read from the stream that was then closed. */
  readonly firstLine: string;
  /** Everything the other stream carried. */
  readonly other: string;
}

/** Runs moat, reads the first chunk of `cut` (stdout or stderr), closes it, and collects the other stream. */
function runAndCut(argv: readonly string[], cut: "stdout" | "stderr"): Promise<CutRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const closing = child[cut];
    const other = cut === "stdout" ? child.stderr : child.stdout;
    let firstLine: string | undefined;
    let rest = "";
    closing.setEncoding("utf8").once("data", (chunk: string) => {
      firstLine = chunk.split("\n")[0]!;
      closing.destroy();
    });
    other.setEncoding("utf8").on("data", (chunk: string) => (rest += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`moat ${argv.join(" ")} did not end`));
    }, 90_000);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, firstLine: firstLine ?? "", other: rest });
    });
  });
}

const COMMANDS: readonly { readonly argv: readonly string[]; readonly first: RegExp }[] = [
  { argv: ["check", "policy"], first: /^generated\/apparmor\.d\/libvirt-6f1c2a3e-.*: error MOAT403: missing/ },
  { argv: ["check", "policy", "--format", "sarif"], first: /^\{$/ },
  { argv: ["compile", "policy", "--format", "json", "--out", "out-json"], first: /^\[$/ },
  { argv: ["validate", "policy", "--format", "sarif"], first: /^\{$/ },
  { argv: ["explain", "policy", "--path", "/dev/mapper/vg0-vm1", "--format", "json"], first: /^\{$/ },
  { argv: ["fmt", "--check", "policy"], first: /^policy\/vm\d+\.iso: not in moat's canonical layout$/ },
  { argv: ["compile", "policy", "--emit-model"], first: /^\{$/ },
];

describe("a reader that closes the pipe early", () => {
  for (const { argv, first } of COMMANDS) {
    it(`moat ${argv.join(" ")} | head -1: exit 141, no EPIPE, no stack trace`, async () => {
      const r = await runAndCut(argv, "stdout");
      expect(r.firstLine).toMatch(first);
      expect(r.other).not.toMatch(/Error|EPIPE|Unhandled|node:events/);
      expect(r.other).not.toMatch(STACK_FRAME);
      expect(r).toMatchObject({ status: 141, signal: null });
    }, 120_000);
  }

  it("on stderr too: moat validate's text diagnostics cut short end with exit 141 and nothing on stdout", async () => {
    const r = await runAndCut(["validate", "policy"], "stderr");
    expect(r.firstLine).toMatch(/^policy\/vm\d+\.iso:1:\d+: warning MOAT3(07|11): /);
    expect(r).toMatchObject({ status: 141, signal: null, other: "" });
  }, 120_000);

  it("a reader that reads everything changes nothing: the command's own status", async () => {
    const child = spawn(process.execPath, [bin, "check", "policy", "--format", "json"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    expect(status).toBe(1);
    expect((JSON.parse(out) as unknown[]).length).toBeGreaterThan(VMS);
    expect(err).toMatch(/^moat: generated is out of date: \d+ files differ/);
  }, 120_000);
});

describe("runAsProcess, in process", () => {
  /** A stream whose every write fails with `code`, as a closed pipe or a dead terminal does. */
  const failing = (code: string): Writable =>
    new Writable({ write: (_chunk, _encoding, done) => done(Object.assign(new Error(`write ${code}`), { code })) });
  const collecting = (): Writable & { text: string } => {
    const w = new Writable({ write: (chunk: Buffer, _encoding, done) => ((w.text += chunk.toString()), done()) }) as Writable & { text: string };
    w.text = "";
    return w;
  };

  async function runWith(stdout: Writable, stderr: Writable): Promise<number[]> {
    const codes: number[] = [];
    await runAsProcess(["--version"], {}, root, { stdout, stderr, setExitCode: (c) => codes.push(c) });
    await new Promise((resolve) => setImmediate(resolve)); // the stream's 'error' event comes after the write
    return codes;
  }

  it("EPIPE: the exit status is 141, whatever the command returned, and nothing is printed", async () => {
    const stderr = collecting();
    const codes = await runWith(failing("EPIPE"), stderr);
    expect(BROKEN_PIPE_STATUS).toBe(141);
    expect(codes.at(-1)).toBe(141);
    expect(stderr.text).toBe("");
  });

  it("any other write error: one line on the other stream, exit status 2", async () => {
    const stderr = collecting();
    const codes = await runWith(failing("EIO"), stderr);
    expect(codes.at(-1)).toBe(2);
    expect(stderr.text).toBe("moat: cannot write to stdout: input/output error\n");
  });

  it("a stream that works: the command's own output and status", async () => {
    const stdout = collecting();
    expect(await runWith(stdout, collecting())).toEqual([0]);
    expect(stdout.text).toMatch(/^\d+\.\d+\.\d+/);
  });
});
