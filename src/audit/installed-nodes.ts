/**
 * The nodes `moat install` granted on a host, read back from an installed profile. The kernel reports
 * the object a path resolves to (`/dev/dm-7`, not `/dev/vg0/web01`), so a record names a node that no
 * policy line names; install added a rule for each such node under a comment naming the grant and the
 * path that leads there (install/profile-text.ts writes them):
 *
 *   # volume rw (tenants/acme.iso:12): /dev/vg0/web01 -> /dev/dm-7
 *   "/dev/dm-7" rwk,
 *
 * Reading them back from the installed text (whose hash the install record vouches for) gives exactly
 * what the loaded profile holds on this host, not what the host would resolve today. Pure: text in.
 */
import { aaString } from "../emit/apparmor-text.js";
import { fromBytes } from "../glob/bytes.js";
import { INSTALLED_BLOCK_HEADER } from "../install/profile-text.js";

/** One rule install added: the grant it comes from (as the comment names it) and where its path leads. */
export interface InstalledNode {
  /** What the comment calls the grant: `volume rw`, `socket`, `libvirt log: implied by libvirt`. */
  readonly what: string;
  readonly file: string;
  readonly line: number;
  /** The path the grant names (or its literal folder part, ending in `/`). */
  readonly path: string;
  /** Where it leads on the host: a path, or for a re-rooted wildcard grant a glob in policy syntax. */
  readonly node: string;
  /** Whether `node` is one path (the rule quotes it as it is) rather than a glob. */
  readonly literal: boolean;
}

const BLOCK = INSTALLED_BLOCK_HEADER;
const COMMENT = /^ {2}# (.*) \(([^()]+):(\d+)\): (.*)$/;

/** install writes comments through commentText: bytes outside printable ASCII and `\` as `\xNN`. */
function uncomment(text: string): string {
  if (!text.includes("\\x")) return text;
  return fromBytes(text.replace(/\\x([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))));
}

/** The added rules of an installed profile, in the order written; none when install added none. */
export function installedNodes(text: string): InstalledNode[] {
  const start = text.indexOf(`\n${BLOCK}\n`);
  if (start < 0) return [];
  const lines = text.slice(start + BLOCK.length + 2).split("\n");
  const out: InstalledNode[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = COMMENT.exec(lines[i]!);
    if (m === null) continue;
    const rest = m[4]!;
    const arrow = rest.indexOf(" -> ");
    if (arrow < 0) continue;
    const node = uncomment(rest.slice(arrow + 4));
    const rule = lines[i + 1] ?? "";
    out.push({
      what: uncomment(m[1]!),
      file: uncomment(m[2]!),
      line: Number(m[3]),
      path: uncomment(rest.slice(0, arrow)),
      node,
      // A literal node is written as one quoted string with every byte literal; a glob is not.
      literal: rule.startsWith(`  ${aaString(node)} `),
    });
  }
  return out;
}
