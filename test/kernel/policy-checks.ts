/**
 * From a compiled policy to the checks a kernel must pass: for every workload, confined by its
 * compiled profile, each path of the policy is tried (read and write, and a lock on its own grants), and
 * the expected answer is worked out from the policy itself, not from the profile text:
 *
 * - its own grants: what docs/language.md gives the kind and access (a volume rw: rwk; ro: rk and
 *   writes denied; a device rw: rw, ro: r; a socket path: rw; libvirt's implied rules: their own);
 * - a protected path (moat's built-in list and the policy's `protect`): nothing, whatever else matches;
 * - everything else (other tenants' grants, other workloads' of its own tenant): nothing, except what
 *   the host's abstractions grant to every profile of the kind (HOST_ABSTRACTION_GRANTS below);
 * - a complain-mode profile: everything, except its explicit denies (protected paths and writes to its
 *   `ro` grants), which the kernel enforces in complain mode too; what enforce mode would deny is
 *   logged as apparmor="ALLOWED".
 *
 * Each path is a concrete one the grant's glob matches (the glob engine's shortest witness among the
 * paths the kernel can present, a file rather than a folder), created in the guest: a regular file, or
 * a character device node under /dev. A service's checks run in a process started from its `exec`
 * path, so they also show that the kernel attaches the service's profile; a VM's checks run in a process
 * put in `libvirt-<uuid>` through /proc/self/attr/exec, as libvirt does for QEMU.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CompileResult } from "../../src/api.js";
import { compile } from "../../src/index.js";
import { PROTECTED_PATHS } from "../../src/model/builtin.js";
import type { Model, Resource, Workload } from "../../src/model/types.js";
import { intersect, DEFAULT_BUDGET } from "../../src/glob/intersect.js";
import { parseGlob } from "../../src/glob/parse.js";
import { fromBytes } from "../../src/glob/bytes.js";
import { aareToPcre, pcreToRegExp } from "../glob/oracle.js";
import type { Check, GuestFile, GuestProfile, Op } from "./harness.js";

/**
 * Rules of the host's abstractions (Debian 12) that reach paths these tests use, so that the kernel's
 * answer can be predicted. The tests run as root and the files are root's; QEMU processes all run as one
 * user too (libvirt-qemu), so `owner` does not separate VMs (docs/security.md: "The base abstractions").
 */
export const HOST_ABSTRACTION_GRANTS: Readonly<Record<"vm" | "service", readonly { glob: string; perms: string; rule: string }[]>> = {
  vm: [
    { glob: "/var/lib/libvirt/qemu/nvram/*_VARS.fd", perms: "rwk", rule: "abstractions/libvirt-qemu: owner /var/lib/libvirt/qemu/nvram/*_VARS.fd rwk" },
    { glob: "/var/lib/libvirt/qemu/nvram/*_VARS.ms.fd", perms: "rwk", rule: "abstractions/libvirt-qemu: owner /var/lib/libvirt/qemu/nvram/*_VARS.ms.fd rwk" },
    { glob: "/{dev,run}/shm/spice.*", perms: "rw", rule: "abstractions/libvirt-qemu: owner /{dev,run}/shm/spice.* rw" },
    { glob: "/{,var/}tmp/**/", perms: "r", rule: "abstractions/libvirt-qemu: owner /{,var/}tmp/**/ r" },
    { glob: "/dev/null", perms: "rw", rule: "abstractions/base" },
    { glob: "/dev/zero", perms: "rw", rule: "abstractions/base" },
  ],
  service: [
    { glob: "/dev/null", perms: "rw", rule: "abstractions/base" },
    { glob: "/dev/zero", perms: "rw", rule: "abstractions/base" },
  ],
};

/**
 * Paths the kernel itself provides, for protected globs whose witness it would not let us create, with
 * the accesses its mode lets root make without capabilities: the others would be refused by the
 * permission bits (and the profile's lack of dac_override) before AppArmor looked at the path.
 */
const KERNEL_PATHS: readonly { path: string; ops: readonly Op[] }[] = [
  { path: "/sys/kernel/security/apparmor/profiles", ops: ["read"] }, // 0444
  { path: "/proc/sysrq-trigger", ops: ["write"] }, // 0200
  { path: "/proc/kcore", ops: ["read"] }, // 0400
];

/** AppArmor's matching of a glob text on a path, by the independent oracle of test/glob (memoized). */
const regexes = new Map<string, RegExp>();
function oracleMatches(glob: string, path: string): boolean {
  let re = regexes.get(glob);
  if (re === undefined) regexes.set(glob, (re = pcreToRegExp(aareToPcre(glob))));
  return re.test(path);
}

export interface TestPath {
  readonly path: string;
  /** Who it was derived from: `tenant/workload`, or `protected`. */
  readonly owner: string;
  /** The glob it was derived from and why it is there ("volume rw", "libvirt log", "protected"). */
  readonly glob: string;
  readonly what: string;
  /** The only accesses tried on it (kernel-made paths); default: all. */
  readonly ops?: readonly Op[];
  /** Every workload (`tenant/workload`) one of whose grants matches it: a golden image or /dev/vhost-net has several. */
  owners?: string[];
  /**
   * Tried only by the workloads it was derived from: a `read` or `run` path is a host file nobody owns
   * (docs/language.md), which other workloads may reach through their abstractions (python, ssl), so
   * moat predicts nothing about it for them.
   */
  readonly ownersOnly?: boolean;
}

export interface WorkloadPlan {
  readonly key: string; // tenant/name
  readonly tenant: string;
  readonly kind: "vm" | "service";
  readonly profile: string;
  readonly mode: "enforce" | "complain";
  /** The path its process is started from (services), or undefined (VMs: attr/exec). */
  readonly exec?: string;
}

/** What is known about a check besides what the guest compares. */
export interface CheckInfo {
  readonly workload: string;
  readonly target: TestPath;
  /** The permission letter the kernel checks first for this op, for matching audit records. */
  readonly mask: "r" | "w" | "k";
  /** The record the kernel must print for it, if any (explicit deny rules are quiet). */
  readonly record?: "DENIED" | "ALLOWED";
  readonly operation: "open" | "file_lock";
  /** Why the expected answer is what it is (own grant, abstraction rule, protected, not granted). */
  readonly why: string;
}

export interface PolicyPlan {
  readonly profiles: GuestProfile[];
  readonly checks: Check[];
  readonly files: GuestFile[];
  readonly workloads: WorkloadPlan[];
  readonly paths: TestPath[];
  readonly info: ReadonlyMap<string, CheckInfo>;
}

/** The permissions a declared resource gives (docs/language.md), and whether writes are explicitly denied. */
export function grantPerms(r: Resource): { perms: string; denyWrite: boolean } {
  if (r.kind === "implied") return { perms: r.perms ?? "", denyWrite: false };
  // `read` is `r` (no lock); `run` is `ix` or `Px`, which let the kernel execute the file, not open it.
  if (r.kind === "read") return { perms: "r", denyWrite: false };
  if (r.kind === "run") return { perms: "", denyWrite: false };
  if (r.kind === "socket") return { perms: "rw", denyWrite: false };
  if (r.kind === "device") return { perms: r.access === "ro" ? "r" : "rw", denyWrite: false };
  return r.access === "ro" ? { perms: "rk", denyWrite: true } : { perms: "rwk", denyWrite: false };
}

/** A concrete path `glob` matches that the kernel can present, preferably a file (not ending in '/'). */
export function witnessPath(globText: string): string | undefined {
  const parsed = parseGlob(globText);
  if (!parsed.ok) return undefined;
  const fileLike = parseGlob("/**[A-Za-z0-9._-]");
  if (fileLike.ok) {
    const r = intersect(parsed.glob, fileLike.glob, DEFAULT_BUDGET, { kernelPaths: true });
    if (r.kind === "overlap") return fromBytes(r.witness);
  }
  const r = intersect(parsed.glob, parsed.glob, DEFAULT_BUDGET, { kernelPaths: true });
  return r.kind === "overlap" ? fromBytes(r.witness) : undefined;
}

/** The test path for a glob: a kernel-made path it matches when it is under /proc or /sys, else its witness. */
function testPathFor(globText: string): { path: string; ops?: readonly Op[] } | undefined {
  const w = witnessPath(globText);
  if (w === undefined) return undefined;
  if (!/^\/(proc|sys)\//.test(w)) return { path: w };
  return KERNEL_PATHS.find((p) => oracleMatches(globText, p.path));
}

const profileOutput = (w: Workload): string => (w.kind === "vm" ? `apparmor.d/libvirt-${w.uuid}` : `apparmor.d/moat.${w.tenant}.${w.name}`);

/** The profile name a profile file declares (`profile NAME …{`). */
export function profileName(content: string): string {
  const m = /^profile (\S+)/m.exec(content);
  if (m === null) throw new Error("no profile line");
  return m[1]!;
}

export interface PlanOptions {
  /** Prefix of every check id (to run several policies in one boot). */
  readonly prefix: string;
  /** Extra paths every workload is tried on (other policies' paths, for instance). */
  readonly extraPaths?: readonly TestPath[];
}

/** The checks of a compiled policy: see the top of this file. */
export function policyPlan(result: CompileResult, options: PlanOptions): PolicyPlan {
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || result.model === undefined) throw new Error(`the policy does not compile: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  const model: Model = result.model;
  const outputs = new Map(result.outputs.map((o) => [o.path, o.content]));
  const profiles: GuestProfile[] = [];
  const workloads: { w: Workload; plan: WorkloadPlan }[] = [];
  const paths: TestPath[] = [];
  const seen = new Set<string>();
  const addPath = (t: TestPath | undefined): void => {
    if (t === undefined || seen.has(t.path)) return;
    seen.add(t.path);
    paths.push(t);
  };

  for (const tenant of model.tenants) {
    for (const w of tenant.workloads) {
      for (const r of w.resources) {
        if (r.namespace !== "path") continue; // abstract sockets: not mediated by Debian's kernel (docs/security.md)
        const at = testPathFor(r.path.text);
        if (at !== undefined) addPath({ ...at, owner: `${w.tenant}/${w.name}`, glob: r.path.text, what: r.kind === "implied" ? (r.note ?? "implied") : `${r.kind} ${r.access}`, ownersOnly: r.kind === "read" || r.kind === "run" });
      }
      // Other kinds (containers) have profiles of their own shape: their paths are tried by the others only.
      if (w.kind !== "vm" && w.kind !== "service") continue;
      const file = profileOutput(w);
      const content = outputs.get(file);
      if (content === undefined) throw new Error(`no output ${file}`);
      profiles.push({ name: file.slice("apparmor.d/".length), content });
      const exec = w.exec === undefined ? undefined : witnessPath(w.exec.text);
      workloads.push({ w, plan: { key: `${w.tenant}/${w.name}`, tenant: w.tenant, kind: w.kind, profile: profileName(content), mode: w.mode, exec } });
    }
  }
  const protectedGlobs = [...PROTECTED_PATHS.map((p) => p.glob), ...model.protect.map((p) => p.text)];
  for (const g of protectedGlobs) {
    const at = testPathFor(g);
    if (at !== undefined) addPath({ ...at, owner: "protected", glob: g, what: "protected" });
  }
  for (const t of options.extraPaths ?? []) addPath(t);
  for (const t of paths) {
    t.owners = model.tenants.flatMap((tenant) =>
      tenant.workloads.filter((w) => w.resources.some((r) => r.namespace === "path" && oracleMatches(r.path.text, t.path))).map((w) => `${w.tenant}/${w.name}`),
    );
  }

  const checks: Check[] = [];
  const info = new Map<string, CheckInfo>();
  for (const { w, plan } of workloads) {
    const who = plan.exec !== undefined ? { exec: plan.exec } : { profile: plan.profile };
    if (plan.exec !== undefined) {
      const id = `${options.prefix}${plan.key}:label`;
      checks.push({ id, op: "label", ...who, expect: `${plan.profile} (${plan.mode})` });
    }
    for (const t of paths) {
      const own = (t.owners ?? []).includes(plan.key);
      if (t.ownersOnly === true && !own) continue;
      const ops = (own ? (["read", "write", "lock"] as const) : (["read", "write"] as const))
        .filter((op) => t.ops === undefined || t.ops.includes(op))
        // The process runs from its exec path: opening that for writing is ETXTBSY before AppArmor looks.
        .filter((op) => !(op === "write" && t.path === plan.exec));
      const e = expectation(w, t.path, protectedGlobs);
      for (const op of ops) {
        const letter = op === "read" ? "r" : op === "write" ? "w" : "k";
        const enforceAllows = op === "lock" ? e.allowed.includes("r") && e.allowed.includes("k") : e.allowed.includes(letter);
        const explicitDeny = e.protectedBy !== undefined || (op === "write" && e.denyWrite);
        const allowed = explicitDeny ? false : plan.mode === "complain" ? true : enforceAllows;
        // A lock opens for reading first: when reading is refused, the record is the open's.
        const mask: "r" | "w" | "k" = op === "lock" && !e.allowed.includes("r") ? "r" : letter;
        const record = explicitDeny || enforceAllows ? undefined : plan.mode === "complain" ? "ALLOWED" : "DENIED";
        const why = e.protectedBy !== undefined ? `protected ${e.protectedBy}` : explicitDeny ? "ro: writes denied" : enforceAllows ? e.why : "not granted";
        const id = `${options.prefix}${plan.key}:${op}:${t.path}`;
        checks.push({ id, op, path: t.path, ...who, expect: allowed ? "allow" : "deny" });
        info.set(id, { workload: plan.key, target: t, mask, record, operation: mask === "k" ? "file_lock" : "open", why });
      }
    }
  }
  const files: GuestFile[] = paths.filter((t) => !/^\/(proc|sys)\//.test(t.path)).map((t) => ({ path: t.path, kind: t.path.startsWith("/dev/") ? "chardev" : "file" }));
  return { profiles, checks, files, workloads: workloads.map((x) => x.plan), paths, info };
}

/** What `w`'s profile should allow on `path`, from the policy (and the host's abstractions). */
function expectation(w: Workload, path: string, protectedGlobs: readonly string[]): { allowed: string; denyWrite: boolean; protectedBy?: string; why: string } {
  const protectedBy = protectedGlobs.find((g) => oracleMatches(g, path));
  let allowed = "";
  let denyWrite = false;
  const why: string[] = [];
  for (const r of w.resources) {
    if (r.namespace !== "path" || !oracleMatches(r.path.text, path)) continue;
    const g = grantPerms(r);
    allowed += g.perms;
    denyWrite ||= g.denyWrite;
    why.push(r.kind === "implied" ? `implied ${r.note ?? ""}`.trim() : `${r.kind} ${r.access} ${r.path.text}`);
  }
  for (const a of HOST_ABSTRACTION_GRANTS[w.kind === "vm" ? "vm" : "service"]) {
    if (!oracleMatches(a.glob, path)) continue;
    allowed += a.perms;
    why.push(a.rule);
  }
  if (denyWrite) allowed = allowed.replace(/w/g, "");
  return { allowed, denyWrite, protectedBy, why: why.join("; ") };
}

/** Compiles a policy folder from disk with the library, every `.iso` under it an entry (generated/ left out). */
export function compileFolder(folder: string): CompileResult {
  const entries: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (name === "generated") continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".iso")) entries.push(full);
    }
  };
  walk(folder);
  return compile({
    entries,
    root: folder,
    readFile: (path) => {
      try {
        return { text: readFileSync(path, "utf8") };
      } catch (e) {
        return { error: (e as Error).message };
      }
    },
  });
}
