/**
 * `moat nova-hook NAME OPERATION SUBOP EXTRA [--from DIR] [--root DIR]`: libvirt's qemu hook
 * (docs/nova.md). The first four arguments are libvirt's, taken verbatim (a domain may be named
 * anything, `--from` included); options follow them. Every operation but `prepare begin` exits 0 at
 * once, printing nothing and reading nothing (stdout at `migrate` and `restore` would replace the
 * domain XML; a non-zero exit at `reconnect` kills running VMs). On `prepare begin`: stdin is read up to
 * a bound and a deadline, moat-nova.json from `--from` (nothing else is read: no policy source, no
 * network), and the instance's profile written atomically, only when it differs. Any failure there is
 * exit 1 with one line on stderr, and nothing written.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomically } from "./rewrite-file.js";
import { NOVA_MODEL_PATH } from "../emit/nova-fragments.js";
import { MAX_DOMAIN_XML } from "../install/nova-domain.js";
import { COPY_DIR } from "../install/plan-nova.js";
import { decidePrepare, isPrepareBegin, NOVA_HOOK_NAME, readNovaModel, refusal } from "../install/nova-hook.js";
import type { CliIo } from "./commands.js";
import { COMMAND_HELP } from "./help-text.js";

/** Where `moat install --nova` keeps the compiled folder the hook reads. */
const NOVA_COPY_DIR = `/${COPY_DIR}`;
/** How long the hook waits for libvirt to finish writing the domain XML. */
const STDIN_DEADLINE_MS = 10_000;
/** moat-nova.json is a list of projects: a few megabytes would be a very large cloud. */
const MAX_MODEL_BYTES = 16 << 20;

export type ReadStdin = (limit: number, deadlineMs: number) => Promise<string | { readonly error: string }>;

export async function runNovaHook(args: readonly string[], io: CliIo, readStdin: ReadStdin = readProcessStdin): Promise<number> {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    io.stdout.write(COMMAND_HELP["nova-hook"]);
    return 0;
  }
  if (!isPrepareBegin(args)) return 0;
  try {
    return await prepare(args, io, readStdin);
  } catch (e) {
    io.stderr.write(`${refusal(args, e instanceof Error ? e.message : String(e)).message}\n`);
    return 1;
  }
}

function options(args: readonly string[]): { from: string; root: string } | { error: string } {
  let from = NOVA_COPY_DIR;
  let root = "/";
  const rest = args.slice(4);
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if ((rest[i] !== "--from" && rest[i] !== "--root") || value === undefined) return { error: `unexpected argument ${JSON.stringify(rest[i])}` };
    if (rest[i] === "--from") from = value;
    else root = value;
  }
  return { from, root };
}

async function prepare(args: readonly string[], io: CliIo, readStdin: ReadStdin): Promise<number> {
  const refuse = (message: string): number => {
    io.stderr.write(`${message}\n`);
    return 1;
  };
  const opts = options(args);
  if ("error" in opts) return refuse(`${NOVA_HOOK_NAME}: ${opts.error}`);
  const xml = await readStdin(MAX_DOMAIN_XML + 1, STDIN_DEADLINE_MS);
  if (typeof xml !== "string") return refuse(refusal(args, xml.error).message);
  const decision = decidePrepare(args, xml, readModel(path.resolve(io.cwd, opts.from)));
  switch (decision.kind) {
    case "ignore":
    case "leave":
      return 0;
    case "refuse":
      return refuse(decision.message);
    case "place":
      writeIfChanged(path.join(path.resolve(io.cwd, opts.root), decision.file), decision.content);
      return 0;
  }
}

function readModel(from: string): ReturnType<typeof readNovaModel> {
  const file = path.join(from, NOVA_MODEL_PATH);
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > MAX_MODEL_BYTES) return { error: `${file} is not a file moat wrote` };
    return readNovaModel(fs.readFileSync(file, "utf8"));
  } catch {
    return { error: `cannot read ${file}` };
  }
}

/** The profile, written beside its place and renamed over it; left alone when it already says the same. */
function writeIfChanged(target: string, content: string): void {
  try {
    if (fs.readFileSync(target, "utf8") === content) return;
  } catch {
    // Not there yet.
  }
  writeFileAtomically(target, content, { mode: 0o644, tag: "nova", replace: true });
}

/** Stdin, up to `limit` bytes, within `deadlineMs`; more, a bad encoding or a late writer is an error. */
function readProcessStdin(limit: number, deadlineMs: number): Promise<string | { readonly error: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stdin = process.stdin;
    const finish = (result: string | { readonly error: string }): void => {
      clearTimeout(timer);
      stdin.removeAllListeners("data");
      stdin.removeAllListeners("end");
      stdin.removeAllListeners("error");
      stdin.pause();
      stdin.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ error: `stdin was not closed within ${deadlineMs / 1000} s` }), deadlineMs);
    stdin.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish({ error: `the domain XML is longer than ${limit - 1} bytes` });
      else chunks.push(chunk);
    });
    stdin.on("end", () => {
      const bytes = Buffer.concat(chunks);
      const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      finish(text.includes("\uFFFD") ? { error: "the domain XML is not UTF-8" } : text);
    });
    stdin.on("error", () => finish({ error: "cannot read stdin" }));
  });
}
