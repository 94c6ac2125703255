/** The help texts: `moat --help` and `moat COMMAND --help`. The first line of each is its usage line. */

export const COMMANDS = ["compile", "validate", "check", "fmt", "explain", "install", "audit", "import", "nova-hook", "uninstall"] as const;
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
            [--apply-seclabels] [--connect URI] [--format text|json] [--nova]
            put DIR's profiles onto this host, resolving what only the host knows
  audit     [LOG...|-] [--from DIR] [--root DIR] [--format text|json] [--follow] [--suggest]
            read AppArmor denials back to tenants, workloads and policy lines
  import    DOMAIN.xml... [--tenant NAME] [--out FILE]
            write the .iso policy of existing libvirt domains (virsh dumpxml output)
  nova-hook NAME OPERATION SUBOP EXTRA [--from DIR] [--root DIR]
            libvirt's qemu hook on a Nova host: place each instance's profile
  uninstall [--root DIR] [--no-load] [--dry-run] [--connect URI]
            take back what install --nova put on this host

PATH is a policy file or a folder searched recursively for *.iso and *.iso.json
(the JSON form) files (default: .). fmt only takes .iso files; install takes none;
audit takes logs (audit.log, kern.log, syslog, journalctl or dmesg text; - for stdin);
import takes libvirt domain XML files.

Options:
  -h, --help     show help (also: moat <command> --help)
  --version      print moat's version
  --color WHEN   colour diagnostics: auto (on a terminal, unless NO_COLOR is set),
                 always or never (--no-color); any command takes it

Exit status: 0 success (warnings allowed), 1 policy errors, refused outputs, a failed
check or fmt --check, a cross-tenant or protected record in audit, 2 usage or I/O errors, 141 (as if killed by SIGPIPE) when a
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
  install: `Usage: moat install [--from DIR] [--root DIR] [--no-load] [--dry-run] [--strict] [--apply-seclabels] [--connect URI] [--format text|json] [--nova]

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
  --nova             also the Nova hook (docs/nova.md): /etc/libvirt/hooks/qemu.d/50-moat,
                     its profile and libvirtd's override line, the fragments, a
                     fail-closed TEMPLATE.qemu (the original kept); moat uninstall
                     takes them back
  --format FORMAT    text (default), or json on stdout: {installed[], unchanged[],
                     removed[], loaded[], resolved[{profile, path, node}], diagnostics[]}
  -h, --help         show this help

Environment: MOAT_APPARMOR_PARSER and MOAT_VIRSH name the programs to run in place of
apparmor_parser and virsh.
`,
  import: `Usage: moat import DOMAIN.xml... [--tenant NAME] [--out FILE]

Reads libvirt domain documents (virsh dumpxml output, /etc/libvirt/qemu/*.xml) and
writes the .iso policy that grants each domain what virt-aa-helper would: one vm per
domain (its name and uuid) with an item for every device QEMU opens on the host
(disks, cdroms, firmware and nvram, kernel and initrd, 9p/virtiofs shares, PCI, USB
and SCSI hostdevs, chardev sockets, files and logs, hugepages, vhost-user ports, TPM
emulator state). The domains of one tenant share a tenant block. Paths are written
escaped, so that each item means exactly the path the domain names.

The tenant is Nova's project (<nova:owner><nova:project uuid="ID">, written
project-ID) unless --tenant is given. What import cannot express is a warning naming
the XML element (MOAT703); the rest of the domain is still written. A domain that
cannot be a vm (its name is no moat name, no uuid, no tenant) is MOAT702 and left
out; a file that is no domain XML is MOAT701.

Review the policy, then moat validate it: it shows the overlaps that already exist
between the imported domains.

Options:
  --tenant NAME    the tenant of every domain, instead of Nova's project
  --out FILE       write the policy to FILE, which must not exist (default: stdout)
  -h, --help       show this help

Exit status: 0 every domain imported (warnings allowed), 1 a file or domain was
refused (the others are still written), 2 usage or I/O errors.
`,
  audit: `Usage: moat audit [LOG...|-] [--from DIR] [--root DIR] [--format text|json] [--follow] [--suggest]

Reads AppArmor's records from each LOG (auditd's audit.log, kern.log, syslog, the text
of journalctl or dmesg; - for standard input) and judges each record of a profile in
DIR (default: generated; without it records are only parsed and counted):
cross-tenant (another tenant owns the path: whose grant, which line), protected (a
path moat guards), not-granted (the .iso line that would grant it, and the block it
belongs in), complain (a complain-mode profile's ALLOWED record: what enforce mode
would have made of it), logged (no access decision) or foreign (not moat's profile).
Reads the logs as streams: memory does not grow with their size. Malformed lines are
counted, never fatal.

Exit status: 1 when a cross-tenant or protected record was seen (a complain-mode
profile's included), 0 otherwise; 2 when a log, DIR or the install record cannot
be read (MOAT601-MOAT603).

Options:
  --from DIR         the compiled output folder (default: generated)
  --root DIR         the host (/ on the host itself) moat install installed DIR on:
                     ROOT/var/lib/moat/installed.json and the installed profiles map
                     the nodes install resolved (/dev/dm-N) back to their grants
  --format FORMAT    text (default): a summary, cross-tenant attempts first; json: one
                     object per record on stdout as it is read: the parsed fields plus
                     log, line, verdict, workload, wouldBe, owner, protected,
                     suggestion {line, file, workload, workloadLine, replaces?}, note
  --follow           keep reading each LOG as it grows (like tail -f; a rotated or
                     truncated log is reopened); text prints a line per record, and the
                     summary when stopped (SIGINT, SIGTERM)
  --suggest          the learning loop: print the .iso lines each workload lacks,
                     grouped and checked by the isolation rules; never another
                     tenant's path or a protected one (those are listed as left out)
  -h, --help         show this help
`,
  "nova-hook": `Usage: moat nova-hook NAME OPERATION SUBOP EXTRA [--from DIR] [--root DIR]

libvirt's qemu hook on an OpenStack Nova host (docs/nova.md); moat install --nova
installs it as /etc/libvirt/hooks/qemu.d/50-moat. The domain XML is on stdin.

On prepare begin, for a domain without a static seclabel, it reads the domain's
<uuid> and <nova:project uuid>, finds the project's tenant in DIR/moat-nova.json and
writes ROOT/etc/apparmor.d/libvirt/libvirt-<uuid> (atomically, only if it differs):
libvirt's abstraction, the tenant's fragment, libvirt's .files include, and a deny of
every other Nova instance's folder. An unknown project is refused (exit 1, nothing
written: the start fails) or started under the unassigned fragment, as the policy's
nova statement says; a malformed or hostile domain XML is refused. A domain with a
static seclabel is left alone (exit 0). Every other operation exits 0 at once and
prints nothing.

Options:
  --from DIR   the compiled folder (moat compile's output; default: /etc/moat/nova,
               the copy moat install --nova keeps); nothing else is read
  --root DIR   write under DIR instead of / (tests, images)
  -h, --help   show this help
`,
  uninstall: `Usage: moat uninstall [--root DIR] [--no-load] [--dry-run] [--connect URI]

Takes back what moat install --nova put on this host (docs/nova.md): the qemu hook
/etc/libvirt/hooks/qemu.d/50-moat and its profile, the line in
/etc/apparmor.d/local/usr.sbin.libvirtd, the fragments under
/etc/apparmor.d/moat/nova/, the copy under /etc/moat/nova/, and the instance profiles
the hook placed for domains that are not running; restores libvirt's TEMPLATE.qemu.

Options:
  --root DIR       act on DIR as the host's root (tests, images)
  --no-load        change files only
  --dry-run        say what would change; change nothing
  --connect URI    the libvirt daemon virsh asks which domains run (default: qemu:///system)
  -h, --help       show this help
`,
};
