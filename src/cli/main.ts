/**
 * moat's command line: `main(argv, io)` runs one command and returns its exit code, so that tests run
 * it in-process. No exception escapes: a bug in moat is reported as MOAT900 with exit 2, and its stack
 * is printed only when MOAT_DEBUG=1; a package that is not installed is named, with what to run.
 */
import { diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnosticsText } from "../diagnostics/render-text.js";
import { nearestWord } from "../diagnostics/suggest.js";
import { VERSION } from "../version.js";
import { describeFsError, errorCode } from "./outputs/fs-layer.js";
import type { CliIo } from "./commands.js";
import { COMMAND_HELP, COMMANDS, MAIN_HELP, parseCommand, UsageError, usageLine, type CommandName, type CommandOptions } from "./usage.js";

export type { CliIo } from "./commands.js";

/**
 * The exit status after a reader closed moat's stdout or stderr early (`moat check | head`): 141, that
 * is 128 + SIGPIPE (13), what a shell reports for a program that SIGPIPE killed, the conventional end of
 * a writer whose reader went away. Never 0, so that under `set -o pipefail` a check whose report was cut
 * short cannot read as a pass. (node ignores SIGPIPE, so the process cannot die by it: it exits with the
 * status a shell would show.)
 */
export const BROKEN_PIPE_STATUS = 141;

/** The process streams as runAsProcess needs them; tests pass their own. */
export interface ProcessStreams {
  readonly stdout: NodeJS.WritableStream & { readonly destroyed?: boolean; readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly destroyed?: boolean; readonly isTTY?: boolean };
  readonly setExitCode: (code: number) => void;
}

/**
 * Runs moat as the `moat` process (bin/moat.js): the one place where the process's output streams are
 * handed to a command, so every command is covered by what follows.
 *
 * A write to a pipe whose reader has gone fails with EPIPE, which node reports as an 'error' event on the
 * stream; unheard, that event ends the process with a stack trace. Here each stream has a listener: a
 * closed pipe (EPIPE) ends moat quietly with BROKEN_PIPE_STATUS, any other write error (EIO on a terminal
 * that hung up, ENOSPC) with a one-line message on the other stream, if it still works, and status 2.
 * Once a stream has failed, writes to it are dropped. The command is not cut short: every command writes
 * synchronously, so the event arrives once it has done its work (a compile's update is never interrupted
 * because its reader went away), and the process then exits with that status instead of the command's.
 */
export async function runAsProcess(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string, streams: ProcessStreams): Promise<void> {
  let failure: number | undefined;
  const guard = (name: "stdout" | "stderr"): CliIo["stdout"] => {
    const stream = streams[name];
    const other = streams[name === "stdout" ? "stderr" : "stdout"];
    stream.on("error", (e: unknown) => {
      if (failure === undefined) {
        const code = errorCode(e);
        failure = code === "EPIPE" ? BROKEN_PIPE_STATUS : 2;
        if (code !== "EPIPE" && other.destroyed !== true) {
          try {
            other.write(`moat: cannot write to ${name}: ${describeFsError(e)}\n`);
          } catch {
            // Nowhere left to say it: the exit status does.
          }
        }
      }
      streams.setExitCode(failure);
    });
    // destroyed is set as soon as a write has failed, before the 'error' event is delivered.
    return { write: (text: string) => (stream.destroyed === true ? false : stream.write(text)) };
  };
  const tty = { stdout: streams.stdout.isTTY === true, stderr: streams.stderr.isTTY === true };
  const io: CliIo = { cwd, env, stdout: guard("stdout"), stderr: guard("stderr"), outputClosed: () => failure !== undefined, tty };
  const code = await main(argv, io);
  streams.setExitCode(failure ?? code);
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`moat: ${e.message}\n${usageLine(e.command)}\nRun 'moat ${e.command === undefined ? "" : `${e.command} `}--help' for more.\n`);
      return 2;
    }
    const missing = missingPackage(e);
    if (missing !== undefined) {
      // Not a bug in moat but an incomplete installation: say what to do instead of MOAT900.
      io.stderr.write(`moat: a package moat needs is not installed (${missing}); run \`npm ci\` where moat is installed\n`);
      return 2;
    }
    const detail = e instanceof Error ? e.message : String(e);
    const color = wantsColor(colorOptionOf(argv), io.tty?.stderr, io.env);
    io.stderr.write(renderDiagnosticsText([diagnostic("MOAT900", undefined, { detail })], { sources: [], displayPath: (f) => f, color }));
    if (io.env.MOAT_DEBUG === "1" && e instanceof Error && e.stack !== undefined) io.stderr.write(`${e.stack}\n`);
    return 2;
  }
}

async function dispatch(argv: readonly string[], given: CliIo): Promise<number> {
  // --color is moat's, not a command's: taken out wherever it stands, before the command reads its options.
  const { args, color: when } = takeColorOption(argv);
  const io: CliIo = { ...given, color: { stdout: wantsColor(when, given.tty?.stdout, given.env), stderr: wantsColor(when, given.tty?.stderr, given.env) } };
  const [first, ...rest] = args;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    if (first === "help" && rest[0] !== undefined && isCommand(rest[0])) {
      io.stdout.write(COMMAND_HELP[rest[0]]);
      return 0;
    }
    (first === undefined ? io.stderr : io.stdout).write(MAIN_HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-v") {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first.startsWith("-")) throw new UsageError(`unknown option ${first}`, undefined);
  if (!isCommand(first)) {
    const near = nearestWord(first, COMMANDS);
    throw new UsageError(`unknown command ${first}${near === undefined ? "" : `; did you mean ${near}?`}`, undefined);
  }
  // libvirt's hook: its arguments are libvirt's, never parsed as options, and it must exit 0 for every
  // operation but prepare begin whatever they are (nova-hook-command.ts).
  if (first === "nova-hook") return (await import("./nova-hook-command.js")).runNovaHook(rest, io);
  const opts = parseCommand(first, rest);
  if (opts.help) {
    io.stdout.write(COMMAND_HELP[first]);
    return 0;
  }
  // The compiler is loaded only for a command that needs it: help and usage errors stay instant.
  const run = await loadCommand(first);
  return run(opts, io);
}

async function loadCommand(name: CommandName): Promise<(opts: CommandOptions, io: CliIo) => number | Promise<number>> {
  switch (name) {
    case "compile":
      return (await import("./commands.js")).runCompile;
    case "validate":
      return (await import("./commands.js")).runValidate;
    case "check":
      return (await import("./commands.js")).runCheck;
    case "fmt":
      return (await import("./fmt-command.js")).runFmt;
    case "explain":
      return (await import("./explain-command.js")).runExplain;
    case "install":
      return (await import("./install/install-command.js")).runInstall;
    case "audit":
      return (await import("./audit/audit-command.js")).runAudit;
    case "import":
      return (await import("./import-command.js")).runImport;
    case "uninstall":
      return (await import("./install/install-command.js")).runUninstall;
    case "nova-hook":
      throw new Error("internal: nova-hook is dispatched before options are parsed");
  }
}

type ColorWhen = "auto" | "always" | "never";

/** `--color[=WHEN]`, `--color WHEN` or `--no-color`, anywhere before a `--`; the last one given wins. */
export function takeColorOption(argv: readonly string[]): { args: string[]; color: ColorWhen } {
  const args: string[] = [];
  let color: ColorWhen = "auto";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      args.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (arg === "--no-color") value = "never";
    else if (arg.startsWith("--color=")) value = arg.slice("--color=".length);
    else if (arg === "--color") value = /^(auto|always|never)$/.test(argv[i + 1] ?? "") ? argv[++i]! : "always";
    if (value === undefined) {
      args.push(arg);
      continue;
    }
    if (value !== "auto" && value !== "always" && value !== "never") throw new UsageError(`--color must be auto, always or never, not ${value}`, undefined);
    color = value;
  }
  return { args, color };
}

/** The --color of a command line that failed: "never" when it cannot be read either. */
function colorOptionOf(argv: readonly string[]): ColorWhen {
  try {
    return takeColorOption(argv).color;
  } catch {
    return "never";
  }
}

/** auto: on a terminal, unless NO_COLOR is set to anything (no-color.org) or TERM is dumb. */
export function wantsColor(when: ColorWhen, tty: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  if (when !== "auto") return when === "always";
  return tty === true && (env.NO_COLOR ?? "") === "" && env.TERM !== "dumb";
}

/**
 * The first line of node's "Cannot find module/package" message, when `e` is that error for a package
 * (a bare name). A missing file of moat itself (a stale or partial build) stays an internal error.
 */
export function missingPackage(e: unknown): string | undefined {
  const code = errorCode(e);
  if ((code !== "MODULE_NOT_FOUND" && code !== "ERR_MODULE_NOT_FOUND") || !(e instanceof Error)) return undefined;
  const first = e.message.split("\n")[0]!;
  return /^Cannot find (module|package) '(?![./])/.test(first) ? first : undefined;
}

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}
