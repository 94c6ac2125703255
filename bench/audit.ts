/**
 * `moat audit` on a generated log of 1,000,000 AppArmor records (part of `npm run bench`): records per
 * second and peak RSS of the real command line, text summary and json stream (stdout discarded), against
 * `grep -c apparmor=` on the same file, the floor of reading it at all. Prints a table with the ratios;
 * never fails on a figure. The log and the compiled example are made in a temporary folder, removed at
 * the end (--keep keeps them).
 *
 *   node dist/bench/audit.js [--records 1000000] [--keep]
 *
 * The log mixes what a host's audit.log holds: records of the compute-01 example's profiles (other
 * tenants' paths, paths nobody granted, complain-mode ALLOWED records, with paths that vary so the
 * verdict cache is not all hits), other profiles' records, lines of other subsystems and a few
 * malformed lines.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Prng } from "./prng.js";

interface Run {
  readonly wallMs: number;
  readonly maxRss?: number;
  /** User + system CPU time, when GNU time could tell: the figure that a busy machine disturbs least. */
  readonly cpuMs?: number;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = "/usr/bin/time";

/** ARGV timed from spawn to exit, its peak RSS taken by GNU time when installed; stdout kept only when asked. */
function timed(argv: readonly string[], keepStdout: boolean): Run {
  const haveTime = fs.existsSync(GNU_TIME);
  const [command, args] = haveTime ? [GNU_TIME, ["-f", "moat-bench-rss %M %U %S", ...argv]] : [argv[0]!, argv.slice(1)];
  const start = performance.now();
  const run = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", keepStdout ? "pipe" : "ignore", "pipe"] });
  const wallMs = performance.now() - start;
  const stderr = run.stderr ?? "";
  const rss = /moat-bench-rss (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  return {
    wallMs,
    status: run.status ?? -1,
    stdout: run.stdout ?? "",
    stderr: stderr.replace(/^Command exited with non-zero status.*\n?/m, "").replace(/moat-bench-rss .*\n?/, ""),
    ...(rss === null ? {} : { maxRss: Number(rss[1]) * 1024, cpuMs: (Number(rss[2]) + Number(rss[3])) * 1000 }),
  };
}

const VMS = [
  "libvirt-4df006f9-12b8-42c5-888b-59e1572a46a0",
  "libvirt-2c394418-43a4-46c2-a5be-7a9584c8031f",
  "libvirt-124e28eb-240a-4db0-96e8-2c49d5e360b6",
  "libvirt-55c334db-8d95-4ea8-89f2-14e0415cbbf4",
];
const PATHS = [
  "/var/lib/libvirt/images/acme/acme-db01.qcow2",
  "/dev/vg0/acme-db01-wal",
  "/dev/mapper/vg0-globex--ci03--cache",
  "/dev/vfio/17",
  "/etc/shadow",
  "/usr/share/qemu/firmware/60-edk2.json",
  "/srv/globex/ci-cache/objects/",
  "/var/tmp/scratch/",
];

/** Writes `count` log lines to `file`, seeded: the same bytes on every run. */
function writeLog(file: string, count: number): void {
  const rng = new Prng(20251207);
  const fd = fs.openSync(file, "w");
  let chunk = "";
  let stamp = 1733533323;
  for (let i = 0; i < count; i++) {
    const x = rng.next();
    const ms = String(i % 1000).padStart(3, "0");
    if (i % 1000 === 999) stamp++;
    let line: string;
    if (x < 0.05) line = `type=SYSCALL msg=audit(${stamp}.${ms}:${i}): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c items=1 ppid=1 pid=${1000 + (i % 5000)} comm="qemu-system-x86"`;
    else if (x < 0.051) line = `type=AVC msg=audit(${stamp}.${ms}:${i}): apparmor="DENIED" operation="open" profile="${VMS[0]}" name="/cut`;
    else if (x < 0.1) line = `type=AVC msg=audit(${stamp}.${ms}:${i}): apparmor="DENIED" operation="open" profile="/usr/sbin/cupsd" name="/etc/cups/ppd/x.ppd" pid=811 comm="cupsd" requested_mask="r" denied_mask="r" fsuid=0 ouid=0`;
    else {
      const complain = x < 0.2;
      const profile = complain ? "moat.acme.backup-agent" : VMS[Math.floor(rng.next() * VMS.length)]!;
      let name = PATHS[Math.floor(rng.next() * PATHS.length)]!;
      if (name.endsWith("/")) name += `f${Math.floor(rng.next() * 20_000)}`;
      const mask = rng.next() < 0.5 ? "r" : "w";
      line = `type=AVC msg=audit(${stamp}.${ms}:${i}): apparmor="${complain ? "ALLOWED" : "DENIED"}" operation="open" profile="${profile}" name="${name}" pid=${1000 + (i % 5000)} comm="qemu-system-x86" requested_mask="${mask}" denied_mask="${mask}" fsuid=64055 ouid=64055`;
    }
    chunk += line + "\n";
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = "";
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : `${(bytes / 1048576).toFixed(0)} MiB`;
}

function main(): void {
  const argv = process.argv.slice(2);
  const records = argv.includes("--records") ? Number(argv[argv.indexOf("--records") + 1]) : 1_000_000;
  const keep = argv.includes("--keep");
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  const moat = path.join(repo, "bin", "moat.js");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "moat-bench-audit-"));
  const out = (text: string): void => void process.stdout.write(text + "\n");
  try {
    const generated = path.join(work, "generated");
    const compiled = spawnSync(process.execPath, [moat, "compile", path.join(repo, "examples", "compute-01"), "--out", generated], { encoding: "utf8" });
    if (compiled.status !== 0) throw new Error(`compile failed: ${compiled.stderr}`);
    const log = path.join(work, "audit.log");
    writeLog(log, records);
    const size = fs.statSync(log).size;
    out(`moat audit benchmark: ${records.toLocaleString("en")} log lines, ${(size / 1048576).toFixed(0)} MiB (examples/compute-01)`);

    const grep = timed(["grep", "-c", "apparmor=", log], true);
    const apparmorLines = Number(grep.stdout.trim());
    const text = timed([process.execPath, moat, "audit", "--from", generated, log], true);
    const json = timed([process.execPath, moat, "audit", "--from", generated, "--format", "json", log], false);
    const rows: [string, Run][] = [
      ["grep -c apparmor= (floor)", grep],
      ["moat audit (text summary)", text],
      ["moat audit --format json", json],
    ];
    out("");
    out(`${"".padEnd(28)}${"wall".padStart(9)}${"records/s".padStart(12)}${"x floor".padStart(9)}${"cpu".padStart(9)}${"records/cpu-s".padStart(15)}${"x floor".padStart(9)}${"peak RSS".padStart(10)}${"x floor".padStart(9)}`);
    for (const [name, run] of rows) {
      const rate = (ms: number | undefined): string => (ms === undefined ? "n/a" : Math.round((apparmorLines / Math.max(ms, 1)) * 1000).toLocaleString("en"));
      const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? "n/a" : (a / Math.max(b, 1)).toFixed(1));
      out(
        `${name.padEnd(28)}${`${(run.wallMs / 1000).toFixed(2)} s`.padStart(9)}${rate(run.wallMs).padStart(12)}${ratio(run.wallMs, grep.wallMs).padStart(9)}` +
          `${(run.cpuMs === undefined ? "n/a" : `${(run.cpuMs / 1000).toFixed(2)} s`).padStart(9)}${rate(run.cpuMs).padStart(15)}${ratio(run.cpuMs, grep.cpuMs).padStart(9)}` +
          `${mib(run.maxRss).padStart(10)}${ratio(run.maxRss, grep.maxRss).padStart(9)}`,
      );
    }
    const first = text.stdout.split("\n")[0] ?? "";
    out("");
    out(`records (lines with apparmor=): ${apparmorLines.toLocaleString("en")}; moat: ${first}`);
    out(`exit status ${text.status} (1: cross-tenant or protected records were seen, as the generated log holds)`);
    if (text.stderr !== "" || json.stderr.replace(/^moat: .* records in .*\n/, "") !== "") out(`stderr: ${text.stderr}${json.stderr}`);
  } finally {
    if (keep) out(`\nlog kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
