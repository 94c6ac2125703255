/** Help texts and the parsing of each command's arguments (node:util parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from "node:util";

export const FORMATS = ["text", "json"] as const;
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

export const COMMANDS = ["compile", "validate", "check"] as const;
export type CommandName = (typeof COMMANDS)[number];

export const MAIN_HELP = `Usage: moat <command> [options]

moat compiles .iso isolation policies into AppArmor profiles and libvirt <seclabel>
snippets, after proving that no two tenants can reach the same resource.

Commands:
  compile   [PATH...] [--out DIR] [--format text|json] [--force]
            check the policy and write the outputs
  validate  [PATH...] [--format text|json]
            check the policy; write nothing
  check     [PATH...] [--out DIR]
            exit 1 unless DIR holds exactly what compile would write

PATH is an .iso file or a folder searched recursively for *.iso (default: .).

Options:
  -h, --help     show help (also: moat <command> --help)
  --version      print moat's version

Exit status: 0 success (warnings allowed), 1 policy errors, refused outputs or a
failed check, 2 usage or I/O errors.
`;

export const COMMAND_HELP: Readonly<Record<CommandName, string>> = {
  compile: `Usage: moat compile [PATH...] [--out DIR] [--format text|json] [--force]

Checks the policy and, when it has no errors, writes the AppArmor profiles, libvirt
seclabel snippets and moat-manifest.json into DIR. A failed compile writes nothing.

moat changes only files its previous manifest lists with the hash they still have.
A file it did not write, or one edited by hand since, stops the compile (MOAT401,
MOAT402) unless --force is given; stale outputs moat wrote are deleted. The update
is atomic: the folder is either as it was or fully updated.

Options:
  --out DIR        output folder (default: generated)
  --format FORMAT  diagnostics as text (on stderr) or json (an array on stdout)
  --force          replace or delete files moat does not own, saying which
  -h, --help       show this help
`,
  validate: `Usage: moat validate [PATH...] [--format text|json]

Checks the policy (syntax, names, isolation) and reports diagnostics. Writes nothing.

Options:
  --format FORMAT  diagnostics as text (on stderr) or json (an array on stdout)
  -h, --help       show this help
`,
  check: `Usage: moat check [PATH...] [--out DIR]

Compiles in memory and compares with DIR. Exits 1, listing each file that is missing,
different (with a unified diff) or stale (in DIR's manifest but no longer produced);
exits 0 when DIR is exactly what compile would write. Files moat neither wrote nor
would write are ignored. Writes nothing.

Options:
  --out DIR        output folder to compare (default: generated)
  -h, --help       show this help
`,
};

export interface CommandOptions {
  readonly paths: readonly string[];
  readonly out: string;
  readonly format: Format;
  readonly force: boolean;
  readonly help: boolean;
}

const OPTION_SPECS = {
  compile: { out: { type: "string" }, format: { type: "string" }, force: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  validate: { format: { type: "string" }, help: { type: "boolean", short: "h" } },
  check: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
} as const;

export function parseCommand(command: CommandName, args: readonly string[]): CommandOptions {
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    const options: ParseArgsConfig["options"] = OPTION_SPECS[command];
    ({ values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true }));
  } catch (e) {
    // parseArgs messages are clear but long; keep their first sentence.
    const message = e instanceof Error ? e.message.split(". ")[0]!.replace(/\.$/, "") : String(e);
    throw new UsageError(message, command);
  }
  const format = values.format ?? "text";
  if (typeof format !== "string" || !(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not ${String(format)}`, command);
  }
  const out = values.out ?? "generated";
  if (typeof out !== "string" || out === "") throw new UsageError("--out needs a folder", command);
  return { paths: positionals, out, format: format as Format, force: values.force === true, help: values.help === true };
}

/** The first line of a command's help, repeated under a usage error. */
export function usageLine(command: CommandName | undefined): string {
  return (command === undefined ? MAIN_HELP : COMMAND_HELP[command]).split("\n")[0]!;
}
