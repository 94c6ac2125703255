/** Shared helpers for the CLI tests: temp folders, folder snapshots, manifests, and a fault-injecting fs. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { OutputFile } from "../../src/api.js";
import { main, type CliIo } from "../../src/cli/main.js";
import { nodeOutputFs, type OutputFs } from "../../src/cli/outputs/fs-layer.js";
import { trackTempDir } from "../support/temp-dirs.js";

export function tempDir(): string {
  // Removed when the test file ends (test/support/temp-cleanup.ts).
  return trackTempDir(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "moat-cli-"))));
}

/** Every entry under `dir` (dot files included): relative path -> file content, or "<dir>". */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        out[r] = "<dir>";
        walk(path.join(d, e.name), r);
      } else out[r] = fs.readFileSync(path.join(d, e.name), "utf8");
    }
  };
  walk(dir, "");
  return out;
}

export function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}

const sha = (s: string): string => createHash("sha256").update(s).digest("hex");

/** Outputs plus a manifest in the shape the emitter writes: top-level `outputs` of {path, sha256}. */
export function withManifest(files: Record<string, string>): OutputFile[] {
  const outputs = Object.entries(files).map(([p, content]) => ({ path: p, content }));
  const manifest = { moat: "test", outputs: outputs.map((o) => ({ path: o.path, sha256: sha(o.content) })) };
  return [...outputs, { path: "moat-manifest.json", content: `${JSON.stringify(manifest, null, 2)}\n` }];
}

export type Op = keyof OutputFs;

/** The real fs with every call going through `around`, which gets the operation, its arguments and the real call. */
export function wrappedFs(around: (op: Op, args: unknown[], real: (args: unknown[]) => unknown) => unknown): OutputFs {
  const wrapped = {} as Record<string, unknown>;
  for (const name of Object.keys(nodeOutputFs) as Op[]) {
    wrapped[name] = (...args: unknown[]) => around(name, args, (a) => (nodeOutputFs[name] as (...x: unknown[]) => unknown)(...a));
  }
  return wrapped as unknown as OutputFs;
}

/** An Error with a node-style `code`, as the fs layer throws. */
export function fsError(code: string): Error & { code: string } {
  return Object.assign(new Error(`injected ${code}`), { code });
}

/**
 * The real fs with one fault: the `k`-th call of `op` throws `code`. With `dies`, every later call
 * throws too, as if the process had been killed at that moment (nothing it tries afterwards happens).
 */
export function faultyFs(op: Op, k: number, options: { code?: string; dies?: boolean } = {}): OutputFs & { calls: number; fired: boolean } {
  const state = { calls: 0, fired: false, dead: false };
  const code = options.code ?? "EIO";
  const wrapped = wrappedFs((name, args, real) => {
    if (state.dead) throw fsError(code);
    if (name === op && ++state.calls === k) {
      state.fired = true;
      if (options.dies === true) state.dead = true;
      throw fsError(code);
    }
    return real(args);
  });
  Object.defineProperties(wrapped, { calls: { get: () => state.calls }, fired: { get: () => state.fired } });
  return wrapped as OutputFs & { calls: number; fired: boolean };
}

export interface Captured {
  readonly io: { cwd: string; stdout: { write(s: string): boolean }; stderr: { write(s: string): boolean }; env: Record<string, string | undefined> };
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIo(cwd: string, env: Record<string, string | undefined> = {}): Captured {
  let out = "";
  let err = "";
  return {
    io: { cwd, env, stdout: { write: (s) => ((out += s), true) }, stderr: { write: (s) => ((err += s), true) } },
    out: () => out,
    err: () => err,
  };
}

/** A new temporary folder holding `files` (relative path -> content). */
export function project(files: Record<string, string | Buffer>): string {
  const dir = tempDir();
  writeTree(dir, files);
  return dir;
}

/** Runs the CLI in-process in `cwd`, capturing what it prints. */
export async function runMain(cwd: string, argv: string[], extra: Partial<CliIo> = {}): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo(cwd);
  const code = await main(argv, { ...c.io, ...extra });
  return { code, out: c.out(), err: c.err() };
}

/** A one-VM policy of tenant acme that compiles cleanly. */
export const ACME = `policy test
tenant acme {
  vm web01 {
    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"
    volume "/var/lib/libvirt/images/acme/web01.qcow2" rw
  }
}
`;

/** globex's volume glob also matches acme's disk: with ACME, a cross-tenant overlap (MOAT301). */
export const CLASH = `tenant globex {
  vm ci01 {
    uuid "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04"
    volume "/var/lib/libvirt/images/acme/web0[0-9].qcow2" rw
  }
}
`;
