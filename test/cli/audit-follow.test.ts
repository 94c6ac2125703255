/**
 * `moat audit --follow` on a growing log, like `tail -f`: moat runs as a real child process (a plain
 * JavaScript copy of the sources), the test appends records to the log and reads the new verdicts as
 * they are printed, then stops the child with SIGTERM, which prints the summary and exits with the
 * status the records call for. A log truncated in place is read again from its start. Nothing waits on
 * a clock for a result: each step waits for the line it expects (with a generous cap).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtRoot } from "../hardening/support/build.js";
import { repositoryRoot } from "../support/repository.js";
import { runMain, tempDir } from "./helpers.js";

const REPO = repositoryRoot();
let dir: string;
let child: ChildProcessWithoutNullStreams | undefined;

beforeAll(async () => {
  dir = tempDir();
  const r = await runMain(REPO, ["compile", "examples/compute-01", "--out", path.join(dir, "generated")]);
  expect(r.code, r.err).toBe(0);
}, 120_000);

afterAll(() => {
  child?.kill("SIGKILL");
  fs.rmSync(builtRoot(), { recursive: true, force: true });
});

const VM_WEB01 = "libvirt-4df006f9-12b8-42c5-888b-59e1572a46a0";
const record = (serial: number, name: string, mask = "r"): string =>
  `audit: type=1400 audit(1796611083.${String(serial).padStart(3, "0")}:${serial}): apparmor="DENIED" operation="open" profile="${VM_WEB01}" name="${name}" pid=1 comm="qemu" requested_mask="${mask}" denied_mask="${mask}" fsuid=0 ouid=0\n`;

/** How long a step may wait for its line before the test fails (a cap against a hang, not a timing assertion). */
const STEP_CAP_MS = 30_000;

/** Collects a stream's text; `until` resolves once it holds a match, and fails after STEP_CAP_MS without one. */
function collector(stream: NodeJS.ReadableStream): { text: () => string; until: (pattern: RegExp) => Promise<void> } {
  let text = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    text += chunk;
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(text)) w.resolve();
      else waiters.push(w);
    }
  });
  return {
    text: () => text,
    until: (pattern) =>
      new Promise((resolve, reject) => {
        if (pattern.test(text)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in:\n${text}`)), STEP_CAP_MS);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

describe("moat audit --follow", () => {
  it("prints the verdicts of records appended to the log, and the summary when stopped", async () => {
    const log = path.join(dir, "audit.log");
    fs.writeFileSync(log, record(1, "/usr/share/qemu/first.rom"));
    const main = pathToFileURL(path.join(builtRoot(), "src", "cli", "main.js")).href;
    const program = `const m = await import(${JSON.stringify(main)});
await m.runAsProcess(process.argv.slice(1), process.env, process.cwd(), { stdout: process.stdout, stderr: process.stderr, setExitCode: (c) => { process.exitCode = c; } });`;
    child = spawn(process.execPath, ["--input-type=module", "-e", program, "audit", "--follow", "audit.log"], { cwd: dir });
    const out = collector(child.stdout);
    const err = collector(child.stderr);
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));

    await out.until(/not-granted acme\/acme-web01 open \/usr\/share\/qemu\/first\.rom r: add read "\/usr\/share\/qemu\/first\.rom" to acme\/acme-web01 \(tenants\/acme\.iso:4\)\n/);
    // The log grows: the new record's verdict follows.
    fs.appendFileSync(log, record(2, "/var/lib/libvirt/images/globex/globex-ci01.qcow2", "w"));
    await out.until(/cross-tenant acme\/acme-web01 open \/var\/lib\/libvirt\/images\/globex\/globex-ci01\.qcow2 w: globex\/globex-ci01's volume/);
    // A line written in two pieces is judged once it is whole.
    const third = record(3, "/usr/share/qemu/third.rom");
    fs.appendFileSync(log, third.slice(0, 40));
    fs.appendFileSync(log, third.slice(40));
    await out.until(/third\.rom r: add read/);
    // Truncated in place (copytruncate): what is there now is read from its start.
    fs.writeFileSync(log, record(4, "/usr/share/qemu/after-truncate.rom"));
    await out.until(/after-truncate\.rom r: add read/);

    child.kill("SIGTERM");
    const code = await exited;
    child = undefined;
    expect(err.text()).toBe("");
    expect(code).toBe(1);
    expect(out.text()).toContain("\nmoat audit: 4 records in 4 lines of audit.log (0 malformed, 0 not AppArmor's)\n");
    expect(out.text()).toContain("CROSS-TENANT: 1 record\n");
  }, 120_000);
});
