/**
 * The host side of `moat install --nova` and `moat uninstall` (docs/nova.md): reads the files
 * src/install/plan-nova.ts decides on, under --root, asks virsh which domains run, writes each change
 * atomically (a temporary file beside it, renamed over it), and loads the changed profiles with
 * apparmor_parser -r unless --no-load.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomically } from "../rewrite-file.js";
import { fileURLToPath } from "node:url";
import { NOVA_FRAGMENT_DIR, NOVA_MODEL_PATH } from "../../emit/nova-fragments.js";
import { readNovaModel } from "../../install/nova-hook.js";
import {
  COPY_DIR,
  FRAGMENT_DIR,
  HOOK_FILE,
  HOOK_PROFILE_FILE,
  LIBVIRT_PROFILES,
  LIBVIRTD_LOCAL,
  planNovaInstall,
  planNovaUninstall,
  TEMPLATE_FILE,
  TEMPLATE_ORIGINAL,
  type NovaHostFiles,
  type NovaPlan,
} from "../../install/plan-nova.js";
import type { CliIo } from "../commands.js";
import { parserProgram, processRunner, virshProgram } from "./processes.js";

export interface NovaStepOptions {
  /**
   * The compiled folder's files, verified against its manifest by install's first step (path relative
   * to the folder -> text): install --nova reads nothing of the folder again.
   */
  readonly files?: ReadonlyMap<string, string>;
  readonly from: string;
  readonly root: string;
  readonly noLoad: boolean;
  readonly dryRun: boolean;
  readonly connect: string;
}

function readText(file: string): string | undefined {
  try {
    const stat = fs.lstatSync(file);
    return stat.isFile() ? fs.readFileSync(file, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

function listFiles(root: string, dir: string): string[] {
  try {
    return fs.readdirSync(path.join(root, dir)).map((name) => `${dir}/${name}`);
  } catch {
    return [];
  }
}

/** The host's files the plans look at, and the running domains (all of them, when virsh cannot say: nothing is then removed). */
function hostFiles(root: string, instances: string, io: CliIo, connect: string): NovaHostFiles & { runningKnown: boolean } {
  const files = new Map<string, string>();
  const candidates = [HOOK_FILE, HOOK_PROFILE_FILE, LIBVIRTD_LOCAL, TEMPLATE_FILE, TEMPLATE_ORIGINAL, ...listFiles(root, FRAGMENT_DIR), ...listFiles(root, COPY_DIR), ...listFiles(root, LIBVIRT_PROFILES)];
  for (const rel of candidates) {
    const text = readText(path.join(root, rel));
    if (text !== undefined) files.set(rel, text);
  }
  let instancesIsLink = false;
  try {
    instancesIsLink = fs.lstatSync(path.join(root, instances)).isSymbolicLink();
  } catch {
    // Absent: Nova creates it.
  }
  const result = processRunner(io.env)(virshProgram(io.env), ["-c", connect, "list", "--uuid"]);
  const runningKnown = result.status === 0;
  const running = new Set(runningKnown ? result.stdout.split("\n").map((l) => l.trim().toLowerCase()).filter((l) => l !== "") : []);
  if (!runningKnown) {
    // Unknown: treat every instance profile as running, so that none is removed.
    for (const rel of files.keys()) {
      const m = /libvirt-([0-9a-f-]{36})$/.exec(rel);
      if (m !== null) running.add(m[1]!);
    }
  }
  return { files, running, instancesIsLink, runningKnown };
}

function writeAtomically(file: string, content: string, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomically(file, content, { mode, tag: "nova", replace: true });
}

function apply(plan: NovaPlan, options: NovaStepOptions, io: CliIo, verb: string): number {
  for (const e of plan.errors) io.stderr.write(`moat: ${e}\n`);
  if (plan.errors.length > 0) return 1;
  for (const note of plan.notes) io.stderr.write(`moat: ${note}\n`);
  for (const change of plan.changes) io.stderr.write(`moat: ${options.dryRun ? "would " : ""}${change.kind} /${change.path}\n`);
  if (options.dryRun) return 0;
  for (const change of plan.changes) {
    const file = path.join(options.root, change.path);
    if (change.kind === "write") writeAtomically(file, change.content, change.mode);
    else fs.rmSync(file, { force: true });
  }
  if (!options.noLoad) {
    const run = processRunner(io.env);
    for (const profile of plan.reload) {
      const r = run(parserProgram(io.env), ["-r", "-W", path.join(options.root, profile)]);
      if (r.status !== 0) {
        io.stderr.write(`moat: apparmor_parser -r /${profile} failed: ${r.stderr.trim()}\n`);
        return 1;
      }
    }
  }
  io.stderr.write(`moat: nova: ${plan.changes.length} ${verb}, ${options.noLoad ? 0 : plan.reload.length} reloaded\n`);
  return 0;
}

/** The moat package that runs now: the folder above this module that holds bin/moat.js. */
function moatPackage(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (dir !== path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "bin", "moat.js")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error("cannot find moat's bin/moat.js");
}

export function installNova(options: NovaStepOptions, io: CliIo): number {
  const files = options.files ?? new Map<string, string>();
  const modelText = files.get(NOVA_MODEL_PATH);
  if (modelText === undefined) {
    io.stderr.write(`moat: --nova: ${NOVA_MODEL_PATH} is missing from the compiled folder: the policy needs a nova statement or a project\n`);
    return 1;
  }
  const model = readNovaModel(modelText);
  if ("error" in model) {
    io.stderr.write(`moat: --nova: ${model.error}\n`);
    return 1;
  }
  const fragments = new Map<string, string>();
  for (const [rel, text] of files) if (rel.startsWith(`${NOVA_FRAGMENT_DIR}/`)) fragments.set(rel.slice(NOVA_FRAGMENT_DIR.length + 1), text);
  const pkg = moatPackage();
  const node = fs.realpathSync(process.execPath);
  const wanted = { model: modelText, instances: model.instances, fragments, command: `exec ${node} ${path.join(pkg, "bin", "moat.js")}`, interpreter: node, moatDir: pkg };
  const host = hostFiles(options.root, model.instances, io, options.connect);
  if (!host.runningKnown) io.stderr.write("moat: virsh list failed: no instance profile is removed this time\n");
  return apply(planNovaInstall(host, wanted), options, io, "changed");
}

export function uninstallNova(options: NovaStepOptions, io: CliIo): number {
  const host = hostFiles(options.root, "/nonexistent", io, options.connect);
  const code = apply(planNovaUninstall(host), options, io, "taken back");
  if (code === 0 && !options.dryRun) {
    // The folders install --nova made, when nothing else is left in them, deepest first.
    for (const dir of [FRAGMENT_DIR, "etc/apparmor.d/moat", COPY_DIR, "etc/moat", path.dirname(TEMPLATE_ORIGINAL)]) {
      try {
        fs.rmdirSync(path.join(options.root, dir));
      } catch {
        // Not empty, or not there.
      }
    }
  }
  return code;
}
