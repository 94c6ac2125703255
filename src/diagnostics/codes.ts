/**
 * The registry of diagnostic codes. Codes are stable: once released, a code keeps its meaning, and a
 * retired code is never reused. Every code has one entry in docs/diagnostics.md (a test keeps the two in
 * step). Messages are templates with {{placeholders}} filled from a diagnostic's params.
 *
 * Ranges: 1xx syntax, 2xx names and model, 3xx isolation rules, 4xx outputs and files, 5xx the host and
 * `moat install`, 6xx `moat audit`, 7xx `moat import`, 9xx internal.
 */
export type Severity = "error" | "warning";

export interface CodeInfo {
  readonly severity: Severity;
  /** One line, used as the SARIF rule's short description and the docs heading. */
  readonly title: string;
  readonly message: string;
}

export const CODES = {
  // 1xx: syntax
  MOAT101: { severity: "error", title: "Unexpected character", message: "unexpected character {{char}}" },
  MOAT102: { severity: "error", title: "Syntax error", message: "{{detail}}" },
  MOAT103: { severity: "error", title: "Unterminated string", message: "unterminated string: a string must close with \" on the same line" },
  MOAT104: { severity: "error", title: "Invalid escape", message: "invalid escape {{escape}}: only \\\", \\\\ and a backslash before a glob character (* ? { } [ ] ,) are allowed" },
  MOAT105: { severity: "error", title: "Identifier too long", message: "identifier is {{length}} characters long; at most 64 are allowed" },
  MOAT106: { severity: "error", title: "Malformed interpolation", message: "{{detail}}" },
  MOAT107: { severity: "error", title: "Invalid source encoding", message: "{{detail}}" },
  // 110-119: the JSON form (*.iso.json)
  MOAT110: { severity: "error", title: "Invalid JSON", message: "invalid JSON: {{detail}}" },
  MOAT111: { severity: "error", title: "JSON policy does not match the schema", message: "{{pointer}}: {{detail}}" },
  MOAT112: { severity: "error", title: "Duplicate JSON key", message: "duplicate key {{key}}: JSON leaves its meaning undefined, so each key may appear once per object" },

  // 2xx: names, includes and the model
  MOAT201: { severity: "error", title: "Undefined variable", message: "${{{name}}} is not defined by an earlier let" },
  MOAT202: { severity: "error", title: "Duplicate let", message: "let {{name}} is already defined" },
  MOAT203: { severity: "error", title: "Include not found", message: "cannot read included file {{path}}: {{reason}}" },
  MOAT204: { severity: "error", title: "Include cycle", message: "include cycle: {{chain}}" },
  MOAT205: { severity: "error", title: "Conflicting policy name", message: "policy is already named {{other}}" },
  MOAT206: { severity: "error", title: "Duplicate workload", message: "tenant {{tenant}} already has a workload named {{name}}" },
  MOAT207: { severity: "error", title: "Duplicate VM name", message: "vm name {{name}} is already used by tenant {{other}}; libvirt domain names are unique on a host" },
  MOAT208: { severity: "error", title: "Duplicate UUID", message: "uuid {{uuid}} is already used by vm {{other}}" },
  MOAT209: { severity: "error", title: "Missing uuid", message: "vm {{name}} has no uuid; every vm needs one to name its libvirt-<uuid> profile" },
  MOAT210: { severity: "error", title: "Item not allowed here", message: "{{item}} is not allowed in a {{kind}}" },
  MOAT211: { severity: "error", title: "Malformed UUID", message: "{{value}} is not a UUID in RFC 4122 text form (8-4-4-4-12 hexadecimal digits)" },
  MOAT212: { severity: "error", title: "Item given twice", message: "{{item}} is already given for {{kind}} {{name}}" },
  MOAT213: { severity: "error", title: "Path not absolute", message: "{{path}} is not an absolute path; paths start with /" },
  MOAT214: { severity: "error", title: "Malformed path", message: "{{path}}: {{reason}}" },
  MOAT215: { severity: "error", title: "Invalid glob", message: "{{path}}: {{reason}}" },
  MOAT216: { severity: "error", title: "Invalid abstraction name", message: "abstraction name {{name}} must match [A-Za-z0-9][A-Za-z0-9._-]*, optionally /-separated" },
  MOAT217: { severity: "error", title: "Invalid socket", message: "{{path}}: {{reason}}" },
  MOAT218: { severity: "error", title: "No input", message: "{{detail}}" },
  MOAT219: { severity: "error", title: "Unknown tenant in shared", message: "shared lists tenant {{tenant}}, which no tenant block declares" },
  MOAT220: { severity: "warning", title: "Empty workload", message: "{{kind}} {{name}} grants nothing" },
  MOAT221: { severity: "error", title: "String too long", message: "this string is {{length}} bytes long once ${…} are substituted; at most {{max}} are allowed" },
  MOAT222: { severity: "error", title: "Include outside the policy tree", message: "{{detail}}" },
  MOAT223: { severity: "error", title: "Invalid LXC container name", message: "lxc {{name}} is not an LXC container name: {{reason}}" },
  MOAT224: { severity: "error", title: "Unknown capability", message: "unknown capability {{name}}{{suggestion}}" },
  MOAT225: { severity: "error", title: "Unknown network family or type", message: "unknown network {{what}} {{name}}{{suggestion}}" },
  MOAT226: { severity: "error", title: "No service to run a program as its own", message: "run {{path}} own: tenant {{tenant}} has no service whose exec is exactly {{path}}" },
  MOAT227: { severity: "error", title: "Duplicate LXC container name", message: "LXC container name {{name}} is already used by container {{other}}; LXC container names are unique on a host" },
  MOAT228: { severity: "error", title: "File in no policy", message: "this file is included by none of the policies of the folder ({{names}}), so no host's profiles would hold what it says" },
  MOAT229: { severity: "error", title: "Malformed accept", message: "{{detail}}" },
  MOAT230: { severity: "warning", title: "Accept matches no warning", message: "accept {{code}} matches no {{code}} warning of the statement it covers" },
  MOAT231: { severity: "error", title: "Malformed host device address", message: "{{what}} {{value}} is malformed: it is written {{expected}}" },
  // 240-249: Nova hosts (docs/nova.md)
  MOAT240: { severity: "error", title: "Invalid project ID", message: "project {{value}} is not a Keystone project ID: one is 1 to 64 characters of letters, digits, '_' and '-'" },
  MOAT241: { severity: "error", title: "Project of two tenants", message: "project {{value}} already belongs to tenant {{other}}; a project's instances are one tenant's" },
  MOAT242: { severity: "error", title: "Not a tenant item", message: "{{item}} cannot be written directly in a tenant; a tenant block takes project, volume, device, socket, read and abstraction, and workloads" },
  MOAT243: { severity: "error", title: "Nova setting given twice", message: "{{what}} is already given; a policy describes one Nova host" },
  MOAT244: { severity: "error", title: "Invalid instances folder", message: "instances {{path}} must be an absolute folder written without glob characters (Nova's instances_path)" },

  // 3xx: isolation rules (docs/language.md, "Isolation rules")
  MOAT301: { severity: "error", title: "Cross-tenant overlap", message: "{{kindA}} of {{tenantA}}/{{workloadA}} overlaps {{kindB}} of {{tenantB}}/{{workloadB}}: both match {{witness}}" },
  MOAT302: { severity: "error", title: "Shared exception does not apply", message: "{{kindA}} of {{tenantA}}/{{workloadA}} overlaps {{kindB}} of {{tenantB}}/{{workloadB}} at {{witness}}, and the shared statement does not allow it: {{missing}}" },
  MOAT303: { severity: "warning", title: "Writable overlap within a tenant", message: "{{workloadA}} and {{workloadB}} of tenant {{tenant}} both reach {{witness}}, and {{writer}} may write it" },
  MOAT304: { severity: "error", title: "Protected path granted", message: "{{path}} reaches protected host path {{protected}} (e.g. {{witness}})" },
  MOAT305: { severity: "error", title: "Over-broad grant", message: "{{what}} {{path}} is over-broad: {{how}} ({{reason}})" },
  MOAT306: { severity: "error", title: "Glob too complex", message: "{{path}}: {{detail}}" },
  MOAT307: { severity: "warning", title: "Grants that name host links", message: "{{what}}; AppArmor mediates the node a link or a device address leads to, which only the host knows: moat install grants that node there" },
  MOAT308: { severity: "error", title: "Attached binary writable by another tenant", message: "{{kind}} {{path}} of {{tenant}}/{{workload}} lets it write {{witness}}, {{binary}} (or a folder above it); it could replace the binary and run with {{owner}}'s grants" },
  MOAT309: { severity: "error", title: "Two profiles attach to one binary", message: "exec {{path}} of {{tenantA}}/{{workloadA}} and exec {{other}} of {{tenantB}}/{{workloadB}} both match {{witness}}; the kernel cannot choose between the two profiles" },
  MOAT310: { severity: "error", title: "Host-critical path granted", message: "{{kind}} {{path}} reaches {{critical}} ({{reason}}), e.g. {{witness}}; {{how}}" },
  MOAT311: { severity: "warning", title: "Complain mode", message: "{{kind}} {{tenant}}/{{workload}} is in complain mode: its isolation is logged, not enforced" },
  MOAT312: { severity: "warning", title: "Attached binary writable within its tenant", message: "{{kind}} {{path}} of {{tenant}}/{{workload}} lets it write {{witness}}, {{binary}} (or a folder above it)" },
  MOAT313: { severity: "error", title: "Conflicting run modes", message: "run {{path}} {{mode}} and run {{other}} {{otherMode}} of {{tenant}}/{{workload}} both match {{witness}}; AppArmor refuses a profile whose rules run one program in two ways" },
  MOAT314: { severity: "error", title: "Host device passed through to two tenants", message: "{{device}} is passed through to {{tenantA}}/{{workloadA}} and to {{tenantB}}/{{workloadB}}; a host device goes to one guest" },
  MOAT320: { severity: "error", title: "Write grant on a folder above another's path", message: "{{kind}} {{path}} of {{tenant}}/{{workload}} lets it write {{witness}}, a folder above {{target}} ({{what}}); whoever may write a folder may rename it, and what is in it with it" },

  // 4xx: outputs and files
  MOAT401: { severity: "error", title: "Output not owned by moat", message: "{{path}} exists but moat did not write it; refusing to overwrite or delete it" },
  MOAT402: { severity: "error", title: "Output edited by hand", message: "{{path}} was changed since moat wrote it; refusing to overwrite or delete it" },
  MOAT403: { severity: "error", title: "Output out of date", message: "{{state}}" },
  MOAT404: { severity: "error", title: "I/O error", message: "{{detail}}" },
  MOAT405: { severity: "error", title: "Output folder locked", message: "{{detail}}" },
  MOAT406: { severity: "error", title: "Foreign file in the output folder", message: "{{detail}}" },

  // 5xx: the host and `moat install` (re-proof on the host's nodes, installing, loading, seclabels)
  MOAT501: { severity: "error", title: "Two tenants reach one node on the host", message: "{{a}} and {{b}} reach one {{what}} on this host: {{node}}" },
  MOAT502: { severity: "error", title: "Grant resolves to a guarded host path", message: "{{grant}} resolves on this host to {{node}}, which {{how}}" },
  MOAT503: { severity: "error", title: "Granted block device holds a mounted host file system", message: "{{grant}} reaches block device {{node}} ({{device}}), which {{how}}" },
  MOAT504: { severity: "error", title: "IOMMU group not isolated", message: "{{grant}} passes through IOMMU group {{group}}, which also holds {{device}}: {{how}}" },
  MOAT505: { severity: "warning", title: "Granted path missing on the host", message: "{{grant}}: {{detail}}" },
  MOAT506: { severity: "error", title: "Attached binary writable on the host", message: "exec {{path}} of {{workload}}: {{detail}}" },
  MOAT507: { severity: "error", title: "Output folder does not match its manifest", message: "{{detail}}" },
  MOAT508: { severity: "error", title: "Profile load failed", message: "{{detail}}" },
  MOAT509: { severity: "warning", title: "Domain without moat's seclabel", message: "{{detail}}" },
  MOAT510: { severity: "error", title: "Seclabel not applied", message: "{{detail}}" },
  MOAT511: { severity: "error", title: "Install record not moat's", message: "{{detail}}" },
  MOAT512: { severity: "warning", title: "Attached binary is a link", message: "exec {{path}} of {{workload}} is a link on this host to {{node}}: the kernel attaches profiles by the resolved path, so this profile {{how}}" },

  // 6xx: `moat audit` (reading logs, the compiled folder and the install record it judges them by)
  MOAT601: { severity: "error", title: "Log not readable", message: "cannot read log {{log}}: {{detail}}" },
  MOAT602: { severity: "error", title: "Output folder not usable for audit", message: "{{detail}}" },
  MOAT603: { severity: "error", title: "Install record not usable for audit", message: "{{detail}}" },
  MOAT604: { severity: "warning", title: "Installed profile differs from the install record", message: "{{detail}}" },

  // 7xx: `moat import` (libvirt domain XML read into a policy)
  MOAT701: { severity: "error", title: "Not a libvirt domain document", message: "{{detail}}" },
  MOAT702: { severity: "error", title: "Domain cannot be imported", message: "domain {{name}} is not imported: {{detail}}" },
  MOAT703: { severity: "warning", title: "Domain element not imported", message: "{{element}} {{detail}}" },

  // 9xx: moat itself
  MOAT900: { severity: "error", title: "Internal error", message: "internal error in moat: {{detail}}" },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;
