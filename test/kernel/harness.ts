/**
 * The kernel suite's harness: boots Debian's kernel with AppArmor under QEMU, loads profiles into it
 * with the real apparmor_parser, runs a list of checks (each one access tried by a process confined by
 * a profile), and returns what the kernel decided, with its own audit records.
 *
 *   const run = await runGuest({ profiles, checks, files, setup });
 *   run.results   // one per check: { id, op, path, expected, observed, detail }
 *   run.audit     // the kernel's `audit: type=1400 … apparmor="DENIED" …` lines
 *
 * What the guest is made of (cached in .cache/kernel/, or $MOAT_KERNEL_CACHE):
 * - the kernel: the package Debian's `linux-image-amd64` depends on, and `busybox-static`, fetched once
 *   with `apt-get download` and unpacked with `dpkg-deb -x` (.ci/setup-kernel.sh does the same);
 * - guest/probe.c, compiled with `gcc -static` (rebuilt when its source changes): the only program
 *   that runs confined; it really calls execve to enter a profile, then open()s and flock()s;
 * - this machine's apparmor_parser with the libraries ldd lists, its /etc/apparmor.d tunables,
 *   abstractions and abi, Debian's abstractions/libvirt-qemu unpacked by .ci/setup-validators.sh (and an
 *   empty local/abstractions/libvirt-qemu), and the profiles compiled for the guest kernel's features
 *   into the parser's cache (see guestFeatures);
 * - guest/init.sh as /init, the profiles, setup lines if any, and the plan: the checks as data (see
 *   guest/probe.c).
 *
 * Checks that share a profile (and exec path) run in one process, so one boot runs thousands of them.
 * Nothing is written outside the cache but a temporary folder, removed when the run ends.
 *
 * Environment: MOAT_KERNEL_ACCEL=tcg|kvm (default: kvm only when a guest really boots with it),
 * MOAT_KERNEL_PARSER_CACHE=0 (compile every profile in the guest), MOAT_KERNEL_CONSOLE=FILE (keep the
 * last console), MOAT_KERNEL_QEMU, MOAT_KERNEL_CACHE.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, it } from "vitest";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const GUEST = fileURLToPath(new URL("./guest/", import.meta.url));
export const CACHE = process.env.MOAT_KERNEL_CACHE ?? join(REPO, ".cache", "kernel");
const VALIDATORS = join(REPO, ".cache", "validators");
/** Under MOAT_REQUIRE_VALIDATORS=1 (CI) a kernel that cannot be booted fails the suite instead of skipping it. */
export const REQUIRED = process.env.MOAT_REQUIRE_VALIDATORS === "1";
/** MOAT_KERNEL_WRITE_FIXTURES=1 rewrites test/kernel/fixtures/denials-*.log from the run. */
export const WRITE_FIXTURES = process.env.MOAT_KERNEL_WRITE_FIXTURES === "1";

/** The emulator (MOAT_KERNEL_QEMU names another build). */
const QEMU = process.env.MOAT_KERNEL_QEMU ?? "qemu-system-x86_64";

/** The kernel command line, plus room for thousands of audit records. */
const APPEND = [
  "console=ttyS0",
  "quiet",
  "apparmor=1",
  "security=apparmor",
  "panic=-1",
  // Records wait in this queue for the thread that prints them; past 64 (the default) they are dropped.
  "audit_backlog_limit=65536",
  // The whole run's records must still be in the kernel log when the guest reads it at the end.
  "log_buf_len=32M",
].join(" ");

// ---------------------------------------------------------------------------------------------------
// What a caller gives and gets

/** What a check does, in a process confined by its profile (see guest/probe.c). */
export type Op = "read" | "write" | "lock" | "label" | "mount" | "socket";

export interface Check {
  /** Any text; unique within a run. */
  readonly id: string;
  readonly op: Op;
  /** The file tried (read, write, lock), or the mount point (mount). */
  readonly path?: string;
  /** mount: what is mounted on `path` (`mount(source, path, fstype, flags ?? 0, NULL)`). */
  readonly mount?: { readonly source: string; readonly fstype: string; readonly flags?: number };
  /** socket: the socket created (`socket(AF_<family>, SOCK_<type>, …)`; names as in a `network` rule). */
  readonly socket?: { readonly family: string; readonly type: string };
  /**
   * The profile the process is put in: `exec PROFILE` is written to /proc/self/attr/exec before the
   * execve. Without it, the process gets what the kernel attaches to `exec` (a profile's attachment).
   */
  readonly profile?: string;
  /** The path the process is started from: a copy of the probe is put there. Default /bin/moat-probe. */
  readonly exec?: string;
  /**
   * read, write, lock, mount: "allow" or "deny" (EACCES). socket: "allow" or "deny" (EACCES for a
   * missing `network` rule, EPERM for a missing capability). Anything else is "error:ERRNO". label:
   * the label, as /proc/PID/attr/current shows it (`moat.acme.agent (enforce)`).
   */
  readonly expect: string;
}

/** A file the guest must hold before the checks run. Paths a check names are created as files by default. */
export interface GuestFile {
  readonly path: string;
  /**
   * file: a regular file; dir: a folder; chardev: a character device node (default 1:3, like /dev/null);
   * given: made by the setup lines (a device-mapper node, a link): the plan creates nothing there.
   */
  readonly kind: "file" | "dir" | "chardev" | "given";
  readonly major?: number;
  readonly minor?: number;
}

export interface GuestProfile {
  /** The file name under /moat/profiles (the profile's name inside it is what the kernel uses). */
  readonly name: string;
  readonly content: string;
}

/**
 * One step of a run: setup lines, then the files, then the checks. A run is its first stage (the
 * spec's own `setup`, `files`, `checks`) followed by `then`: to see the kernel's answer before and after
 * something changes (a profile replaced by `moat install` in the guest, say).
 */
export interface GuestStage {
  readonly checks: readonly Check[];
  readonly files?: readonly GuestFile[];
  /**
   * Shell lines run (by busybox sh, as root, unconfined) before the stage's checks: to make a
   * device-mapper device, mount something, start a daemon, install profiles. Their output and exit
   * status are in the result's `setup` (every stage's, in order).
   */
  readonly setup?: readonly string[];
}

export interface GuestSpec extends GuestStage {
  readonly profiles: readonly GuestProfile[];
  /** Stages run after the first, in order; check ids are unique across all of them. */
  readonly then?: readonly GuestStage[];
  /** Files of this machine to copy into the guest (a binary, a kernel module); see `withLibraries`, `kernelModules`, `moatInGuest`. */
  readonly hostFiles?: readonly HostFile[];
  /** Milliseconds before the guest is given up on; default 300,000 (a boot takes ~30 s without KVM). */
  readonly timeoutMs?: number;
}

/** A file of this machine copied into the guest; `tree`: a folder, copied with all it holds. */
export interface HostFile {
  readonly guest: string;
  readonly host: string;
  readonly mode?: number;
  readonly tree?: boolean;
}

export interface CheckResult {
  readonly id: string;
  readonly op: Op;
  readonly path?: string;
  readonly profile?: string;
  readonly expected: string;
  /** allow, deny, error:ERRNO, the label for a label check, or "missing" when the guest said nothing. */
  readonly observed: string;
  /** What failed: open or flock (or why the check did not run). */
  readonly detail: string;
}

export interface LoadedProfile {
  readonly name: string;
  readonly mode: string;
}

export interface GuestResult {
  readonly results: readonly CheckResult[];
  /** The kernel's AppArmor records of the run, as it printed them, dmesg's timestamp removed. */
  readonly audit: readonly string[];
  /** The profiles the kernel holds after loading (/sys/kernel/security/apparmor/profiles). */
  readonly loaded: readonly LoadedProfile[];
  /** apparmor_parser's exit status and messages in the guest. */
  readonly parser: { readonly exit: number; readonly output: readonly string[] };
  /** Setup failures (a file that could not be created) and group failures (a profile that could not be entered). */
  readonly problems: readonly string[];
  /** The setup lines' exit status (-1 when there were none; the first non-zero of the stages) and output. */
  readonly setup: { readonly exit: number; readonly output: readonly string[] };
  /** Lines of the kernel that say audit records were lost (must be empty for the records to be complete). */
  readonly auditLoss: readonly string[];
  readonly kernel: string;
  readonly accel: "kvm" | "tcg";
  /** Milliseconds spent here before the boot: profiles compiled for the parser's cache, initramfs built. */
  readonly prepareMs: number;
  /** Milliseconds from starting QEMU to the guest's first line, and to its end. */
  readonly bootMs: number;
  readonly totalMs: number;
  /** The whole console, carriage returns removed. */
  readonly console: string;
}

/** The results whose observation differs from the expectation. */
export function mismatches(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.observed !== r.expected);
}

/** A mismatch as one readable line. */
export function describeResult(r: CheckResult): string {
  const who = r.profile ?? "?";
  return `${r.id}: ${r.op} ${r.path ?? ""} as ${who}: expected ${r.expected}, observed ${r.observed} (${r.detail})`;
}

// ---------------------------------------------------------------------------------------------------
// Can a kernel be booted here?

function onPath(command: string): string | undefined {
  if (command.includes("/")) return existsSync(command) ? command : undefined;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
  for (const dir of dirs) {
    if (dir !== "" && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** Debian's abstractions/libvirt-qemu: unpacked by .ci/setup-validators.sh, or the host's own. */
function libvirtAbstraction(): { abstraction: string } | undefined {
  const cached = join(VALIDATORS, "libvirt-daemon-system", "etc", "apparmor.d", "abstractions", "libvirt-qemu");
  if (existsSync(cached)) return { abstraction: cached };
  if (existsSync("/etc/apparmor.d/abstractions/libvirt-qemu")) return { abstraction: "/etc/apparmor.d/abstractions/libvirt-qemu" };
  return undefined;
}

/** LXC's abstractions/lxc folder (container-base, for container profiles): unpacked by .ci/setup-validators.sh, or the host's. */
function lxcAbstractions(): string | undefined {
  for (const dir of [join(VALIDATORS, "lxc", "etc", "apparmor.d", "abstractions", "lxc"), "/etc/apparmor.d/abstractions/lxc"]) {
    if (existsSync(join(dir, "container-base"))) return dir;
  }
  return undefined;
}

let missingMemo: string[] | undefined;

/** Why a kernel cannot be booted here; empty when it can (the kernel itself is fetched if needed). */
export function kernelMissing(): string[] {
  if (missingMemo !== undefined) return missingMemo;
  const missing: string[] = [];
  if (onPath(QEMU) === undefined) missing.push(`${QEMU} is not installed (apt-get install qemu-system-x86, or run .ci/setup-kernel.sh)`);
  if (onPath("apparmor_parser") === undefined || !existsSync("/etc/apparmor.d/abi/3.0")) missing.push("apparmor_parser is not installed (apt-get install apparmor)");
  if (onPath("gcc") === undefined) missing.push("gcc is not installed (apt-get install gcc libc6-dev), needed for the guest's probe");
  if (onPath("ldd") === undefined) missing.push("ldd is not installed (libc-bin)");
  if (libvirtAbstraction() === undefined) missing.push("abstractions/libvirt-qemu is missing (run .ci/setup-validators.sh)");
  if (lxcAbstractions() === undefined) missing.push("abstractions/lxc/container-base is missing (run .ci/setup-validators.sh)");
  if (missing.length === 0) {
    try {
      fetchKernel();
    } catch (e) {
      missing.push(`the kernel could not be fetched: ${(e as Error).message}`);
    }
    try {
      buildProbe();
    } catch (e) {
      missing.push(`the guest's probe could not be built (apt-get install gcc libc6-dev): ${(e as Error).message}`);
    }
  }
  missingMemo = missing;
  return missing;
}

/**
 * `describe` for tests that boot a kernel: plain `describe` when one can be booted; otherwise skipped
 * with a warning ("SKIPPED …"), or, under MOAT_REQUIRE_VALIDATORS=1, a failing test naming what is missing.
 */
export function describeWithKernel(title: string, body: () => void): void {
  const missing = kernelMissing();
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  if (REQUIRED) {
    describe(title, () => {
      it("can boot a kernel (MOAT_REQUIRE_VALIDATORS=1)", () => {
        throw new Error(`cannot boot a kernel: ${missing.join("; ")}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${title}": cannot boot a kernel: ${missing.join("; ")}`);
  describe.skip(title, body);
}

// ---------------------------------------------------------------------------------------------------
// The cached parts: kernel, busybox, probe

function run(command: string, args: readonly string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(command, args, { encoding: "utf8", cwd: options.cwd, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${(result.stderr || result.stdout).trim().split("\n").slice(-3).join(" / ")}`);
  return result.stdout;
}

/** Moves `from` to `to` in one step, so that two processes filling the cache at once never see half a file. */
function publish(from: string, to: string): void {
  renameSync(from, to);
}

export interface KernelFiles {
  readonly vmlinuz: string;
  readonly busybox: string;
  readonly package: string;
  /** The modules of guest/modules.txt, by file name (`dm-mod.ko`). */
  readonly modules: ReadonlyMap<string, string>;
}

/** guest/modules.txt: the kernel modules kept beside the image, as paths under lib/modules/VERSION/. */
function moduleList(): string[] {
  return readFileSync(join(GUEST, "modules.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Debian's kernel and busybox-static, from the cache, or fetched with apt-get download and unpacked once. */
export function fetchKernel(): KernelFiles {
  const vmlinuz = join(CACHE, "vmlinuz");
  const busybox = join(CACHE, "busybox");
  const pkgFile = join(CACHE, "kernel-package");
  const modules = new Map(moduleList().map((m) => [posix.basename(m), join(CACHE, "modules", posix.basename(m))] as const));
  if (existsSync(vmlinuz) && existsSync(busybox) && [...modules.values()].every((m) => existsSync(m))) {
    return { vmlinuz, busybox, package: existsSync(pkgFile) ? readFileSync(pkgFile, "utf8").trim() : "linux-image", modules };
  }
  if (onPath("apt-get") === undefined || onPath("dpkg-deb") === undefined) throw new Error("apt-get and dpkg-deb are needed to fetch Debian's kernel");
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, "download-"));
  try {
    const depends = run("apt-cache", ["depends", "linux-image-amd64"]);
    const image = /Depends: (linux-image-[0-9][^\s]*-amd64)\s*$/m.exec(depends)?.[1];
    if (image === undefined) throw new Error("apt knows no linux-image-amd64 (apt-get update?)");
    run("apt-get", ["download", image, "busybox-static"], { cwd: work });
    const root = join(work, "root");
    for (const deb of readdirSync(work).filter((f) => f.endsWith(".deb"))) run("dpkg-deb", ["-x", join(work, deb), root]);
    const kernel = readdirSync(join(root, "boot")).find((f) => f.startsWith("vmlinuz-"));
    if (kernel === undefined) throw new Error(`${image} holds no /boot/vmlinuz-*`);
    const version = readdirSync(join(root, "lib", "modules"))[0];
    mkdirSync(join(CACHE, "modules"), { recursive: true });
    for (const m of moduleList()) {
      const from = join(root, "lib", "modules", version ?? "", m);
      if (!existsSync(from)) throw new Error(`${image} holds no ${m}`);
      publish(from, modules.get(posix.basename(m))!);
    }
    writeFileSync(join(work, "kernel-package"), `${image}\n`);
    publish(join(work, "kernel-package"), pkgFile);
    publish(join(root, "bin", "busybox"), busybox);
    publish(join(root, "boot", kernel), vmlinuz);
    return { vmlinuz, busybox, package: image, modules };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** guest/probe.c compiled statically, cached by the hash of its source. */
export function buildProbe(): string {
  const source = join(GUEST, "probe.c");
  const hash = createHash("sha256").update(readFileSync(source)).digest("hex").slice(0, 16);
  const binary = join(CACHE, `moat-probe-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, "probe-"));
  try {
    run("gcc", ["-static", "-O2", "-Wall", "-o", join(work, "moat-probe"), source]);
    publish(join(work, "moat-probe"), binary);
    // Builds of older sources are of no more use.
    for (const f of readdirSync(CACHE)) if (/^moat-probe-[0-9a-f]{16}$/.test(f) && join(CACHE, f) !== binary) rmSync(join(CACHE, f), { force: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

/**
 * Can QEMU use KVM here? /dev/kvm must open, and a guest must really boot under it: in some containers
 * and nested setups the device opens but a guest never gets past the firmware. So a minimal guest is
 * booted once (a second or two under a working KVM, 20 s at most otherwise) and the answer is kept in the
 * cache for this boot of the host. MOAT_KERNEL_ACCEL=tcg or kvm decides without asking.
 */
function accelerator(kernel: KernelFiles): "kvm" | "tcg" {
  const forced = process.env.MOAT_KERNEL_ACCEL;
  if (forced === "tcg" || forced === "kvm") return forced;
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    closeSync(openSync("/dev/kvm", "r+"));
  } catch {
    return "tcg";
  }
  let bootId = "unknown";
  try {
    bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    // not Linux's proc: ask every time
  }
  const memo = join(CACHE, `kvm-${bootId}`);
  if (existsSync(memo)) return readFileSync(memo, "utf8").trim() === "kvm" ? "kvm" : "tcg";
  const work = mkdtempSync(join(tmpdir(), "moat-kvm-"));
  let answer: "kvm" | "tcg" = "tcg";
  try {
    const a = new Archive();
    a.file("/bin/busybox", readFileSync(kernel.busybox), 0o755);
    a.file("/init", Buffer.from("#!/bin/busybox sh\n/bin/busybox echo MOAT-KVM-OK\n/bin/busybox poweroff -f\n"), 0o755);
    writeFileSync(join(work, "initrd.gz"), a.build());
    const result = spawnSync(
      QEMU,
      ["-accel", "kvm", "-cpu", "host", "-m", "256", "-nographic", "-no-reboot", "-kernel", kernel.vmlinuz, "-initrd", join(work, "initrd.gz"), "-append", "console=ttyS0 quiet panic=-1"],
      { encoding: "utf8", timeout: 20_000, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
    );
    if ((result.stdout ?? "").includes("MOAT-KVM-OK")) answer = "kvm";
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(`${memo}.tmp${process.pid}`, `${answer}\n`);
  publish(`${memo}.tmp${process.pid}`, memo);
  return answer;
}

// ---------------------------------------------------------------------------------------------------
// The initramfs: a newc cpio archive, gzipped

interface Entry {
  readonly path: string; // without the leading '/'
  readonly mode: number; // with the file type bits
  readonly data?: Buffer;
  readonly mtime: number;
}

/**
 * Modification times in the guest: every source (profiles, abstractions) is older than every compiled
 * profile in the parser's cache, so the guest's apparmor_parser takes a cache entry as up to date.
 */
const SOURCE_MTIME = 1_600_000_000;
const CACHE_MTIME = SOURCE_MTIME + 1000;

class Archive {
  private readonly entries = new Map<string, Entry>();

  dir(path: string, mode = 0o755): void {
    const clean = path.replace(/^\/+|\/+$/g, "");
    if (clean === "" || this.entries.has(clean)) return;
    this.dir(posix.dirname(clean) === "." ? "" : posix.dirname(clean));
    this.entries.set(clean, { path: clean, mode: 0o040000 | mode, mtime: SOURCE_MTIME });
  }

  file(path: string, data: Buffer, mode = 0o644, mtime = SOURCE_MTIME): void {
    const clean = path.replace(/^\/+/, "");
    const parent = posix.dirname(clean);
    if (parent !== ".") this.dir(parent);
    this.entries.set(clean, { path: clean, mode: 0o100000 | mode, data, mtime });
  }

  symlink(path: string, target: string): void {
    const clean = path.replace(/^\/+/, "");
    const parent = posix.dirname(clean);
    if (parent !== ".") this.dir(parent);
    this.entries.set(clean, { path: clean, mode: 0o120777, data: Buffer.from(target), mtime: SOURCE_MTIME });
  }

  /** A host folder's files, recursively, under `to` (links kept as links). */
  tree(from: string, to: string, mtime = SOURCE_MTIME): void {
    this.dir(to);
    for (const name of readdirSync(from).sort()) {
      const source = join(from, name);
      const target = posix.join(to, name);
      const st = lstatSync(source);
      if (st.isSymbolicLink()) this.symlink(target, readlinkSync(source));
      else if (st.isDirectory()) this.tree(source, target, mtime);
      else if (st.isFile()) this.file(target, readFileSync(source), st.mode & 0o777, mtime);
    }
  }

  /** The newc archive: parents before children, then the trailer; gzipped. */
  build(): Buffer {
    const parts: Buffer[] = [];
    let ino = 1;
    const header = (name: string, mode: number, size: number, mtime: number): void => {
      const nameBytes = Buffer.from(`${name}\0`);
      const fields = [ino++, mode, 0, 0, 1, mtime, size, 0, 0, 0, 0, nameBytes.length, 0];
      const head = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}`);
      parts.push(head, nameBytes, Buffer.alloc((4 - ((head.length + nameBytes.length) % 4)) % 4));
    };
    for (const entry of [...this.entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      const data = entry.data ?? Buffer.alloc(0);
      header(entry.path, entry.mode, data.length, entry.mtime);
      parts.push(data, Buffer.alloc((4 - (data.length % 4)) % 4));
    }
    header("TRAILER!!!", 0, 0, 0);
    return gzipSync(Buffer.concat(parts), { level: 1 });
  }
}

/**
 * A program of this machine and the libraries ldd lists for it, as `hostFiles` entries: the program at
 * `guest`, each library at its own path. For a tool a setup line needs (dmsetup, losetup, …).
 */
export function withLibraries(host: string, guest: string = host): HostFile[] {
  const out: HostFile[] = [{ guest, host, mode: 0o755 }];
  for (const line of run("ldd", [host]).split("\n")) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s+(\/\S+)/.exec(line);
    if (m !== null) out.push({ guest: m[1]!, host: m[1]!, mode: 0o755 });
  }
  return out;
}

/** The kernel modules of guest/modules.txt, as `hostFiles` entries under /moat/modules/ (load with `insmod`). */
export function kernelModules(): HostFile[] {
  return [...fetchKernel().modules].map(([name, host]) => ({ guest: `/moat/modules/${name}`, host, mode: 0o644 }));
}

/**
 * moat itself in the guest, as `hostFiles` entries: this machine's node (and its libraries) at
 * /usr/bin/node, and the built package at /moat/app (package.json, bin/, dist/src/, and the packages
 * `npm ls --omit=dev` lists), so that a setup line can run `node /moat/app/bin/moat.js install …`.
 * Needs `npm run build` first (the suite's global setup does not build).
 */
export function moatInGuest(): HostFile[] {
  const dist = join(REPO, "dist", "src");
  if (!existsSync(join(dist, "cli", "main.js"))) throw new Error("dist/src is missing: run npm run build");
  const files: HostFile[] = [
    ...withLibraries(process.execPath, "/usr/bin/node"),
    { guest: "/moat/app/package.json", host: join(REPO, "package.json") },
    { guest: "/moat/app/bin", host: join(REPO, "bin"), tree: true },
    { guest: "/moat/app/dist/src", host: dist, tree: true },
  ];
  const listed = run("npm", ["ls", "--omit=dev", "--parseable", "--all"], { cwd: REPO }).split("\n").filter((l) => l.trim() !== "");
  for (const dir of listed.slice(1)) {
    const rel = dir.slice(REPO.length).replace(/^\/+/, "");
    if (!rel.startsWith("node_modules/")) continue;
    files.push({ guest: `/moat/app/${rel}`, host: dir, tree: true });
  }
  return files;
}

/** apparmor_parser and its libraries, as (path in the guest, host path). */
function parserFiles(): [string, string][] {
  return withLibraries(onPath("apparmor_parser")!, "/sbin/apparmor_parser").map((f) => [f.guest, f.host]);
}

const hex = (s: string): string => Buffer.from(s, "utf8").toString("hex");

/** Groups of checks that run in one process: same profile, same exec path, in order of first appearance. */
function groupsOf(checks: readonly Check[]): { profile: string; exec: string; checks: { check: Check; index: number }[] }[] {
  const groups = new Map<string, { profile: string; exec: string; checks: { check: Check; index: number }[] }>();
  checks.forEach((check, index) => {
    const profile = check.profile ?? "-";
    const exec = check.exec ?? "/bin/moat-probe";
    const key = `${profile}\0${exec}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { profile, exec, checks: [] }));
    g.checks.push({ check, index });
  });
  return [...groups.values()];
}

const KERNEL_MADE = /^\/(proc|sys)\//;

/** A stage's checks with their indices in the whole run (the ids the probe reports results under). */
function stagesOf(spec: GuestSpec): { stage: GuestStage; offset: number }[] {
  const out: { stage: GuestStage; offset: number }[] = [];
  let offset = 0;
  for (const stage of [spec, ...(spec.then ?? [])]) {
    out.push({ stage, offset });
    offset += stage.checks.length;
  }
  return out;
}

/** Every check of the run, the first stage's first. */
function allChecks(spec: GuestSpec): Check[] {
  return [spec, ...(spec.then ?? [])].flatMap((s) => [...s.checks]);
}

/** The operand a check hands the probe in place of a path: mount and socket carry several. */
function operand(check: Check): string {
  if (check.op === "mount") {
    if (check.mount === undefined || check.path === undefined) throw new Error(`mount check ${check.id} needs path and mount`);
    return `${check.path}\n${check.mount.source}\n${check.mount.fstype}${check.mount.flags === undefined ? "" : `\n${check.mount.flags}`}`;
  }
  if (check.op === "socket") {
    if (check.socket === undefined) throw new Error(`socket check ${check.id} needs socket`);
    return `${check.socket.family}\n${check.socket.type}`;
  }
  return check.path ?? "/";
}

/**
 * The plan for guest/probe.c of one stage: files to create, exec copies, then the groups of checks,
 * each check numbered by its index in the whole run (`offset` is the stage's first).
 */
export function planText(spec: GuestStage, offset = 0): string {
  const lines: string[] = [];
  const placed = new Set<string>();
  const place = (f: GuestFile): void => {
    if (placed.has(f.path)) return;
    placed.add(f.path);
    if (f.kind === "given") return;
    if (f.kind === "dir") lines.push(`D\t${hex(f.path)}`);
    else if (f.kind === "chardev") lines.push(`C\t${hex(f.path)}\t${f.major ?? 1}\t${f.minor ?? 3}`);
    else lines.push(`F\t${hex(f.path)}`);
  };
  for (const f of spec.files ?? []) place(f);
  for (const c of spec.checks) {
    if (c.path === undefined || c.op === "label" || c.op === "socket" || KERNEL_MADE.test(c.path)) continue;
    place({ path: c.path, kind: c.op === "mount" ? "dir" : c.path.startsWith("/dev/") ? "chardev" : "file" });
  }
  const execs = new Set(spec.checks.map((c) => c.exec).filter((e): e is string => e !== undefined && e !== "/bin/moat-probe"));
  for (const e of [...execs].sort()) lines.push(`X\t${hex(e)}`);
  for (const g of groupsOf(spec.checks)) {
    if (/[\s]/.test(g.profile) || g.profile === "") throw new Error(`profile name ${JSON.stringify(g.profile)} cannot be written to attr/exec as one token`);
    lines.push(`G\t${g.profile}\t${hex(g.exec)}`);
    for (const { check, index } of g.checks) lines.push(`K\t${offset + index}\t${check.op}\t${hex(operand(check))}`);
    lines.push("E");
  }
  return `${lines.join("\n")}\n`;
}

/** The parts every guest has: busybox, the probe, /init, apparmor_parser and the files it includes. */
function baseArchive(kernel: KernelFiles, probe: string | undefined): Archive {
  const a = new Archive();
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "run", "moat/profiles", "etc/apparmor"]) a.dir(d);
  a.dir("tmp", 0o1777);
  a.file("/bin/busybox", readFileSync(kernel.busybox), 0o755);
  if (probe !== undefined) a.file("/bin/moat-probe", readFileSync(probe), 0o755);
  a.file("/init", readFileSync(join(GUEST, "init.sh")), 0o755);
  for (const [guest, host] of parserFiles()) a.file(guest, readFileSync(host), 0o755);
  a.file("/etc/apparmor/parser.conf", Buffer.alloc(0));
  for (const part of ["tunables", "abstractions", "abi"]) a.tree(join("/etc/apparmor.d", part), `/etc/apparmor.d/${part}`);
  a.file("/etc/apparmor.d/abstractions/libvirt-qemu", readFileSync(libvirtAbstraction()!.abstraction));
  a.file("/etc/apparmor.d/local/abstractions/libvirt-qemu", Buffer.alloc(0));
  a.tree(lxcAbstractions()!, "/etc/apparmor.d/abstractions/lxc");
  return a;
}

function initramfs(spec: GuestSpec, kernel: KernelFiles, probe: string, cache: string | undefined): Buffer {
  const a = baseArchive(kernel, probe);
  const names = new Set<string>();
  for (const p of spec.profiles) {
    if (!/^[A-Za-z0-9._-]+$/.test(p.name) || names.has(p.name)) throw new Error(`bad or repeated profile file name ${p.name}`);
    names.add(p.name);
    a.file(`/moat/profiles/${p.name}`, Buffer.from(p.content, "utf8"));
  }
  if (cache !== undefined) a.tree(cache, "/moat/cache", CACHE_MTIME);
  for (const f of spec.hostFiles ?? []) {
    if (f.tree === true) a.tree(f.host, f.guest);
    else a.file(f.guest, readFileSync(f.host), f.mode ?? (statSync(f.host).mode & 0o777));
  }
  const ids = new Set<string>();
  for (const c of allChecks(spec)) {
    if (ids.has(c.id)) throw new Error(`check id ${c.id} is used twice`);
    ids.add(c.id);
  }
  // guest/init.sh runs /moat/stage-0, /moat/stage-1, … in order: setup.sh, then the plan.
  stagesOf(spec).forEach(({ stage, offset }, n) => {
    if (stage.setup !== undefined && stage.setup.length > 0) a.file(`/moat/stage-${n}/setup.sh`, Buffer.from(`${stage.setup.join("\n")}\n`));
    a.file(`/moat/stage-${n}/plan`, Buffer.from(planText(stage, offset)));
  });
  return a.build();
}

// ---------------------------------------------------------------------------------------------------
// The parser's cache: profiles compiled here for the guest kernel's features

/**
 * apparmor_parser compiles a profile for the features of the kernel it loads into. Under QEMU without
 * KVM that takes about 2 s a profile in the guest; on this machine, 0.1 s. So the guest's features
 * (/sys/kernel/security/apparmor/features) are read once from a guest and kept in the cache, the
 * profiles are compiled here by the same apparmor_parser for exactly those features, into the parser's
 * own cache format (`-W -L DIR --kernel-features FEATURES`), and the guest's apparmor_parser loads them
 * from that cache. The guest's parser uses a cache entry only when its features match the running
 * kernel's and it is newer than the profile; otherwise it compiles the profile itself, as a host would.
 * MOAT_KERNEL_PARSER_CACHE=0 turns this off: every profile is compiled in the guest.
 */
export async function guestFeatures(): Promise<string | undefined> {
  if (process.env.MOAT_KERNEL_PARSER_CACHE === "0") return undefined;
  const kernel = fetchKernel();
  const dir = join(CACHE, `features-${kernel.package}`);
  if (existsSync(dir)) return dir;
  const work = mkdtempSync(join(tmpdir(), "moat-kernel-"));
  try {
    const a = baseArchive(kernel, undefined);
    a.file("/moat/features-only", Buffer.alloc(0));
    writeFileSync(join(work, "initrd.gz"), a.build());
    const boot = await bootQemu(kernel, join(work, "initrd.gz"), 300_000);
    if (!boot.console.includes("MOAT-DONE")) return undefined;
    const tree = mkdtempSync(join(CACHE, "features-tmp-"));
    for (const line of boot.console.split("\n")) {
      const m = /MOAT-FEATURE-(DIR|FILE) (\S+)(?: ([0-9a-f]*))?$/.exec(line);
      if (m === null) continue;
      const target = join(tree, m[2]!);
      if (!target.startsWith(tree)) continue;
      if (m[1] === "DIR") mkdirSync(target, { recursive: true });
      else writeFileSync(target, Buffer.from(m[3] ?? "", "hex"));
    }
    try {
      publish(tree, dir);
    } catch {
      rmSync(tree, { recursive: true, force: true }); // another process published it first
    }
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The profiles compiled for `features` into a parser cache under `work`, or undefined if the parser failed. */
function compileCache(profiles: readonly GuestProfile[], features: string, work: string): string | undefined {
  if (profiles.length === 0) return undefined;
  const sources = join(work, "profiles");
  const cache = join(work, "cache");
  mkdirSync(sources);
  mkdirSync(cache);
  const files = profiles.map((p) => {
    writeFileSync(join(sources, p.name), p.content);
    return join(sources, p.name);
  });
  const abstraction = libvirtAbstraction()!.abstraction;
  const includes = [join(abstraction, "..", ".."), join(lxcAbstractions()!, "..", ".."), join(work, "local")];
  mkdirSync(join(work, "local", "local", "abstractions"), { recursive: true });
  writeFileSync(join(work, "local", "local", "abstractions", "libvirt-qemu"), "");
  spawnSync(
    onPath("apparmor_parser")!,
    ["-Q", "-W", "-L", cache, "--kernel-features", features, "--config-file=/dev/null", ...includes.flatMap((d) => ["-I", d]), ...files],
    { encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
  );
  // Whatever was compiled is used; a profile the parser refused is compiled (and refused) in the guest.
  return readdirSync(cache).length > 0 ? cache : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Booting

function unhex(h: string): string {
  return h === "-" ? "" : Buffer.from(h, "hex").toString("utf8");
}

/** Parses the console into results; exported for the harness's own tests. */
export function parseConsole(spec: GuestSpec, console: string): Omit<GuestResult, "accel" | "prepareMs" | "bootMs" | "totalMs" | "console"> {
  const lines = console.split("\n");
  const observed = new Map<number, { observed: string; detail: string }>();
  const problems: string[] = [];
  const audit: string[] = [];
  const auditLoss: string[] = [];
  const loaded: LoadedProfile[] = [];
  const parserOutput: string[] = [];
  let parserExit = -1;
  const setupOutput: string[] = [];
  let setupExit = -1;
  let kernel = "";
  let inAudit = false;
  let stageNow = 0;
  // The probe numbers groups from 0 in each stage: a group is known by `stage:n`.
  const groupOfCheck = new Map<number, string>();
  stagesOf(spec).forEach(({ stage, offset }, s) => groupsOf(stage.checks).forEach((g, n) => g.checks.forEach(({ index }) => groupOfCheck.set(offset + index, `${s}:${n}`))));
  const labels = new Map<string, string>();
  for (const raw of lines) {
    // The guest's first line follows the firmware's last words (and terminal escapes) on the same line.
    const line = raw.includes("MOAT-GUEST") ? raw.slice(raw.indexOf("MOAT-GUEST")) : raw;
    if (inAudit) {
      if (line.startsWith("MOAT-AUDIT-END")) inAudit = false;
      else {
        const at = line.indexOf("audit: type=1400 ");
        if (at >= 0) audit.push(line.slice(at));
      }
      continue;
    }
    const m = /^MOAT-([A-Z-]+)(?: (.*))?$/.exec(line);
    if (m === null) continue;
    const [, tag, rest = ""] = m;
    switch (tag) {
      case "GUEST":
        kernel = rest.split(" ")[0] ?? "";
        break;
      case "PARSER-EXIT":
        parserExit = Number(rest);
        break;
      case "PARSER":
        parserOutput.push(rest);
        break;
      case "LOADED": {
        const lm = /^(.*) \(([a-z]+)\)$/.exec(rest);
        if (lm !== null) loaded.push({ name: lm[1]!, mode: lm[2]! });
        break;
      }
      case "SETUP":
        setupOutput.push(rest);
        break;
      case "STAGE":
        stageNow = Number(rest);
        break;
      case "SETUP-EXIT": {
        const exit = Number(rest);
        if (setupExit <= 0) setupExit = exit;
        if (exit !== 0) problems.push(`the setup lines of stage ${stageNow} exited with ${exit}`);
        break;
      }
      case "SETUP-FAIL": {
        const [h, e] = rest.split(" ");
        problems.push(`could not create ${unhex(h ?? "")}: ${e}`);
        break;
      }
      case "GROUP": {
        const [n, label] = rest.split(" ");
        labels.set(`${stageNow}:${Number(n)}`, unhex(label ?? "-"));
        break;
      }
      case "GROUP-FAIL":
        problems.push(`group ${rest}`);
        break;
      case "RESULT": {
        const [id, obs, detail] = rest.split(" ");
        observed.set(Number(id), { observed: obs ?? "", detail: detail ?? "" });
        break;
      }
      case "AUDIT-BEGIN":
        inAudit = true;
        break;
      case "AUDIT-LOSS":
        auditLoss.push(rest);
        break;
    }
  }
  const results = allChecks(spec).map((check, index): CheckResult => {
    const got = observed.get(index);
    const label = labels.get(groupOfCheck.get(index)!);
    const base = { id: check.id, op: check.op, path: check.path, profile: check.profile ?? check.exec, expected: check.expect };
    if (check.op === "label") return { ...base, observed: label ?? "missing", detail: got === undefined ? "no result" : "label" };
    if (got === undefined) return { ...base, observed: "missing", detail: "no result" };
    return { ...base, ...got };
  });
  return { results, audit, loaded, parser: { exit: parserExit, output: parserOutput }, problems, setup: { exit: setupExit, output: setupOutput }, auditLoss, kernel };
}

interface Boot {
  readonly console: string;
  readonly accel: "kvm" | "tcg";
  readonly bootMs: number;
  readonly totalMs: number;
  readonly timedOut: boolean;
  readonly code: number | null;
}

/** Runs QEMU on the kernel and `initrd` until the guest powers off (or the time is up); returns the console. */
async function bootQemu(kernel: KernelFiles, initrd: string, timeoutMs: number): Promise<Boot> {
  const accel = accelerator(kernel);
  const args = [
    "-accel", accel,
    "-cpu", accel === "kvm" ? "host" : "max",
    "-m", "1024",
    "-smp", "1",
    "-nographic",
    "-no-reboot",
    "-kernel", kernel.vmlinuz,
    "-initrd", initrd,
    "-append", APPEND,
  ];
  const started = Date.now();
  let bootMs = -1;
  let seen = "";
  const chunks: Buffer[] = [];
  const status = await new Promise<{ code: number | null; timedOut: boolean; error?: Error }>((resolve) => {
    const child = spawn(QEMU, args, { stdio: ["ignore", "pipe", "pipe"] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    const take = (b: Buffer): void => {
      chunks.push(b);
      if (bootMs < 0) {
        seen = (seen + b.toString("latin1")).slice(-64);
        if (seen.includes("MOAT-GUEST")) bootMs = Date.now() - started;
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, timedOut, error });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut });
    });
  });
  if (status.error !== undefined) throw status.error;
  const console = Buffer.concat(chunks).toString("utf8").replace(/\r/g, "");
  // MOAT_KERNEL_CONSOLE=FILE keeps the last guest's console, for debugging the harness.
  if (process.env.MOAT_KERNEL_CONSOLE !== undefined) writeFileSync(process.env.MOAT_KERNEL_CONSOLE, console);
  return { console, accel, bootMs, totalMs: Date.now() - started, timedOut: status.timedOut, code: status.code };
}

/** Boots a guest that loads `spec.profiles`, creates the files and runs the checks; resolves with what the kernel did. */
export async function runGuest(spec: GuestSpec): Promise<GuestResult> {
  const missing = kernelMissing();
  if (missing.length > 0) throw new Error(`cannot boot a kernel: ${missing.join("; ")}`);
  const kernel = fetchKernel();
  const probe = buildProbe();
  const features = await guestFeatures();
  const work = mkdtempSync(join(tmpdir(), "moat-kernel-"));
  try {
    const started = Date.now();
    const cache = features === undefined ? undefined : compileCache(spec.profiles, features, work);
    const initrd = join(work, "initrd.gz");
    writeFileSync(initrd, initramfs(spec, kernel, probe, cache));
    const prepareMs = Date.now() - started;
    const timeoutMs = spec.timeoutMs ?? 300_000;
    const boot = await bootQemu(kernel, initrd, timeoutMs);
    if (!boot.console.includes("MOAT-DONE")) {
      const tail = boot.console.split("\n").slice(-30).join("\n");
      throw new Error(`the guest did not finish${boot.timedOut ? ` within ${timeoutMs} ms` : ` (qemu exit ${boot.code})`}; console ends with:\n${tail}`);
    }
    return { ...parseConsole(spec, boot.console), accel: boot.accel, prepareMs, bootMs: boot.bootMs, totalMs: boot.totalMs, console: boot.console };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Everything a boot needs, made once before the suite's files run (vitest's globalSetup): the kernel
 * and busybox, the probe, the choice of accelerator and the guest's AppArmor features. Failures are
 * left to the tests, which say what is missing (and skip, or fail under MOAT_REQUIRE_VALIDATORS=1).
 */
export async function prepare(): Promise<void> {
  if (kernelMissing().length > 0) return;
  const kernel = fetchKernel();
  buildProbe();
  accelerator(kernel);
  await guestFeatures();
}
