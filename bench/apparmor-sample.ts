/**
 * Baseline (b): what `apparmor_parser` spends compiling the same profiles, the step that follows moat in
 * every deployment (libvirt or a config-management run loads each profile). Compiling all of them would
 * take far longer than the whole benchmark, so an evenly spaced sample of each kind (VM profiles, which
 * pull in abstractions/libvirt-qemu, and service profiles) is compiled in one parser invocation per kind,
 * and its wall time scaled to the kind's full count. One invocation per kind amortizes the parser's start
 * and lets it use both cores: the estimate errs low, which makes moat's share of it err high.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface ParserKindSample {
  readonly total: number;
  readonly sampled: number;
  readonly sampleMs: number;
  readonly estimatedMs: number;
}

export type ParserEstimate =
  | { readonly ok: true; readonly vm: ParserKindSample; readonly service: ParserKindSample; readonly estimatedMs: number }
  | { readonly ok: false; readonly reason: string };

const PARSER = "/usr/sbin/apparmor_parser";
const ABI = "/etc/apparmor.d/abi/3.0";

/** The -I folders for abstractions/libvirt-qemu, as test/support/validators.ts finds them. */
function includeDirs(repo: string): string[] | undefined {
  const cache = path.join(repo, ".cache", "validators");
  const unpacked = path.join(cache, "libvirt-daemon-system", "etc", "apparmor.d");
  const local = path.join(cache, "local");
  if (fs.existsSync(path.join(unpacked, "abstractions", "libvirt-qemu"))) return [unpacked, local];
  if (fs.existsSync("/etc/apparmor.d/abstractions/libvirt-qemu")) return [];
  return undefined;
}

/** `count` items spread evenly over `items` (the first, the last, and between). */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(items[Math.round((i * (items.length - 1)) / Math.max(1, count - 1))]!);
  return out;
}

export function estimateParserTime(repo: string, outDir: string, sampleSize = 20): ParserEstimate {
  if (!fs.existsSync(PARSER)) return { ok: false, reason: `${PARSER} is not installed (apt-get install apparmor)` };
  const includes = includeDirs(repo);
  if (includes === undefined) return { ok: false, reason: "abstractions/libvirt-qemu not found; run sh .ci/setup-validators.sh" };
  const profileDir = path.join(outDir, "apparmor.d");
  const names = fs.readdirSync(profileDir).sort();
  const vms = names.filter((n) => n.startsWith("libvirt-"));
  const services = names.filter((n) => !n.startsWith("libvirt-"));
  const vmCount = Math.max(1, Math.round((sampleSize * vms.length) / Math.max(1, names.length)));
  const serviceCount = services.length === 0 ? 0 : Math.max(1, sampleSize - vmCount);

  const sample = (kind: readonly string[], count: number): ParserKindSample | string => {
    const chosen = spread(kind, count);
    if (chosen.length === 0) return { total: 0, sampled: 0, sampleMs: 0, estimatedMs: 0 };
    const args = ["-Q", "-K", "--config-file=/dev/null", "-M", ABI, ...includes.flatMap((d) => ["-I", d])];
    const start = performance.now();
    const run = spawnSync(PARSER, [...args, ...chosen.map((n) => path.join(profileDir, n))], { encoding: "utf8" });
    const sampleMs = performance.now() - start;
    if (run.status !== 0) return `apparmor_parser rejected a sampled profile: ${(run.stderr ?? "").split("\n")[0]}`;
    return { total: kind.length, sampled: chosen.length, sampleMs, estimatedMs: (sampleMs * kind.length) / chosen.length };
  };
  const vm = sample(vms, vmCount);
  if (typeof vm === "string") return { ok: false, reason: vm };
  const service = sample(services, serviceCount);
  if (typeof service === "string") return { ok: false, reason: service };
  return { ok: true, vm, service, estimatedMs: vm.estimatedMs + service.estimatedMs };
}
