/** The parsing of each command's arguments (node:util parseArgs, strict); the help texts are in help-text.ts. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { nearestWord } from "../diagnostics/suggest.js";
import { parseExplainPath } from "../explain/query.js";
import { COMMAND_HELP, COMMANDS, MAIN_HELP, type CommandName } from "./help-text.js";

export { COMMAND_HELP, COMMANDS, MAIN_HELP, type CommandName };

export const FORMATS = ["text", "json", "sarif"] as const;
export type Format = (typeof FORMATS)[number];

/** Bad command-line use: reported with the command's usage line, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: CommandName | undefined,
  ) {
    super(message);
  }
}

export interface CommandOptions {
  readonly paths: readonly string[];
  readonly out: string;
  readonly format: Format;
  readonly force: boolean;
  readonly help: boolean;
  /** compile, validate: print the model as JSON instead of writing outputs. */
  readonly emitModel: boolean;
  /** compile: print the phase breakdown on stderr. */
  readonly timings: boolean;
  /** fmt: report only. */
  readonly check: boolean;
  /** explain: the path asked about, and the workload to answer for. */
  readonly explainPath?: string;
  readonly workload?: string;
  /** install: the compiled folder, the host root, and what to do. */
  readonly from?: string;
  readonly root?: string;
  readonly noLoad?: boolean;
  readonly dryRun?: boolean;
  readonly strict?: boolean;
  readonly applySeclabels?: boolean;
  readonly connect?: string;
  /** install: also the Nova hook and its files (docs/nova.md). */
  readonly nova?: boolean;
  /** import: the tenant of every domain, and the file to create (stdout without it). */
  readonly tenant?: string;
  readonly importOut?: string;
  /** audit: keep reading logs as they grow; print the lines the policy lacks. */
  readonly follow?: boolean;
  readonly suggest?: boolean;
}

const HELP = { type: "boolean", short: "h" } as const;
const OPTION_SPECS = {
  compile: {
    out: { type: "string" },
    format: { type: "string" },
    force: { type: "boolean" },
    "emit-model": { type: "boolean" },
    timings: { type: "boolean" },
    help: HELP,
  },
  validate: { format: { type: "string" }, "emit-model": { type: "boolean" }, help: HELP },
  check: { out: { type: "string" }, format: { type: "string" }, help: HELP },
  fmt: { check: { type: "boolean" }, help: HELP },
  explain: { path: { type: "string" }, workload: { type: "string" }, format: { type: "string" }, help: HELP },
  install: {
    from: { type: "string" },
    root: { type: "string" },
    "no-load": { type: "boolean" },
    "dry-run": { type: "boolean" },
    strict: { type: "boolean" },
    "apply-seclabels": { type: "boolean" },
    connect: { type: "string" },
    format: { type: "string" },
    nova: { type: "boolean" },
    help: HELP,
  },
  uninstall: { root: { type: "string" }, "no-load": { type: "boolean" }, "dry-run": { type: "boolean" }, connect: { type: "string" }, help: HELP },
  import: { tenant: { type: "string" }, out: { type: "string" }, help: HELP },
  // nova-hook reads its own arguments (nova-hook-command.ts): libvirt's four come first, verbatim.
  "nova-hook": { help: HELP },
  audit: {
    from: { type: "string" },
    root: { type: "string" },
    format: { type: "string" },
    follow: { type: "boolean" },
    suggest: { type: "boolean" },
    help: HELP,
  },
} as const;

const COMMAND_FORMATS: Readonly<Record<CommandName, readonly Format[]>> = {
  compile: FORMATS,
  validate: FORMATS,
  check: FORMATS,
  fmt: ["text"],
  explain: ["text", "json"],
  install: ["text", "json"],
  audit: ["text", "json"],
  import: ["text"],
  "nova-hook": ["text"],
  uninstall: ["text"],
};

export function parseCommand(command: CommandName, args: readonly string[]): CommandOptions {
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    const options: ParseArgsConfig["options"] = OPTION_SPECS[command];
    ({ values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true }));
  } catch (e) {
    // parseArgs messages are clear but long; keep their first sentence.
    const message = e instanceof Error ? e.message.split(". ")[0]!.replace(/\.$/, "") : String(e);
    throw new UsageError(`${message}${optionSuggestion(message, command)}`, command);
  }
  const opts: CommandOptions = {
    paths: positionals,
    out: stringValue(values.out, "generated", "--out needs a folder", command),
    format: formatOf(values.format, command),
    force: values.force === true,
    help: values.help === true,
    emitModel: values["emit-model"] === true,
    timings: values.timings === true,
    check: values.check === true,
    ...(typeof values.path === "string" ? { explainPath: values.path } : {}),
    ...(typeof values.workload === "string" ? { workload: values.workload } : {}),
  };
  if (opts.help) return opts;
  if (opts.emitModel) {
    if (values.format !== undefined && opts.format !== "text") {
      throw new UsageError(`--emit-model prints the model on stdout; --format ${opts.format} cannot share it (diagnostics go to stderr as text)`, command);
    }
    if (values.out !== undefined || opts.force) throw new UsageError("--emit-model writes no files: --out and --force do not apply", command);
  }
  if (command === "explain") checkExplain(opts, command);
  if (command === "install" || command === "uninstall") return installOptions(opts, values, command);
  if (command === "audit") return auditOptions(opts, values, command);
  if (command === "import") return importOptions(opts, values, command);
  return opts;
}

/** "; did you mean --format?" after parseArgs' "Unknown option '--fromat'", when an option of the command is near. */
function optionSuggestion(message: string, command: CommandName): string {
  const unknown = /^Unknown option '--([^'=]+)/.exec(message);
  if (unknown === null) return "";
  const near = nearestWord(unknown[1]!, Object.keys(OPTION_SPECS[command]));
  return near === undefined ? "" : `; did you mean --${near}?`;
}

function stringValue(value: unknown, fallback: string, message: string, command: CommandName): string {
  const v = value ?? fallback;
  if (typeof v !== "string" || v === "") throw new UsageError(message, command);
  return v;
}

function formatOf(value: unknown, command: CommandName): Format {
  const allowed = COMMAND_FORMATS[command];
  const format = value ?? "text";
  if (typeof format !== "string" || !(allowed as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${allowed.join(", ")}, not ${String(format)}`, command);
  }
  return format as Format;
}

function checkExplain(opts: CommandOptions, command: CommandName): void {
  if (opts.explainPath === undefined) throw new UsageError("explain needs --path P: the absolute path (or @name) to explain", command);
  const target = parseExplainPath(opts.explainPath);
  if ("error" in target) throw new UsageError(target.error, command);
  if (opts.workload === "") throw new UsageError("--workload needs a workload: tenant/name, or a name", command);
}

function installOptions(opts: CommandOptions, values: Record<string, unknown>, command: CommandName): CommandOptions {
  if (opts.paths.length > 0) throw new UsageError(`install reads the compiled folder (--from DIR), not policy files: ${opts.paths[0]}`, command);
  const text = (key: string, what: string): string | undefined => {
    const v = values[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v === "") throw new UsageError(`--${key} needs ${what}`, command);
    return v;
  };
  const from = text("from", "a folder");
  const root = text("root", "a folder");
  const connect = text("connect", "a libvirt URI");
  return {
    ...opts,
    ...(from === undefined ? {} : { from }),
    ...(root === undefined ? {} : { root }),
    ...(connect === undefined ? {} : { connect }),
    noLoad: values["no-load"] === true,
    dryRun: values["dry-run"] === true,
    strict: values.strict === true,
    applySeclabels: values["apply-seclabels"] === true,
    nova: values.nova === true,
  };
}

function auditOptions(opts: CommandOptions, values: Record<string, unknown>, command: CommandName): CommandOptions {
  if (opts.paths.length === 0) throw new UsageError("audit needs a log: LOG... (audit.log, kern.log, journalctl text), or - for standard input", command);
  if (opts.paths.filter((p) => p === "-").length > 1) throw new UsageError("standard input (-) can be read once", command);
  for (const key of ["from", "root"]) {
    if (values[key] !== undefined && (typeof values[key] !== "string" || values[key] === "")) throw new UsageError(`--${key} needs a folder`, command);
  }
  if (values.suggest === true && values.follow === true) throw new UsageError("--suggest reports once the logs are read; it cannot --follow them", command);
  return {
    ...opts,
    ...(typeof values.from === "string" ? { from: values.from } : {}),
    ...(typeof values.root === "string" ? { root: values.root } : {}),
    follow: values.follow === true,
    suggest: values.suggest === true,
  };
}

function importOptions(opts: CommandOptions, values: Record<string, unknown>, command: CommandName): CommandOptions {
  if (opts.paths.length === 0) throw new UsageError("import needs domain XML files: DOMAIN.xml... (virsh dumpxml output, /etc/libvirt/qemu/*.xml)", command);
  if (values.out === "") throw new UsageError("--out needs a file", command);
  const tenant = values.tenant;
  // Whether it is a valid name is runImport's to say: the name rules live with the parser, which this
  // module does not load (a missing package must still be reported, not crash the usage check).
  if (tenant !== undefined && typeof tenant !== "string") throw new UsageError("--tenant needs a name", command);
  return {
    ...opts,
    ...(typeof tenant === "string" ? { tenant } : {}),
    ...(typeof values.out === "string" ? { importOut: values.out } : {}),
  };
}

/** The first line of a command's help, repeated under a usage error. */
export function usageLine(command: CommandName | undefined): string {
  return (command === undefined ? MAIN_HELP : COMMAND_HELP[command]).split("\n")[0]!;
}
