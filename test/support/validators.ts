/**
 * The real validators every generated file must pass: AppArmor's own parser for profiles, libvirt's
 * RELAX NG schemas (through xmllint and virt-xml-validate) for seclabel snippets. Shared by every test
 * that checks outputs, so that they all run them the same way.
 *
 * A missing tool skips the tests that need it with a visible warning, except when
 * MOAT_REQUIRE_VALIDATORS=1 (CI), where it fails them: CI must not pass by checking nothing.
 * `.ci/setup-validators.sh` installs the tools and unpacks Debian's abstractions/libvirt-qemu (from
 * libvirt-daemon-system) and LXC 5.0's abstractions/lxc (from liblxc-common) into .cache/validators/,
 * where this harness finds them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CACHE = join(REPO, ".cache", "validators");
const ABI = "/etc/apparmor.d/abi/3.0";
const LIBVIRT_SCHEMAS = "/usr/share/libvirt/schemas";

export type Tool =
  | "apparmor_parser"
  | "xmllint"
  | "virt-xml-validate"
  | "libvirt-qemu-abstraction"
  | "lxc-abstractions"
  | "libvirt-schemas"
  | "virt-aa-helper";

export const REQUIRED = process.env.MOAT_REQUIRE_VALIDATORS === "1";

function onPath(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/bin"];
  for (const dir of dirs) {
    if (dir !== "" && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** The -I folders that make `include <abstractions/libvirt-qemu>` resolve, or undefined. */
function libvirtIncludeDirs(): string[] | undefined {
  const cached = join(CACHE, "libvirt-daemon-system", "etc", "apparmor.d");
  const local = join(CACHE, "local");
  if (existsSync(join(cached, "abstractions", "libvirt-qemu")) && existsSync(join(local, "local", "abstractions", "libvirt-qemu"))) {
    return [cached, local];
  }
  // A host with libvirt installed has both in the default include folder already.
  if (existsSync("/etc/apparmor.d/abstractions/libvirt-qemu") && existsSync("/etc/apparmor.d/local/abstractions/libvirt-qemu")) {
    return [];
  }
  return undefined;
}

/**
 * The -I folder that makes `include <abstractions/lxc/container-base>` resolve (LXC 5.0's, as Debian 12
 * ships it), or undefined; [] on a host with LXC installed.
 */
function lxcIncludeDirs(): string[] | undefined {
  const cached = join(CACHE, "lxc", "etc", "apparmor.d");
  if (existsSync(join(cached, "abstractions", "lxc", "container-base"))) return [cached];
  if (existsSync("/etc/apparmor.d/abstractions/lxc/container-base")) return [];
  return undefined;
}

/** LXC's own lxc-container-default-cgns profile, as Debian 12's LXC 5.0 ships it, or undefined. */
export function lxcDefaultCgnsProfile(): string | undefined {
  for (const root of [join(CACHE, "lxc", "etc", "apparmor.d"), "/etc/apparmor.d"]) {
    const file = join(root, "lxc", "lxc-default-cgns");
    if (existsSync(file)) return readFileSync(file, "utf8");
  }
  return undefined;
}

/** The unpacked virt-aa-helper and the folder holding its libvirt.so.0, or undefined. */
export function virtAaHelperPaths(): { helper: string; libs: string } | undefined {
  const root = join(CACHE, "virt-aa-helper");
  const helper = join(root, "usr", "lib", "libvirt", "virt-aa-helper");
  if (!existsSync(helper)) return undefined;
  const libRoot = join(root, "usr", "lib");
  const multiarch = readdirSync(libRoot).find((d) => existsSync(join(libRoot, d, "libvirt.so.0")));
  return multiarch === undefined ? undefined : { helper, libs: join(libRoot, multiarch) };
}

/** Why `tool` cannot be used here, or undefined when it can. */
export function missingReason(tool: Tool): string | undefined {
  switch (tool) {
    case "apparmor_parser":
      if (onPath("apparmor_parser") === undefined) return "apparmor_parser is not installed (apt-get install apparmor)";
      return existsSync(ABI) ? undefined : `${ABI} is missing (apt-get install apparmor)`;
    case "xmllint":
      return onPath("xmllint") === undefined ? "xmllint is not installed (apt-get install libxml2-utils)" : undefined;
    case "virt-xml-validate":
      return onPath("virt-xml-validate") === undefined ? "virt-xml-validate is not installed (apt-get install libvirt-clients)" : undefined;
    case "libvirt-schemas":
      return existsSync(join(LIBVIRT_SCHEMAS, "domaincommon.rng")) ? undefined : `${LIBVIRT_SCHEMAS} is missing (apt-get install libvirt-clients)`;
    case "libvirt-qemu-abstraction":
      return libvirtIncludeDirs() === undefined ? "abstractions/libvirt-qemu is missing (run .ci/setup-validators.sh)" : undefined;
    case "lxc-abstractions":
      return lxcIncludeDirs() === undefined ? "abstractions/lxc/container-base is missing (run .ci/setup-validators.sh)" : undefined;
    case "virt-aa-helper":
      return virtAaHelperPaths() === undefined ? "virt-aa-helper is missing (run .ci/setup-validators.sh)" : undefined;
  }
}

/** The reasons the given tools are unusable; empty when all are there. */
export function missingTools(tools: readonly Tool[]): string[] {
  return tools.flatMap((t) => missingReason(t) ?? []);
}

/**
 * How long a test that runs validators may take before it counts as hung. A validator run is one
 * process over a batch of files (apparmor_parser over a host's profiles takes ~2 s alone, several times
 * that on a loaded 2-core machine): the limit is for hangs, never a judgement of speed.
 */
const VALIDATOR_TIMEOUT_MS = 180_000;

/**
 * `describe` for tests that need real validators. With every tool present it is plain `describe`, with
 * a limit for validator runs. Otherwise the block is skipped with a warning, or, under
 * MOAT_REQUIRE_VALIDATORS=1, replaced by a failing test that names what is missing.
 */
export function describeWithValidators(title: string, tools: readonly Tool[], body: () => void): void {
  const missing = missingTools(tools);
  if (missing.length === 0) {
    describe(title, { timeout: VALIDATOR_TIMEOUT_MS }, body);
    return;
  }
  if (REQUIRED) {
    describe(title, () => {
      it("has the validators it needs (MOAT_REQUIRE_VALIDATORS=1)", () => {
        throw new Error(`missing validators: ${missing.join("; ")}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${title}": ${missing.join("; ")}`);
  describe.skip(title, body);
}

/** Throws (inside a test) unless every tool is usable: for one-off checks outside describeWithValidators. */
export function requireTools(tools: readonly Tool[]): void {
  const missing = missingTools(tools);
  if (missing.length > 0) throw new Error(`missing validators: ${missing.join("; ")}`);
}

interface Run {
  readonly status: number;
  /** stdout and stderr as byte strings (latin1: one char per byte), as AppArmor prints raw bytes. */
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Run {
  // -D rule-exprs over a batch of profiles prints megabytes: past node's default 1 MiB the call would fail with ENOBUFS.
  const result = spawnSync(command, args, { encoding: "latin1", timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function withTempDir<T>(body: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "moat-validators-"));
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parserArgs(): string[] {
  const includes = [...(libvirtIncludeDirs() ?? []), ...(lxcIncludeDirs() ?? [])];
  return ["-Q", "-K", "--config-file=/dev/null", "-M", ABI, ...includes.flatMap((d) => ["-I", d])];
}

export interface ProfileFile {
  readonly name: string;
  readonly content: string;
}

export interface ProfileResult {
  readonly name: string;
  readonly ok: boolean;
  /** The parser's messages (empty when ok). */
  readonly output: string;
}

/** apparmor_parser over one file: compile only (-Q -K), no kernel, all warnings as errors. */
export function apparmorParser(path: string): Run {
  return run(onPath("apparmor_parser") ?? "apparmor_parser", [...parserArgs(), "--warn=all", "--Werror", path]);
}

/**
 * Checks profiles with the real parser, with the real tunables/global, abstractions/base and
 * abstractions/libvirt-qemu. All files go through one process (a profile costs ~110 ms, mostly the
 * includes); only when that fails is each file run alone, to say which one is wrong.
 */
export function checkProfiles(files: readonly ProfileFile[]): ProfileResult[] {
  if (files.length === 0) return [];
  return withTempDir((dir) => {
    const paths = files.map((f, i) => {
      const path = join(dir, `profile-${i}`);
      writeFileSync(path, f.content, "utf8");
      return path;
    });
    const parser = onPath("apparmor_parser") ?? "apparmor_parser";
    const all = run(parser, [...parserArgs(), "--warn=all", "--Werror", ...paths]);
    if (all.status === 0 && all.stderr.trim() === "") return files.map((f) => ({ name: f.name, ok: true, output: "" }));
    return files.map((f, i) => {
      const one = run(parser, [...parserArgs(), "--warn=all", "--Werror", paths[i]!]);
      const output = (one.stdout + one.stderr).split(paths[i]!).join(f.name);
      return { name: f.name, ok: one.status === 0 && one.stderr.trim() === "", output };
    });
  });
}

export interface RuleExprs {
  /** The whole `-D rule-exprs` output, as a byte string. */
  readonly raw: string;
  /**
   * The `aare: GLOB   ->   REGEX` entries: GLOB is the string after AppArmor decoded its escapes (a glob
   * character that came from an escape is shown with a backslash), REGEX what it became.
   */
  readonly entries: readonly { readonly glob: string; readonly regex: string }[];
}

const ARROW = "   ->   ";

/** What AppArmor's parser makes of each quoted path of `profile` (`apparmor_parser -D rule-exprs`). */
export function ruleExprs(profile: string): RuleExprs {
  return withTempDir((dir) => {
    const path = join(dir, "profile");
    writeFileSync(path, profile, "utf8");
    const result = run(onPath("apparmor_parser") ?? "apparmor_parser", [...parserArgs(), "-D", "rule-exprs", path]);
    if (result.status !== 0) throw new Error(`apparmor_parser rejected the profile:\n${result.stderr}`);
    const raw = result.stdout + result.stderr;
    // Entries start at a line beginning with "aare: "; a glob may itself hold a newline, so an entry
    // ends where the next "\naare: " or "\nrule: " starts.
    const entries = raw
      .split(/\n(?=aare: |rule: )/)
      .filter((chunk) => chunk.startsWith("aare: "))
      .map((chunk) => {
        const body = chunk.slice("aare: ".length);
        const arrow = body.indexOf(ARROW);
        return arrow < 0 ? { glob: body, regex: "" } : { glob: body.slice(0, arrow), regex: body.slice(arrow + ARROW.length).replace(/\n+$/, "") };
      });
    return { raw, entries };
  });
}

export interface XmlResult {
  readonly ok: boolean;
  readonly output: string;
}

/** A `<seclabel>` snippet against libvirt's own RELAX NG definition of it (domaincommon.rng). */
export function validateSeclabel(xml: string): XmlResult {
  return withTempDir((dir) => {
    const schema = join(dir, "seclabel.rng");
    writeFileSync(
      schema,
      `<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include href="${join(LIBVIRT_SCHEMAS, "domaincommon.rng")}"/>\n` +
        `<start><ref name="seclabel"/></start></grammar>\n`,
    );
    const file = join(dir, "seclabel.xml");
    writeFileSync(file, xml, "utf8");
    const result = run(onPath("xmllint") ?? "xmllint", ["--noout", "--relaxng", schema, file]);
    return { ok: result.status === 0, output: result.stdout + result.stderr };
  });
}

/** A whole domain document through libvirt's virt-xml-validate. */
export function validateDomain(xml: string): XmlResult {
  return withTempDir((dir) => {
    const file = join(dir, "domain.xml");
    writeFileSync(file, xml, "utf8");
    const result = run(onPath("virt-xml-validate") ?? "virt-xml-validate", [file, "domain"]);
    return { ok: result.status === 0, output: result.stdout + result.stderr };
  });
}

/** A minimal QEMU domain holding `seclabel` (the snippet's text as is), for validateDomain. */
export function domainWithSeclabel(name: string, uuid: string, seclabel: string): string {
  return [
    "<domain type='kvm'>",
    `  <name>${name}</name>`,
    `  <uuid>${uuid}</uuid>`,
    "  <memory unit='KiB'>1048576</memory>",
    "  <os><type arch='x86_64'>hvm</type></os>",
    seclabel.trimEnd(),
    "</domain>",
    "",
  ].join("\n");
}

/**
 * The rules libvirt's virt-aa-helper would write for `domainXml`, from a dry run (`-d -r`, nothing is
 * written, no daemon needed): the quoted-path lines of the `.files` include it prints, trimmed.
 */
export function virtAaHelperRules(domainXml: string, uuid: string): string[] {
  const paths = virtAaHelperPaths();
  if (paths === undefined) throw new Error("virt-aa-helper is missing (run .ci/setup-validators.sh)");
  const result = spawnSync(paths.helper, ["-d", "-r", "-u", `libvirt-${uuid}`], {
    input: domainXml,
    encoding: "latin1",
    env: { ...process.env, LD_LIBRARY_PATH: paths.libs },
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`virt-aa-helper failed (${result.status}):\n${result.stderr}`);
  return (result.stdout + result.stderr)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^(deny )?"\//.test(line));
}
