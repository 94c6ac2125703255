/**
 * `npm run bench:install`: what `moat install` costs where it matters, a host of 500 LVM-backed VMs
 * after a one-VM change. The host is staged under --root (LVM links to dm nodes, sysfs, mountinfo) and the
 * real apparmor_parser compiles every profile install loads, without a kernel: a wrapper runs it as
 * `apparmor_parser -Q -K` (compile, skip the kernel and the cache). Measured, in this order:
 *   1. the first install: every profile written and loaded;
 *   2. one VM changed in the policy, compiled, installed again: the install reloads that one profile;
 *   3. the same change without moat's bookkeeping, as a deploy script would do it: every profile
 *      reloaded, in one apparmor_parser call (its best case).
 * Prints a table; never fails on a figure.
 *
 *   node dist/bench/install.js [--vms 500] [--keep]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.js";
import { compile } from "../src/index.js";

const PARSER = "/usr/sbin/apparmor_parser";
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function includeDirs(): string[] | undefined {
  const cache = path.join(repo, ".cache", "validators");
  const unpacked = path.join(cache, "libvirt-daemon-system", "etc", "apparmor.d");
  if (fs.existsSync(path.join(unpacked, "abstractions", "libvirt-qemu"))) return [unpacked, path.join(cache, "local")];
  if (fs.existsSync("/etc/apparmor.d/abstractions/libvirt-qemu")) return [];
  return undefined;
}

function uuid(i: number): string {
  return `6f1c2a3e-0b7d-4a52-9a39-${i.toString(16).padStart(12, "0")}`;
}

/**
 * 500 VMs of 50 tenants, one file per VM as a fleet's policy repository keeps them: an image, an LVM data
 * volume (a link on the host), a vhost-user socket. `changed` gets one more volume: a change to one
 * file, which changes that VM's profile only (profiles name their grants' lines, so a change that
 * moved the lines of other VMs would change their profiles too).
 */
function policy(vms: number, changed: number | undefined): Map<string, string> {
  const files = new Map<string, string>();
  for (let i = 0; i < vms; i++) {
    const t = i % 50;
    const extra = i === changed ? `\n    volume "/var/lib/libvirt/images/t${t}/vm${i}-scratch.qcow2" rw` : "";
    files.set(
      `/bench/vms/vm${i}.iso`,
      `tenant t${t} {\n  vm vm${i} {\n    uuid "${uuid(i)}"\n    volume "/var/lib/libvirt/images/t${t}/vm${i}.qcow2" rw\n    volume "/dev/vg0/vm${i}-data" rw\n    socket "/run/openvswitch/vhu-vm${i}"${extra}\n  }\n}\n`,
    );
  }
  return files;
}

function compileTo(files: ReadonlyMap<string, string>, out: string): void {
  const result = compile({ entries: [...files.keys()], root: "/bench/vms", readFile: (p) => (files.has(p) ? { text: files.get(p)! } : { error: "no such file" }) });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`the benchmark policy does not compile: ${errors[0]!.message}`);
  fs.rmSync(out, { recursive: true, force: true });
  for (const o of result.outputs) {
    fs.mkdirSync(path.dirname(path.join(out, o.path)), { recursive: true });
    fs.writeFileSync(path.join(out, o.path), o.content);
  }
}

function stageHost(root: string, vms: number): void {
  const w = (p: string, content: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), content);
  };
  for (let i = 0; i < vms; i++) {
    const dm = `dm-${i + 1}`;
    fs.mkdirSync(path.join(root, "dev/vg0"), { recursive: true });
    fs.symlinkSync(`../${dm}`, path.join(root, `dev/vg0/vm${i}-data`));
    w(`dev/${dm}`, "");
    w(`sys/class/block/${dm}/dev`, `253:${i + 1}\n`);
    fs.mkdirSync(path.join(root, `sys/class/block/${dm}/holders`), { recursive: true });
    fs.mkdirSync(path.join(root, `sys/class/block/${dm}/slaves`), { recursive: true });
    w(`var/lib/libvirt/images/t${i % 50}/vm${i}.qcow2`, "");
  }
  w("sys/class/block/dm-0/dev", "253:0\n");
  w("proc/self/mountinfo", "22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg0-root rw\n");
  fs.mkdirSync(path.join(root, "run/openvswitch"), { recursive: true });
}

async function install(cwd: string, root: string, parser: string): Promise<{ ms: number; loaded: number; installed: number }> {
  let out = "";
  let err = "";
  const start = performance.now();
  const code = await main(["install", "--from", "generated", "--root", root, "--format", "json"], {
    cwd,
    env: { ...process.env, MOAT_APPARMOR_PARSER: parser },
    stdout: { write: (s: string) => ((out += s), true) },
    stderr: { write: (s: string) => ((err += s), true) },
  });
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`moat install failed (${code}): ${err}`);
  const doc = JSON.parse(out) as { loaded: string[]; installed: string[] };
  return { ms, loaded: doc.loaded.length, installed: doc.installed.length };
}

async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const vms = Number(args[args.indexOf("--vms") + 1] ?? 500) || 500;
  const keep = args.includes("--keep");
  const includes = includeDirs();
  if (!fs.existsSync(PARSER) || includes === undefined) {
    console.log(`bench:install needs ${PARSER} and abstractions/libvirt-qemu (sh .ci/setup-validators.sh); skipped`);
    return;
  }
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "moat-bench-install-")));
  try {
    const root = path.join(dir, "host");
    stageHost(root, vms);
    // The real parser, compiling without a kernel: -Q skips the load, -K the cache (so -W has nothing to write).
    const wrapper = path.join(dir, "apparmor_parser");
    const flags = ["-Q", "-K", ...includes.flatMap((d) => ["-I", d])].map((f) => `'${f}'`).join(" ");
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${PARSER} ${flags} "$@" 2>/dev/null\n`, { mode: 0o755 });

    compileTo(policy(vms, undefined), path.join(dir, "generated"));
    const first = await install(dir, root, wrapper);
    const again = await install(dir, root, wrapper);
    compileTo(policy(vms, 17), path.join(dir, "generated"));
    const oneChange = await install(dir, root, wrapper);

    const files = fs.readdirSync(path.join(root, "etc/apparmor.d")).filter((f) => f.startsWith("libvirt-")).map((f) => path.join(root, "etc/apparmor.d", f));
    const start = performance.now();
    const all = spawnSync(wrapper, ["-r", ...files], { encoding: "utf8" });
    const allMs = performance.now() - start;
    if (all.status !== 0) throw new Error(`apparmor_parser failed on the installed profiles: ${all.stderr}`);

    const row = (what: string, ms: number, loaded: number | string): string => `| ${what} | ${loaded} | ${(ms / 1000).toFixed(2)} s |`;
    console.log(`moat install on a staged host of ${vms} VMs (${os.cpus().length} cores; apparmor_parser -Q -K, no kernel)\n`);
    console.log("| step | profiles loaded | time |");
    console.log("| --- | --- | --- |");
    console.log(row("first install: every profile written and loaded (one parser call each)", first.ms, first.loaded));
    console.log(row("second install, nothing changed", again.ms, again.loaded));
    console.log(row("one VM changed: moat install", oneChange.ms, oneChange.loaded));
    console.log(row("one VM changed: reload every profile (one apparmor_parser -r call)", allMs, files.length));
    console.log(`\nThe one-change install took ${((oneChange.ms / allMs) * 100).toFixed(1)}% of reloading everything.`);
    if (keep) console.log(`kept ${dir}`);
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await run();
