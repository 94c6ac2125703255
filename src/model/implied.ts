/**
 * The rules libvirt's virt-aa-helper adds to every QEMU domain's profile for the domain itself. A moat
 * VM profile replaces the one virt-aa-helper would write, so it must hold them too, or QEMU cannot
 * write its log, open its monitor or pid file, or accept an incoming migration. They are the VM's
 * grants like any other, so the isolation rules see two tenants' VMs clash through them.
 *
 * The strings are those of Debian bookworm's libvirt 9.0.0, confirmed by running its virt-aa-helper in
 * dry-run mode (`virt-aa-helper -d -r -u libvirt-UUID < domain.xml`) on a minimal QEMU domain:
 *
 *   "/var/log/libvirt/**\/NAME.log" w,
 *   "/var/lib/libvirt/qemu/domain-NAME/monitor.sock" rw,
 *   "/var/lib/libvirt/qemu/domain--1-SHORT/*" rw,
 *   "/run/libvirt/**\/NAME.pid" rwk,
 *   "/run/libvirt/**\/*.tunnelmigrate.dest.NAME" rw,
 *   "/dev/vhost-net" rw,
 */
import type { Span } from "../source.js";
import type { Resource } from "./types.js";
import { parseGlob } from "../glob/parse.js";

/**
 * libvirt's per-domain directory is named by virDomainDefGetShortName(): `<id>-<name>` with the name
 * cut to VIR_DOMAIN_SHORT_NAME_MAX (20) characters. The cut is by characters for a multibyte name, and
 * moat's names are ASCII, so it is the first 20 bytes: two VMs whose names share their first 20
 * characters share this directory, and the isolation checks report it, as they should.
 */
const SHORT_NAME_MAX = 20;

/**
 * The domain id is only known while the domain runs (virt-aa-helper writes `-1` in a dry run). libvirt
 * formats it with %d: one to ten digits for a running domain. AppArmor globs cannot say "one or more
 * digits", and the tempting `domain-[0-9]*-NAME` is wrong for isolation: its `*` can take a `-` and
 * more, so vm `web` would also reach `domain-3-acme-web/`, the directory of vm `acme-web`. A digit
 * followed by nested optional digits (`[0-9]{,[0-9]{,...}}`, up to ten) is exact; since names start
 * with a letter, the id and the name cannot trade characters.
 */
const DOMAIN_ID_GLOB = "[0-9]" + "{,[0-9]".repeat(9) + "}".repeat(9);

interface ImpliedRule {
  /** The glob source for a domain: `n` is the name with glob characters escaped, `short` its short form. */
  readonly glob: (n: string, short: string) => string;
  readonly perms: string;
  readonly note: string;
}

const RULES: readonly ImpliedRule[] = [
  { glob: (n) => `/var/log/libvirt/**/${n}.log`, perms: "w", note: "libvirt log" },
  { glob: (n) => `/var/lib/libvirt/qemu/domain-${n}/monitor.sock`, perms: "rw", note: "libvirt monitor socket" },
  {
    glob: (_, short) => `/var/lib/libvirt/qemu/domain-${DOMAIN_ID_GLOB}-${short}/*`,
    perms: "rw",
    note: "libvirt per-domain directory",
  },
  { glob: (n) => `/run/libvirt/**/${n}.pid`, perms: "rwk", note: "libvirt pid file" },
  { glob: (n) => `/run/libvirt/**/*.tunnelmigrate.dest.${n}`, perms: "rw", note: "libvirt migration tunnel" },
  { glob: () => "/dev/vhost-net", perms: "rw", note: "vhost-net device" },
];

/** Makes every glob character of a name literal (names are grammar-restricted; this keeps it so). */
function globLiteral(text: string): string {
  return text.replace(/[*?{}[\],\\"]/g, (c) => "\\" + c);
}

/** The rules virt-aa-helper would add for domain `vmName`, as the vm's own (implied) grants at `span`. */
export function impliedVmResources(vmName: string, span: Span): Resource[] {
  const name = globLiteral(vmName);
  const short = globLiteral(vmName.slice(0, SHORT_NAME_MAX));
  return RULES.map((rule) => {
    const text = rule.glob(name, short);
    const parsed = parseGlob(text);
    if (!parsed.ok) throw new Error(`implied rule ${text} does not parse: ${parsed.reason}`);
    return {
      kind: "implied",
      // Every implied rule may write; "rw" is what the overlap rules need to know.
      access: "rw",
      namespace: "path",
      path: { text, glob: parsed.glob, span },
      perms: rule.perms,
      note: rule.note,
    };
  });
}
