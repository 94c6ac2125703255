/**
 * Writing a file atomically: a temporary file beside it, synced, then renamed over it (or linked into
 * place, when the file must not exist yet), so that a reader (or a crash) sees the old text or the new,
 * never half of one, and nothing is left behind when it fails. One way for every command that writes
 * a file the user or another program reads: `moat fmt`, `moat import --out`, `moat nova-hook`.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface AtomicWrite {
  /** The permission bits the file gets (the umask does not reduce them). */
  readonly mode: number;
  /** Which command wrote the temporary file, in its name (`.NAME.moat-TAG-PID-RANDOM`). */
  readonly tag: string;
  /** true: replace what is there; false: EEXIST when the file exists (never replaced). */
  readonly replace: boolean;
}

export function writeFileAtomically(target: string, content: string, options: AtomicWrite): void {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.moat-${options.tag}-${process.pid}-${randomBytes(4).toString("hex")}`);
  const fd = fs.openSync(temp, "wx", 0o600);
  let placed = false;
  try {
    try {
      fs.writeFileSync(fd, content);
      fs.fchmodSync(fd, options.mode);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (options.replace) fs.renameSync(temp, target);
    else fs.linkSync(temp, target);
    placed = options.replace;
  } finally {
    if (!placed) {
      try {
        fs.unlinkSync(temp);
      } catch {
        // Never created: nothing left behind.
      }
    }
  }
}

/**
 * `moat fmt`'s rewrite: the permission bits are kept, and a symlink is followed (the file it points to
 * is rewritten and the link stays a link).
 */
export function rewriteFileAtomically(file: string, content: string, mode: number): void {
  writeFileAtomically(fs.realpathSync(file), content, { mode, tag: "fmt", replace: true });
}
