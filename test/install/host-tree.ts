/**
 * Staged host trees for the install tests: real folders with plain files, links and sysfs attributes
 * under a temporary ROOT (what `moat install --root` reads), a compiled output folder, and fake
 * apparmor_parser and virsh scripts that record how they were called.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/commands.js";

export type Entry = string | { readonly link: string } | { readonly dir: true; readonly mode?: number } | { readonly file: string; readonly mode?: number };

/** Writes `entries` (host path -> content, link or folder) under `root`. */
export function stage(root: string, entries: Record<string, Entry>): void {
  for (const [p, e] of Object.entries(entries)) {
    const at = path.join(root, p);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    if (typeof e === "string") fs.writeFileSync(at, e);
    else if ("link" in e) fs.symlinkSync(e.link, at);
    else if ("dir" in e) {
      fs.mkdirSync(at, { recursive: true });
      if (e.mode !== undefined) fs.chmodSync(at, e.mode);
    } else {
      fs.writeFileSync(at, e.file);
      if (e.mode !== undefined) fs.chmodSync(at, e.mode);
    }
  }
}

/** A block device in sysfs: /sys/class/block/NAME/dev, with its holders, slaves and partitions. */
export function blockDevice(name: string, dev: string, more: { holders?: string[]; slaves?: string[]; partitionOf?: string; under?: string } = {}): Record<string, Entry> {
  const base = more.under !== undefined ? `/sys/devices/${more.under}/block/${name}` : more.partitionOf !== undefined ? `/sys/class/block/${more.partitionOf}/${name}` : `/sys/class/block/${name}`;
  const out: Record<string, Entry> = { [`${base}/dev`]: `${dev}\n`, [`${base}/holders`]: { dir: true }, [`${base}/slaves`]: { dir: true } };
  if (base !== `/sys/class/block/${name}`) out[`/sys/class/block/${name}`] = { link: path.posix.relative("/sys/class/block", base) };
  if (more.partitionOf !== undefined) out[`${base}/partition`] = "1\n";
  for (const h of more.holders ?? []) out[`${base}/holders/${h}`] = { link: `../../${h}` };
  for (const s of more.slaves ?? []) out[`${base}/slaves/${s}`] = { link: `../../${s}` };
  return out;
}

/** mountinfo lines for `[major:minor, mount point, source]`. */
export function mountinfo(mounts: readonly (readonly [string, string, string])[]): Record<string, Entry> {
  const lines = mounts.map(([dev, at, source], i) => `${20 + i} 1 ${dev} / ${at} rw,relatime shared:${i + 1} - ext4 ${source} rw`);
  return { "/proc/self/mountinfo": lines.join("\n") + "\n" };
}

const made: string[] = [];

export function temp(prefix = "moat-install-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

export function cleanUp(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A fake apparmor_parser: appends its arguments (and stdin, for -R without a file) to LOG; fails on a file whose name contains $FAIL_ON. */
export function fakeParser(dir: string): { program: string; log: string; calls: () => string[] } {
  const log = path.join(dir, "parser.log");
  const program = path.join(dir, "apparmor_parser");
  fs.writeFileSync(
    program,
    `#!/bin/sh
printf '%s\\n' "$*" >> '${log}'
if [ -n "\${FAIL_ON:-}" ]; then
  case "$*" in *"$FAIL_ON"*) echo "AppArmor parser error: syntax error in $FAIL_ON" >&2; exit 1 ;; esac
fi
exit 0
`,
    { mode: 0o755 },
  );
  return { program, log, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : []) };
}

export async function run(cwd: string, argv: string[], env: Record<string, string> = {}, extra: Partial<CliIo> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdout: { write: (s: string) => ((out += s), true) },
    stderr: { write: (s: string) => ((err += s), true) },
    ...extra,
  });
  return { code, out, err };
}

/** Compiles `files` (relative path -> policy text) in `dir` into dir/generated. */
export async function compileInto(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, "policy", rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, "policy", rel), text);
  }
  const r = await run(dir, ["compile", "policy", "--out", "generated"]);
  if (r.code !== 0) throw new Error(`compile failed: ${r.err}`);
}

/** Every entry under `dir`: relative path -> content, "<dir>" or "-> target". */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      const full = path.join(d, e.name);
      if (e.isSymbolicLink()) out[r] = `-> ${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) {
        out[r] = "<dir>";
        walk(full, r);
      } else out[r] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir, "");
  return out;
}
