/**
 * Reads an emitted AppArmor profile back as data: its rules, each with the comment above it, the
 * permissions, and the glob as AppArmor reads it (escapes decoded, a literal glob character shown with a
 * backslash: the "aare" text of `apparmor_parser -D rule-exprs`, which test/glob/oracle.ts matches).
 */
export interface ReadRule {
  readonly deny: boolean;
  /**
   * "file" for a path rule, "unix" for an abstract socket rule; "capability" and "network" for those
   * rules of a service, "mount" for a container's mount rules (glob: the rule's text after `mount`).
   */
  readonly type: "file" | "unix" | "capability" | "network" | "mount";
  /**
   * aare text (a byte string, one char per byte); for a unix rule the abstract name after `@`; for a
   * capability its name, for a network rule `FAMILY[ TYPE]`.
   */
  readonly glob: string;
  /**
   * File permissions; for a unix rule, its permissions and ends with the name written NAME:
   * `bind, listen addr=NAME`, `accept, send, receive addr=NAME peer=none`, ….
   */
  readonly perms: string;
  /** The comment line just above the rule's group. */
  readonly comment: string;
}

const GLOB_SPECIAL = new Set([..."*?[]{}^,\\"]);

/** The inside of a quoted AppArmor string as aare text. */
export function decodeQuoted(inner: string): string {
  let out = "";
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === "\\") {
      const octal = /^[0-7]{3}/.exec(inner.slice(i + 1));
      if (octal === null) throw new Error(`unexpected escape in "${inner}"`);
      const ch = String.fromCharCode(parseInt(octal[0], 8));
      out += GLOB_SPECIAL.has(ch) ? `\\${ch}` : ch;
      i += 3;
    } else {
      // Raw text outside [A-Za-z0-9/._-] can only be a glob operator; a raw byte above 0x7f would be a
      // UTF-16 unit here, so it is refused (moat writes those as octal escapes).
      if (c.charCodeAt(0) > 0x7e) throw new Error(`raw non-ASCII in "${inner}"`);
      out += c;
    }
  }
  return out;
}

/** An abstract address as moat writes it: `"@` then escaped bytes and glob operators, `"`. */
const ADDR = String.raw`"@(?:[^"\\]|\\[0-7]{3})*"`;
/** `unix (PERMS) addr=END[ peer=(addr=END)],`, each END an abstract address or `none`. */
const UNIX_RULE = new RegExp(String.raw`^unix \(([a-z, ]+)\) addr=(none|${ADDR})(?: peer=\(addr=(none|${ADDR})\))?,$`);

export function readRules(profile: string): ReadRule[] {
  const rules: ReadRule[] = [];
  let comment = "";
  for (const raw of profile.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#")) {
      comment = line;
      continue;
    }
    const file = /^(deny )?"((?:[^"\\]|\\[0-7]{3})*)" ([a-z]+|ix|Px),$/.exec(line);
    if (file !== null) {
      rules.push({ deny: file[1] !== undefined, type: "file", glob: decodeQuoted(file[2]!), perms: file[3]!, comment });
      continue;
    }
    const kernel = /^(capability|network) ([a-z0-9_]+(?: [a-z]+)?),$/.exec(line);
    if (kernel !== null) {
      rules.push({ deny: false, type: kernel[1] as "capability" | "network", glob: kernel[2]!, perms: "", comment });
      continue;
    }
    const mount = /^(deny )?mount (fstype=[a-z0-9]+(?: -> \/sys\/fs\/cgroup\/\*\*)?),$/.exec(line);
    if (mount !== null) {
      rules.push({ deny: mount[1] !== undefined, type: "mount", glob: mount[2]!, perms: "", comment });
      continue;
    }
    // A container's deny mount rules (templates/container-profile.hbs): they take away, never grant.
    const denyMount = /^deny mount ((?:options(?: in |=)\([a-z, ]+\) )?(?:fstype in \([a-z, ]+\))?(?: ?(?:\/\S*|"[^"]*"))?(?: -> \S+)?),$/.exec(line);
    if (denyMount !== null) {
      rules.push({ deny: true, type: "mount", glob: denyMount[1]!.trim(), perms: "", comment });
      continue;
    }
    const unix = UNIX_RULE.exec(line);
    if (unix !== null) {
      // Each end is `none` or an abstract name; a rule names one abstract address (on both ends: the same).
      const [local, peer] = [unix[2]!, unix[3]];
      const names = [...new Set([local, peer].filter((e) => e !== undefined && e !== "none").map((e) => decodeQuoted(e!.slice(2, -1))))];
      if (names.length !== 1) throw new Error(`unix rule without exactly one abstract name: ${raw}`);
      const end = (e: string): string => (e === "none" ? "none" : "NAME");
      rules.push({ deny: false, type: "unix", glob: names[0]!, perms: `${unix[1]!} addr=${end(local)}${peer === undefined ? "" : ` peer=${end(peer)}`}`, comment });
      continue;
    }
    // Anything else inside the body must be structure, never a rule this reader does not know.
    if (line !== "" && line !== "}" && !line.startsWith("profile ") && !line.startsWith("include <") && line !== "abi <abi/3.0>,") {
      throw new Error(`unknown line in profile: ${raw}`);
    }
  }
  return rules;
}

/**
 * Concrete paths a glob (aare text) matches: every alternation resolved to its first and to its last
 * branch, `*` and `**` as one or two components, `?` and classes as their first character.
 */
export function samples(glob: string): string[] {
  const out = new Set<string>();
  for (const pick of ["first", "last"] as const) {
    for (const star of ["s", "s/t"]) out.add(expand(glob, pick, star));
  }
  return [...out];
}

function expand(glob: string, pick: "first" | "last", star: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\") out += glob[++i] ?? "";
    else if (c === "*") {
      if (glob[i + 1] === "*") i++;
      out += glob[i - 1] === "*" ? star : "s";
    } else if (c === "?") out += "q";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      out += glob[i + 1] === "\\" ? glob[i + 2] : glob[i + 1];
      i = end;
    } else if (c === "{") {
      const [branches, end] = splitBraces(glob, i);
      out += expand(pick === "first" ? branches[0]! : branches[branches.length - 1]!, pick, star);
      i = end;
    } else out += c;
  }
  return out;
}

/** The branches of the alternation opening at `open`, and the index of its closing brace. */
function splitBraces(glob: string, open: number): [string[], number] {
  const branches: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      branches.push(glob.slice(start, i));
      return [branches, i];
    } else if (c === "," && depth === 1) {
      branches.push(glob.slice(start, i));
      start = i + 1;
    }
  }
  throw new Error(`unbalanced braces in ${glob}`);
}
