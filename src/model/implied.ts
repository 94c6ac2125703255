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
import type { Glob, GlobPart } from "../glob/ast.js";
import { toBytes } from "../glob/bytes.js";
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

/** A piece of an implied rule's glob: constant glob source, or the domain's name (full or short). */
type Piece = string | { readonly name: "full" | "short" };
const NAME: Piece = { name: "full" };
const SHORT: Piece = { name: "short" };

interface ImpliedRule {
  /** The glob source, piece by piece; names are inserted with their glob characters escaped. */
  readonly pieces: readonly Piece[];
  readonly perms: string;
  readonly note: string;
}

const RULES: readonly ImpliedRule[] = [
  { pieces: ["/var/log/libvirt/**/", NAME, ".log"], perms: "w", note: "libvirt log" },
  { pieces: ["/var/lib/libvirt/qemu/domain-", NAME, "/monitor.sock"], perms: "rw", note: "libvirt monitor socket" },
  {
    pieces: [`/var/lib/libvirt/qemu/domain-${DOMAIN_ID_GLOB}-`, SHORT, "/*"],
    perms: "rw",
    note: "libvirt per-domain directory",
  },
  { pieces: ["/run/libvirt/**/", NAME, ".pid"], perms: "rwk", note: "libvirt pid file" },
  { pieces: ["/run/libvirt/**/*.tunnelmigrate.dest.", NAME], perms: "rw", note: "libvirt migration tunnel" },
  { pieces: ["/dev/vhost-net"], perms: "rw", note: "vhost-net device" },
];

/**
 * The constant pieces parsed once: a fleet has thousands of VMs, and parsing six globs for each was most
 * of the model phase. A name inserted escaped parses to one literal of its bytes, so a rule's glob is
 * the constant parts with the name's literal joined to its neighbours, which is what parseGlob would
 * give for the whole text. Globs are immutable, so a rule without a name shares one Glob between VMs.
 */
const PARSED: readonly (readonly (readonly GlobPart[] | undefined)[])[] = RULES.map((rule) =>
  rule.pieces.map((piece) => {
    if (typeof piece !== "string") return undefined;
    const parsed = parseGlob(piece);
    if (!parsed.ok) throw new Error(`implied rule piece ${piece} does not parse: ${parsed.reason}`);
    return parsed.glob.parts;
  }),
);
const CONSTANT: readonly (Glob | undefined)[] = RULES.map((rule, i) =>
  rule.pieces.every((p) => typeof p === "string") ? { parts: PARSED[i]!.flatMap((parts) => parts!) } : undefined,
);

/** Makes every glob character of a name literal (names are grammar-restricted; this keeps it so). */
function globLiteral(text: string): string {
  return /[*?{}[\],\\"]/.test(text) ? text.replace(/[*?{}[\],\\"]/g, (c) => "\\" + c) : text;
}

/** Appends parts, joining a literal to a literal before it as the glob parser does. */
function append(out: GlobPart[], parts: readonly GlobPart[]): void {
  for (const part of parts) {
    const last = out[out.length - 1];
    if (part.kind === "literal" && last !== undefined && last.kind === "literal") {
      out[out.length - 1] = { kind: "literal", bytes: last.bytes + part.bytes };
    } else {
      out.push(part);
    }
  }
}

/** The rules virt-aa-helper would add for domain `vmName`, as the vm's own (implied) grants at `span`. */
export function impliedVmResources(vmName: string, span: Span): Resource[] {
  const shortName = vmName.slice(0, SHORT_NAME_MAX);
  const name = globLiteral(vmName);
  const short = globLiteral(shortName);
  const nameParts: readonly GlobPart[] = vmName === "" ? [] : [{ kind: "literal", bytes: toBytes(vmName) }];
  const shortParts: readonly GlobPart[] = shortName === "" ? [] : [{ kind: "literal", bytes: toBytes(shortName) }];
  return RULES.map((rule, i) => {
    let text = "";
    for (const piece of rule.pieces) text += typeof piece === "string" ? piece : piece.name === "full" ? name : short;
    let glob = CONSTANT[i];
    if (glob === undefined) {
      const parts: GlobPart[] = [];
      const parsed = PARSED[i]!;
      rule.pieces.forEach((piece, j) => append(parts, typeof piece === "string" ? parsed[j]! : piece.name === "full" ? nameParts : shortParts));
      glob = { parts: parts.slice() }; // exact size: an array grown by push keeps room for 17 elements
    }
    return {
      kind: "implied",
      // Every implied rule may write; "rw" is what the overlap rules need to know.
      access: "rw",
      namespace: "path",
      path: { text, glob, span },
      perms: rule.perms,
      note: rule.note,
    };
  });
}
