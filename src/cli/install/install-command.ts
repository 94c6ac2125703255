/**
 * `moat install`: the compiled folder onto this host. The decisions are src/install/'s (pure, on a view
 * of the host); here is everything that touches the host: reading the folder and the host tree, the
 * lock, the writes (through the output writer's transaction: staged, journalled, renamed, rolled back on
 * failure, recovered after a crash), apparmor_parser and virsh.
 *
 * Order of a real install, so that a failure at any point leaves the previous installation in place
 * and loaded: (1) the record gets the new texts' hashes as pending (ownership survives a crash in what
 * follows); (2) profiles no longer shipped are unloaded; (3) the files move into place, and the changed
 * profiles are loaded before the transaction commits, so a failed load rolls the files back; then
 * what was loaded or unloaded is undone from the restored files; (4) the record is final.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { toJsonDiagnostics } from "../../diagnostics/render-json.js";
import { renderDiagnosticsText } from "../../diagnostics/render-text.js";
import { domainFacts, withSeclabel } from "../../install/domain-xml.js";
import { parseInstalledRecord, renderInstalledRecord, sha256, type InstalledEntry } from "../../install/installed-record.js";
import { planChanges, type ChangePlan, type TargetState } from "../../install/plan-changes.js";
import { planInstall, type InstallPlan, type StaticLabelVm } from "../../install/plan-install.js";
import { verifyFolder } from "../../install/verify-folder.js";
import { VERSION } from "../../version.js";
import { displayPathFor, type CliIo } from "../commands.js";
import { toPosix } from "../find-inputs.js";
import { describeFsError, errorCode, nodeOutputFs, type OutputFs } from "../outputs/fs-layer.js";
import { acquireLock, isProcessAlive, removeDeadLockFiles } from "../outputs/lock.js";
import { applyChanges, recoverInterrupted, RollbackFailedError } from "../outputs/transaction.js";
import type { CommandOptions } from "../usage.js";
import { Kernel, LoadFailed } from "./kernel.js";
import { nodeHost } from "./node-host.js";
import { installNova, uninstallNova, type NovaStepOptions } from "./nova-step.js";
import { readOutputFolder } from "./output-folder.js";
import { dmsetupProgram, firstLine, parserProgram, processRunner, virshProgram, type RunProcess } from "./processes.js";

export const RECORD_NAME = "installed.json";
const DEFAULT_URI = "qemu:///system";

interface Outcome {
  readonly installed: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
  readonly loaded: readonly string[];
}

const NOTHING: Outcome = { installed: [], unchanged: [], removed: [], loaded: [] };

/** What is printed at the end, whatever happened. */
class Report {
  readonly diagnostics: Diagnostic[] = [];
  readonly notes: string[] = [];
  outcome: Outcome = NOTHING;
  plan: InstallPlan | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly opts: CommandOptions,
    private readonly paths: { readonly etc: string; readonly display: (p: string) => string },
  ) {}

  finish(exitCode: number): number {
    const sources = this.plan?.sources ?? [];
    const diagnostics = sortDiagnostics(this.diagnostics);
    const context = { sources, displayPath: (f: string) => (f.startsWith("/") ? this.paths.display(f) : f) };
    const resolved = this.plan?.resolved ?? [];
    for (const note of this.notes) this.io.stderr.write(`moat: ${note}\n`);
    if (this.opts.format === "json") {
      const doc = { ...this.outcome, resolved, diagnostics: toJsonDiagnostics(diagnostics, context) };
      this.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return exitCode;
    }
    this.io.stderr.write(renderDiagnosticsText(diagnostics, context));
    const would = this.opts.dryRun === true ? "would " : "";
    const lines: string[] = [];
    for (const r of resolved) lines.push(`resolved ${r.profile}: ${r.path} -> ${r.node}`);
    for (const n of this.outcome.removed) lines.push(`${would}remove ${this.paths.display(`${this.paths.etc}/${n}`)}`);
    for (const n of this.outcome.installed) lines.push(`${would}install ${this.paths.display(`${this.paths.etc}/${n}`)}`);
    for (const n of this.outcome.loaded) lines.push(`${would}load ${n}`);
    if (lines.length > 0) this.io.stdout.write(`${lines.join("\n")}\n`);
    if (exitCode === 0) {
      const o = this.outcome;
      const parts = [`${o.installed.length} ${would === "" ? "installed" : "to install"}`, `${o.unchanged.length} unchanged`, `${o.removed.length} ${would === "" ? "removed" : "to remove"}`, `${o.loaded.length} ${would === "" ? "loaded" : "to load"}`];
      this.io.stderr.write(`moat: ${this.paths.display(this.paths.etc)}: ${parts.join(", ")}${this.opts.dryRun === true ? " (dry run: nothing changed)" : ""}\n`);
    }
    return exitCode;
  }
}

function underRoot(root: string, hostPath: string): string {
  return root === "/" ? hostPath : `${root}${hostPath}`;
}

/** `moat install`, then with --nova the Nova host's files (nova-step.ts) once the profiles are in place. */
export function runInstall(opts: CommandOptions, io: CliIo): number {
  let files: ReadonlyMap<string, string> | undefined;
  const code = runProfilesInstall(opts, io, (verified) => (files = verified));
  if (code !== 0 || opts.nova !== true) return code;
  return installNova({ ...novaOptions(opts, io), ...(files === undefined ? {} : { files }) }, io);
}

/** `moat uninstall`: what install --nova put on the host (nova-step.ts). */
export function runUninstall(opts: CommandOptions, io: CliIo): number {
  return uninstallNova(novaOptions(opts, io), io);
}

/** The compiled folder and the root, as every step of install and uninstall names them. */
function folders(opts: CommandOptions, io: CliIo): { from: string; root: string } {
  const from = toPosix(path.resolve(io.cwd, opts.from ?? "generated"));
  const root = opts.root === undefined ? "/" : toPosix(path.resolve(io.cwd, opts.root)).replace(/\/+$/, "") || "/";
  return { from, root };
}

function novaOptions(opts: CommandOptions, io: CliIo): NovaStepOptions {
  return {
    ...folders(opts, io),
    noLoad: opts.noLoad === true,
    dryRun: opts.dryRun === true,
    connect: opts.connect ?? DEFAULT_URI,
  };
}

/** Install's profiles; `keep` receives the compiled folder's verified files for the steps after it. */
function runProfilesInstall(opts: CommandOptions, io: CliIo, keep: (files: ReadonlyMap<string, string>) => void): number {
  const display = displayPathFor(io.cwd);
  const { from, root } = folders(opts, io);
  const etc = underRoot(root, "/etc/apparmor.d");
  const lib = underRoot(root, "/var/lib/moat");
  const fsLayer = io.outputFs ?? nodeOutputFs;
  const report = new Report(io, opts, { etc, display });
  const ioError = (detail: string): number => {
    report.diagnostics.push(diagnostic("MOAT404", undefined, { detail }));
    return report.finish(2);
  };

  // 1. The compiled folder, exactly as its manifest lists it.
  let folder;
  try {
    folder = readOutputFolder(from);
  } catch (e) {
    return ioError(`cannot read ${display(from)}: ${describeFsError(e)}`);
  }
  let verified;
  try {
    verified = verifyFolder(folder.entries, folder.read, (rel) => display(`${from}/${rel}`));
  } catch (e) {
    if (e instanceof Error && !("code" in e)) throw e;
    return ioError(`cannot read ${display(from)}: ${describeFsError(e)}`);
  }
  report.diagnostics.push(...verified.diagnostics);
  if (hasErrors(verified.diagnostics)) return report.finish(1);
  keep(verified.files);
  if (root !== "/" && fsLayer.kind(root) !== "dir" && !isFolderLink(root)) return ioError(`--root ${display(root)} is not a folder`);

  // 2. The plan: resolutions, host checks, installed texts.
  let plan: InstallPlan;
  try {
    plan = planInstall({ files: verified.files, host: nodeHost(root, { run: processRunner(io.env), program: dmsetupProgram(io.env) }), strict: opts.strict === true });
  } catch (e) {
    if (e instanceof Error && !("code" in e)) throw e;
    return ioError(`cannot read the host under ${display(root)}: ${describeFsError(e)}`);
  }
  report.plan = plan;
  report.diagnostics.push(...plan.diagnostics);
  if (hasErrors(plan.diagnostics)) return report.finish(1);

  // 3. What is installed now, and what this install changes (planned again under the lock: step 4).
  const recordPlan = (): Recorded | 1 | 2 => planRecord(plan, opts, { fs: fsLayer, etc, lib, display, report });
  const planned = recordPlan();
  if (typeof planned === "number") return report.finish(planned);
  const { changes, previous, load, finalRecord } = planned;

  if (opts.dryRun === true) {
    report.outcome = { installed: changes.installed, unchanged: changes.unchanged, removed: changes.removed, loaded: load };
    seclabels(plan.vms, opts, io, root, report);
    return report.finish(exitOf(report));
  }

  // 4. Apply, under the lock.
  const nothingToDo = changes.changes.length === 0 && previous.text === finalRecord;
  if (!nothingToDo) {
    const applied = apply({ fs: fsLayer, etc, lib, replan: recordPlan, loadProfiles: opts.noLoad !== true, policy: plan.model?.policy ?? null, run: processRunner(io.env), parser: parserProgram(io.env), display, report });
    if (applied !== 0) return report.finish(applied);
  } else {
    report.outcome = { installed: [], unchanged: changes.unchanged, removed: [], loaded: [] };
  }
  seclabels(plan.vms, opts, io, root, report);
  return report.finish(exitOf(report));
}

/** What the record says is installed, and what this install changes in /etc/apparmor.d and the record. */
interface Recorded {
  readonly changes: ChangePlan;
  readonly previous: { readonly text: string | undefined; readonly entries: readonly InstalledEntry[] };
  /** The profiles to load. */
  readonly load: readonly string[];
  readonly finalRecord: string;
}

/**
 * Reads the record and the files in /etc/apparmor.d and plans the changes; an exit status when they
 * stop the install (the diagnostics pushed onto the report). Run once to report, and again under the
 * lock, so that what another moat installed meanwhile is seen before anything is written.
 */
function planRecord(plan: InstallPlan, opts: CommandOptions, at: { fs: OutputFs; etc: string; lib: string; display: (p: string) => string; report: Report }): Recorded | 1 | 2 {
  const { fs: fsLayer, etc, lib, display, report } = at;
  let changes: ChangePlan;
  let previous: Recorded["previous"];
  try {
    const recordText = fsLayer.readFileIfExists(`${lib}/${RECORD_NAME}`)?.toString("utf8");
    const parsed = parseInstalledRecord(recordText);
    if (parsed.kind === "invalid") {
      report.diagnostics.push(
        diagnostic("MOAT511", undefined, { detail: `${display(`${lib}/${RECORD_NAME}`)} is not a record moat wrote: ${parsed.reason}` }, {
          hint: "moat cannot tell which files in /etc/apparmor.d are its own without it: restore it, or move it away to install afresh (moat then refuses to touch any file that exists)",
        }),
      );
      return 1;
    }
    previous = { text: recordText, entries: parsed.kind === "valid" ? parsed.record.files : [] };
    changes = planChanges(plan.wanted, previous.entries, (name) => targetState(fsLayer, `${etc}/${name}`), (name) => display(`${etc}/${name}`));
  } catch (e) {
    if (e instanceof Error && !("code" in e)) throw e;
    report.diagnostics.push(diagnostic("MOAT404", undefined, { detail: `cannot read ${display(etc)}: ${describeFsError(e)}` }));
    return 2;
  }
  for (const note of changes.notes) if (!report.notes.includes(note)) report.notes.push(note);
  report.diagnostics.push(...changes.conflicts);
  if (changes.conflicts.length > 0) return 1;
  // Files an earlier --no-load run wrote were never loaded by moat: a run that loads loads them too.
  const neverLoaded = new Set(previous.entries.filter((e) => e.notLoaded === true && e.pending !== true).map((e) => e.name));
  const load = opts.noLoad === true ? [] : [...changes.installed, ...changes.unchanged.filter((n) => neverLoaded.has(n))].sort();
  const finalRecord = renderInstalledRecord({
    version: VERSION,
    policy: plan.model?.policy ?? null,
    files: plan.wanted.map((w) => {
      const notLoaded = opts.noLoad === true && (changes.installed.includes(w.name) || neverLoaded.has(w.name));
      return { name: w.name, sha256: w.sha256, profiles: w.profiles, ...(notLoaded ? { notLoaded: true as const } : {}) };
    }),
  });
  return { changes, previous, load, finalRecord };
}

function exitOf(report: Report): number {
  return hasErrors(report.diagnostics) ? 1 : 0;
}

function isFolderLink(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function targetState(fsLayer: OutputFs, p: string): TargetState {
  const kind = fsLayer.kind(p);
  if (kind === undefined) return { kind: "absent" };
  if (kind !== "file") return { kind: "other" };
  const content = fsLayer.readFileIfExists(p);
  return content === undefined ? { kind: "absent" } : { kind: "file", sha256: sha256(content) };
}

interface ApplyArgs {
  readonly fs: OutputFs;
  readonly etc: string;
  readonly lib: string;
  /** What to change, planned again once the lock is held (planRecord). */
  readonly replan: () => Recorded | 1 | 2;
  /** False under --no-load: nothing is loaded or unloaded. */
  readonly loadProfiles: boolean;
  readonly policy: string | null;
  readonly run: RunProcess;
  readonly parser: string;
  readonly display: (p: string) => string;
  readonly report: Report;
}

/** mkdir -p. */
function makeFolders(fsLayer: OutputFs, dir: string): void {
  const missing: string[] = [];
  for (let d = dir; d !== "/" && fsLayer.kind(d) === undefined; d = path.posix.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fsLayer.mkdir(d);
    } catch (e) {
      if (errorCode(e) !== "EEXIST") throw e;
    }
  }
}

/** Replaces (or creates, or with `content` undefined removes) the record, atomically. */
function writeRecord(fsLayer: OutputFs, lib: string, content: string | undefined): void {
  const exists = fsLayer.kind(`${lib}/${RECORD_NAME}`) !== undefined;
  if (content === undefined && !exists) return;
  const change = content === undefined ? { op: "delete" as const, path: RECORD_NAME } : { op: exists ? ("replace" as const) : ("create" as const), path: RECORD_NAME, content };
  applyChanges(lib, [change], fsLayer, transactionId());
}

function transactionId(): string {
  return `${process.pid}-${randomBytes(4).toString("hex")}`;
}

function apply(a: ApplyArgs): number {
  const { fs: fsLayer, etc, lib, report } = a;
  const ioError = (detail: string, code: 1 | 2 = 2): number => {
    report.diagnostics.push(diagnostic(code === 2 ? "MOAT404" : "MOAT508", undefined, { detail }));
    return code;
  };
  try {
    makeFolders(fsLayer, lib);
    makeFolders(fsLayer, etc);
  } catch (e) {
    return ioError(`cannot create ${a.display(lib)} or ${a.display(etc)}: ${describeFsError(e)}`);
  }
  const deps = { fs: fsLayer, pid: process.pid, isProcessAlive };
  let lock;
  try {
    lock = acquireLock(lib, deps);
  } catch (e) {
    return ioError(`cannot lock ${a.display(lib)}: ${describeFsError(e)}`);
  }
  if (!lock.acquired) {
    report.diagnostics.push(
      diagnostic("MOAT405", undefined, { detail: `${a.display(lib)} is held by ${lock.heldBy === undefined ? "another process" : `another moat (process ${lock.heldBy})`}; wait for it to finish, or delete ${a.display(`${lib}/.moat.lock`)} if no moat is running` }),
    );
    return 2;
  }
  try {
    try {
      removeDeadLockFiles(lib, deps);
      for (const dir of [etc, lib]) {
        if (recoverInterrupted(dir, fsLayer).rolledBack.length > 0) report.notes.push(`an interrupted install had left ${a.display(dir)} half updated; restored it first`);
      }
    } catch (e) {
      return ioError(`cannot recover ${a.display(etc)} from an interrupted install: ${describeFsError(e)}`);
    }

    // Planned again now that no other moat can change the record or the files: what one installed
    // between this run's first plan and the lock is owned, and is not overwritten unseen.
    const replanned = a.replan();
    if (typeof replanned === "number") return replanned;
    const { changes, previous, load, finalRecord } = replanned;
    const contentOf = new Map(changes.changes.filter((c) => c.content !== undefined).map((c) => [c.path, c.content!]));
    const replaced = new Set(changes.changes.filter((c) => c.op === "replace").map((c) => c.path));

    // (1) Pending hashes: every file this run may leave behind is owned whatever happens next.
    const pending: InstalledEntry[] = [
      ...previous.entries,
      ...changes.changes.filter((c) => c.content !== undefined).map((c) => ({ name: c.path, sha256: sha256(c.content!), profiles: [] as string[], pending: true as const })),
    ];
    const pendingText = renderInstalledRecord({ version: VERSION, policy: a.policy, files: pending });
    try {
      if (changes.changes.length > 0) writeRecord(fsLayer, lib, pendingText);
    } catch (e) {
      return ioError(`cannot write ${a.display(`${lib}/${RECORD_NAME}`)}: ${describeFsError(e)}; nothing was changed`);
    }
    const restoreRecord = (): string | undefined => {
      try {
        if (changes.changes.length > 0) writeRecord(fsLayer, lib, previous.text);
        return undefined;
      } catch (e) {
        return describeFsError(e);
      }
    };

    const kernel = new Kernel(a.run, a.parser, etc);
    const undo = (why: string, code: 1 | 2): number => {
      const failures = kernel.undo();
      const recordError = restoreRecord();
      const tail = [
        failures.length > 0 ? `; reloading the previous profiles also failed (${failures.join("; ")})` : "; the previous profiles are in place and loaded",
        recordError === undefined ? "" : `; ${a.display(`${lib}/${RECORD_NAME}`)} could not be restored (${recordError}), but it lists both versions, so the next install is not stopped by it`,
      ].join("");
      return ioError(`${why}${tail}`, code);
    };

    // (2) Profiles no longer shipped leave the kernel while their files are still there.
    try {
      if (a.loadProfiles) for (const name of changes.removed) kernel.unload(name);
    } catch (e) {
      if (e instanceof LoadFailed) return undo(`cannot unload ${e.profileFile}: ${e.detail}`, 1);
      throw e;
    }

    // (3) Files into place; the changed profiles loaded before the commit point.
    try {
      const loadAll = (): void => {
        // A file this run leaves as it was is loaded as it is: undoing that load is loading it again.
        for (const name of load) kernel.load(name, replaced.has(name) || !contentOf.has(name), contentOf.get(name) ?? "");
      };
      if (changes.changes.length > 0) applyChanges(etc, changes.changes, fsLayer, transactionId(), { beforeCommit: loadAll });
      else loadAll();
    } catch (e) {
      if (e instanceof LoadFailed) return undo(`apparmor_parser refused ${e.profileFile}: ${e.detail}`, 1);
      if (e instanceof RollbackFailedError) {
        kernel.undo();
        return ioError(
          `cannot update ${a.display(etc)}: ${describeFsError(e.original)}; putting the previous files back also failed (${describeFsError(e.rollbackError)}): the next moat install restores them from ${a.display(e.workDir)}`,
        );
      }
      if (e instanceof Error && !("code" in e)) throw e;
      return undo(`cannot update ${a.display(etc)}: ${describeFsError(e)}`, 2);
    }
    report.outcome = { installed: changes.installed, unchanged: changes.unchanged, removed: changes.removed, loaded: [...kernel.loaded] };

    // (4) The record says what is installed now.
    try {
      writeRecord(fsLayer, lib, finalRecord);
    } catch (e) {
      return ioError(`the profiles are installed and loaded, but ${a.display(`${lib}/${RECORD_NAME}`)} could not be written (${describeFsError(e)}); it lists the new files as pending, and the next install completes it`);
    }
    return 0;
  } finally {
    try {
      lock.release();
    } catch {
      // A lock we cannot remove is stale once we exit; the next run breaks it.
    }
  }
}

export interface SeclabelOptions {
  readonly root: string;
  readonly uri: string;
  readonly apply: boolean;
  readonly dryRun: boolean;
}

/**
 * Static labels: each VM of the policy whose domain exists on this host without moat's seclabel is a
 * warning (MOAT509); with --apply-seclabels the snippet is put into its XML and the domain defined again.
 * Skipped with a note under --root, or when virsh or libvirt cannot be reached; a skip never changes the
 * exit status.
 */
export function seclabelStep(vms: readonly StaticLabelVm[], options: SeclabelOptions, run: RunProcess, virsh: string): { diagnostics: Diagnostic[]; notes: string[] } {
  const diagnostics: Diagnostic[] = [];
  const notes: string[] = [];
  const done = { diagnostics, notes };
  if (vms.length === 0) return done;
  if (options.root !== "/") {
    notes.push("seclabel step skipped: --root stages a host, and libvirt is not part of it");
    return done;
  }
  const uri = options.uri;
  for (const vm of vms) {
    const dump = run(virsh, ["--connect", uri, "dumpxml", vm.domain]);
    if (dump.error !== undefined) {
      notes.push(`seclabel step skipped: ${virsh} cannot be run (${dump.error})`);
      return done;
    }
    if (dump.status !== 0) {
      if (/fail(ed)? to (get|find) domain|domain not found|no domain with matching/i.test(dump.stderr)) continue;
      notes.push(`seclabel step skipped: libvirt at ${uri} cannot be reached (${firstLine(dump)})`);
      return done;
    }
    const facts = domainFacts(dump.stdout, vm.label);
    if (facts === undefined) {
      notes.push(`domain ${vm.domain}: virsh dumpxml gave no domain XML; left alone`);
      continue;
    }
    if (facts.uuid !== vm.uuid) {
      diagnostics.push(diagnostic("MOAT509", undefined, { detail: `domain ${vm.domain} on this host has uuid ${facts.uuid ?? "(none)"}, not the policy's ${vm.uuid}: it is not the policy's vm, and moat leaves it alone` }));
      continue;
    }
    if (facts.hasLabel) continue;
    if (!options.apply) {
      diagnostics.push(
        diagnostic("MOAT509", undefined, { detail: `domain ${vm.domain} (vm of ${vm.tenant}) has no static seclabel for ${vm.label}: libvirt labels it dynamically, with a profile virt-aa-helper writes, not moat's` }, {
          hint: "run moat install --apply-seclabels, or add the snippet of the output folder's libvirt/ to the domain XML",
        }),
      );
      continue;
    }
    const xml = withSeclabel(dump.stdout, vm.seclabel);
    if (xml === undefined) {
      diagnostics.push(diagnostic("MOAT510", undefined, { detail: `domain ${vm.domain}: its XML or the seclabel snippet does not parse` }));
      continue;
    }
    if (options.dryRun) {
      notes.push(`would define domain ${vm.domain} with seclabel ${vm.label}`);
      continue;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "moat-domain-"));
    try {
      const file = path.join(dir, `${vm.domain}.xml`);
      fs.writeFileSync(file, xml, { mode: 0o600 });
      const defined = run(virsh, ["--connect", uri, "define", file]);
      if (defined.status !== 0 || defined.error !== undefined) {
        diagnostics.push(
          diagnostic("MOAT510", undefined, { detail: `virsh define of domain ${vm.domain} failed: ${firstLine(defined)}` }, {
            hint: "the profiles are installed; add the seclabel by hand (virsh edit), or fix what virsh says and run install again",
          }),
        );
      } else notes.push(`domain ${vm.domain}: seclabel ${vm.label} added (virsh define); it takes effect at the domain's next start`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return done;
}

function seclabels(vms: readonly StaticLabelVm[], opts: CommandOptions, io: CliIo, root: string, report: Report): void {
  const found = seclabelStep(vms, { root, uri: opts.connect ?? DEFAULT_URI, apply: opts.applySeclabels === true, dryRun: opts.dryRun === true }, processRunner(io.env), virshProgram(io.env));
  report.diagnostics.push(...found.diagnostics);
  report.notes.push(...found.notes);
}
