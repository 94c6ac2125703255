/**
 * The programs `moat install` runs: apparmor_parser (to load and unload profiles), virsh (to read and
 * define domains) and dmsetup (to read device-mapper tables: block-devices.ts). Each is named by an
 * environment variable so that tests, benchmarks and unusual hosts can put another program in its
 * place: MOAT_APPARMOR_PARSER (default `apparmor_parser`), MOAT_VIRSH (default `virsh`) and
 * MOAT_DMSETUP (default `dmsetup`), found on PATH (with /usr/sbin and /sbin, where root's tools live).
 */
import { spawnSync } from "node:child_process";

export interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be run at all (ENOENT: not installed). */
  readonly error?: string;
}

export type RunProcess = (program: string, args: readonly string[], input?: string) => ProcessResult;

export function processRunner(env: Readonly<Record<string, string | undefined>>): RunProcess {
  const path = [env.PATH ?? process.env.PATH ?? "", "/usr/sbin", "/sbin", "/usr/bin", "/bin"].filter((p) => p !== "").join(":");
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  childEnv.PATH = path;
  return (program, args, input) => {
    const r = spawnSync(program, [...args], { env: childEnv, input: input ?? "", encoding: "utf8", maxBuffer: 64 << 20 });
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ...(r.error === undefined ? {} : { error: code ?? r.error.message }) };
  };
}

export function parserProgram(env: Readonly<Record<string, string | undefined>>): string {
  return env.MOAT_APPARMOR_PARSER !== undefined && env.MOAT_APPARMOR_PARSER !== "" ? env.MOAT_APPARMOR_PARSER : "apparmor_parser";
}

export function dmsetupProgram(env: Readonly<Record<string, string | undefined>>): string {
  return env.MOAT_DMSETUP !== undefined && env.MOAT_DMSETUP !== "" ? env.MOAT_DMSETUP : "dmsetup";
}

export function virshProgram(env: Readonly<Record<string, string | undefined>>): string {
  return env.MOAT_VIRSH !== undefined && env.MOAT_VIRSH !== "" ? env.MOAT_VIRSH : "virsh";
}

/** The first line of a program's complaint, for a message. */
export function firstLine(r: ProcessResult): string {
  const text = (r.error ?? (r.stderr.trim() || r.stdout.trim())).split("\n")[0]!.trim();
  return text === "" ? `exit status ${r.status ?? "unknown"}` : text;
}
