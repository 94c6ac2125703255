/**
 * A service's `exec` on the host: the kernel attaches the profile to the binary, so whoever can replace
 * the binary runs their program with the profile's grants. Checked with the host's own mode bits and
 * owners (lstat): the binary, and every folder above it (renaming a folder replaces what is in it),
 * must be owned by root and not writable by group or others, save a folder with the sticky bit (only
 * an entry's owner may rename it there). Under --root the owner of ROOT counts as root. A glob `exec`
 * is checked on its literal folder part. An `exec` that is a link is reported too: the kernel sees the
 * resolved path, so the profile would attach to nothing (MOAT512).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { fromBytes } from "../glob/bytes.js";
import { literalBytes, literalPrefix } from "../glob/text.js";
import { quote } from "../model/paths.js";
import type { InstallProfile } from "./grants-model.js";
import type { HostStat, Resolver } from "./host-view.js";
import type { LocationBook } from "./locations.js";

const GROUP_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

function problem(path: string, st: HostStat, folder: boolean, trusted: ReadonlySet<number>): string | undefined {
  const what = folder ? `the folder ${quote(path)} above it` : "the binary";
  if (!trusted.has(st.uid)) return `${what} is owned by uid ${st.uid}, not root: that user can replace it`;
  if ((st.mode & GROUP_OTHER_WRITE) !== 0 && !(folder && (st.mode & STICKY) !== 0)) {
    const who = (st.mode & GROUP_OTHER_WRITE) === GROUP_OTHER_WRITE ? "its group and others" : (st.mode & 0o020) !== 0 ? "its group" : "others";
    const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
    return `${what} is writable by ${who} (mode ${mode}): whoever can write it can ${folder ? "put another binary in its place" : "replace it"}`;
  }
  return undefined;
}

export function checkExecs(profiles: readonly InstallProfile[], resolver: Resolver, book: LocationBook, missing: (at: InstallProfile["exec"] & object, workload: string, detail: string) => void): Diagnostic[] {
  const out: Diagnostic[] = [];
  const trusted = resolver.view.trustedUids;
  for (const profile of profiles) {
    const exec = profile.exec;
    if (exec === undefined) continue;
    const workload = `${profile.tenant}/${profile.workload}`;
    const literal = literalBytes(exec.glob);
    const prefix = literal ?? literalPrefix(exec.glob);
    const target = literal !== undefined ? fromBytes(literal) : fromBytes(prefix.slice(0, prefix.lastIndexOf("/") + 1)).replace(/(.)\/$/, "$1");
    const r = resolver.resolve(target);
    if (r.loop === true || !r.exists) {
      missing(exec, workload, literal !== undefined ? `exec ${quote(exec.text)} is not there on this host` : `the folder ${quote(target)} of exec ${quote(exec.text)} is not there on this host`);
      continue;
    }
    if (literal !== undefined && r.path !== target) {
      out.push(
        diagnostic("MOAT512", book.span(exec), { path: quote(exec.text), workload, node: quote(r.path), how: "does not attach to it: the program runs unconfined" }, {
          hint: `name the binary itself in exec: ${r.path}`,
        }),
      );
    }
    const found: string[] = [];
    const parts = r.path.split("/").filter((p) => p !== "");
    for (let n = parts.length; n >= 0; n--) {
      const path = "/" + parts.slice(0, n).join("/");
      const st = resolver.view.lstat(path);
      if (st === undefined) continue;
      const why = problem(path, st, n < parts.length || literal === undefined, trusted);
      if (why !== undefined) found.push(why);
    }
    if (found.length > 0) {
      out.push(
        diagnostic("MOAT506", book.span(exec), { path: quote(exec.text), workload, detail: found.join("; ") }, {
          hint: "the attached binary and the folders above it must be root's and writable by root alone (chown root: and chmod go-w)",
        }),
      );
    }
  }
  return out;
}
