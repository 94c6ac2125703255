/** The help texts: `moat --help` and `moat COMMAND --help`. The first line of each is its usage line. */

export const COMMANDS = ["compile", "validate", "check", "fmt", "explain", "install"] as const;
export type CommandName = (typeof COMMANDS)[number];

export const MAIN_HELP = `Usage: moat <command> [options]

moat compiles .iso isolation policies into AppArmor profiles and libvirt <seclabel>
snippets, after proving that no two tenants can reach the same resource.

Commands:
  compile   [PATH...] [--out DIR] [--format text|json|sarif] [--force] [--emit-model] [--timings]
            check the policy and write the outputs
  validate  [PATH...] [--format text|json|sarif] [--emit-model]
            check the policy; write nothing
  check     [PATH...] [--out DIR] [--format text|json|sarif]
            exit 1 unless DIR holds exactly what compile would write, and nothing else
  fmt       [--check] [PATH...]
            rewrite .iso files in moat's canonical layout (--check: only report)
  explain   [PATH...] --path P [--workload W] [--format text|json]
            who may access P, by which line of the policy; who is denied and why
  install   [--from DIR] [--root DIR] [--no-load] [--dry-run] [--strict]
            [--apply-seclabels] [--connect URI] [--format text|json]
            put DIR's profiles onto this host, resolving what only the host knows

PATH is a policy file or a folder searched recursively for *.iso and *.iso.json
(the JSON form) files (default: .). fmt only takes .iso files; install takes none.

Options:
  -h, --help     show help (also: moat <command> --help)
  --version      print moat's version

Exit status: 0 success (warnings allowed), 1 policy errors, refused outputs, a failed
check or fmt --check, 2 usage or I/O errors, 141 (as if killed by SIGPIPE) when a
reader closed the output pipe early.
`;

const FORMAT_LINE = "  --format FORMAT  diagnostics as text (on stderr), json (an array on stdout) or\n                   sarif (SARIF 2.1.0 on stdout, for code-scanning tools)\n";

export const COMMAND_HELP: Readonly<Record<CommandName, string>> = {
  compile: `Usage: moat compile [PATH...] [--out DIR] [--format text|json|sarif] [--force] [--emit-model] [--timings]

Checks the policy and, when it has no errors, writes the AppArmor profiles, libvirt
seclabel snippets and moat-manifest.json into DIR. A failed compile writes nothing.

moat changes only files its previous manifest lists with the hash they still have.
A file it did not write, or one edited by hand since, stops the compile (MOAT401,
MOAT402) unless --force is given; stale outputs moat wrote are deleted. The update
is atomic: the folder is either as it was or fully updated. While it writes, moat
holds DIR/.moat.lock (keep it out of version control).

Options:
  --out DIR        output folder (default: generated)
${FORMAT_LINE}  --force          replace or delete files moat does not own, saying which
  --emit-model     print the policy's model in the JSON form (*.iso.json) on stdout
                   instead of writing outputs; only when it has no errors. Diagnostics
                   go to stderr as text; --format, --out and --force do not apply.
  --timings        print the time of each phase (parse, model, check, emit, write),
                   the input size and the throughput on stderr
  -h, --help       show this help
`,
  validate: `Usage: moat validate [PATH...] [--format text|json|sarif] [--emit-model]

Checks the policy (syntax, names, isolation) and reports diagnostics. Writes nothing.

Options:
${FORMAT_LINE}  --emit-model     print the policy's model in the JSON form (*.iso.json) on stdout
                   when it has no errors; diagnostics go to stderr as text
  -h, --help       show this help
`,
  check: `Usage: moat check [PATH...] [--out DIR] [--format text|json|sarif]

Compiles in memory and compares with DIR, which must hold exactly what compile would
write and nothing else. Exits 1, reporting each output that is missing, different
(with a unified diff in text) or stale (in DIR's manifest but no longer produced) as
MOAT403, and every other file, hidden file, folder or link in DIR as MOAT406 (only
DIR/.moat.lock, held by a running compile, is allowed); exits 0 when DIR is exactly
what compile would write. Writes nothing.

Options:
  --out DIR        output folder to compare (default: generated)
  --format FORMAT  findings as text, json (an array) or sarif (SARIF 2.1.0), on stdout;
                   in text, the policy's own diagnostics go to stderr
  -h, --help       show this help
`,
  fmt: `Usage: moat fmt [--check] [PATH...]

Rewrites .iso files in moat's canonical layout: two-space indentation, one statement
or item per line, the access and comments of a workload's items aligned, comments kept. PATH is an .iso file or a folder
searched recursively for *.iso files (default: .); .iso.json files are not formatted.

Each file that changes is replaced atomically (a temporary file beside it, then a
rename; its permissions are kept) and named on stderr. A file that does not parse is
reported and left as it is (exit 1); the others are still formatted.

Options:
  --check          write nothing: list on stdout each file that would change, with a
                   unified diff, and exit 1 if any would
  -h, --help       show this help
`,
  explain: `Usage: moat explain [PATH...] --path P [--workload W] [--format text|json]

Compiles the policy (exit 1 if it has errors) and says, for every workload, whether
its profile lets it access P, with which permissions and by which line of the policy
(a vm's rules implied by libvirt included). For a workload that may not: whether P
is protected (a protected deny overrides any grant), belongs to another tenant, or
is simply not granted. Only moat's own rules are considered: abstractions such as
libvirt-qemu may grant more.

Options:
  --path P         an absolute path, or @NAME for an abstract unix socket
  --workload W     only this workload: tenant/name, or a name one tenant uses
  --format FORMAT  text (default) or json, on stdout; the json shape:
                   {path, namespace, hostShared, protected[], workloads[], note},
                   each workload {tenant, workload, kind, mode, verdict: allowed|denied,
                   permissions?, writesDenied?, grants?[], reason?{kind: protected|
                   other-tenant|not-granted, ...}}
  -h, --help       show this help
`,
  install: `Usage: moat install [--from DIR] [--root DIR] [--no-load] [--dry-run] [--strict] [--apply-seclabels] [--connect URI] [--format text|json]

Installs the compiled folder DIR (default: generated) onto this host. Reads DIR only,
never policy sources: every file must be the one DIR's manifest lists, with its
sha256 (MOAT507). Each granted path is resolved on the host (LVM /dev/VG/LV and
/dev/mapper names to /dev/dm-N, /dev/disk/by-*, /var/run to /run, any link), and
isolation is proved again on the nodes: two tenants on one node or device, a device
holding a mounted host file system, an IOMMU group shared, an exec binary others can
write. Any error installs nothing (exit 1).

Profiles go to ROOT/etc/apparmor.d/ (atomically), each with a rule for every node
its grants resolve to; ROOT/var/lib/moat/installed.json records what moat installed.
A file moat did not install is never touched (MOAT401, MOAT402); profiles moat
installed that DIR no longer holds are unloaded and removed. Only profiles whose
installed text changed are loaded (apparmor_parser -r -W); a second run changes
nothing. If a load fails, the previous files are put back and loaded again.

For each VM whose libvirt domain exists without moat's static seclabel, a warning
(MOAT509); --apply-seclabels adds it (virsh dumpxml, then virsh define). Skipped,
with a note, under --root or when libvirt cannot be reached.

Options:
  --from DIR         the compiled output folder (default: generated)
  --root DIR         take every host path under DIR (staging, tests): links resolve
                     inside DIR, device numbers come from DIR/sys; profiles are still
                     loaded into this host's kernel unless --no-load is given
  --no-load          write and remove profile files; load and unload nothing
  --dry-run          print what would be done; change nothing
  --strict           a granted path or exec missing on the host is an error
  --apply-seclabels  add moat's seclabel to existing domains that lack it
  --connect URI      libvirt URI for virsh (default: qemu:///system)
  --format FORMAT    text (default), or json on stdout: {installed[], unchanged[],
                     removed[], loaded[], resolved[{profile, path, node}], diagnostics[]}
  -h, --help         show this help

Environment: MOAT_APPARMOR_PARSER and MOAT_VIRSH name the programs to run in place of
apparmor_parser and virsh.
`,
};
