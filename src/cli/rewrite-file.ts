/**
 * Replaces a file's content atomically, for `moat fmt`: a temporary file beside it, synced, then
 * renamed over it, so that a reader (or a crash) sees the old or the new text, never half of one. The
 * permission bits are kept. A symlink is followed: the file it points to is rewritten and the link
 * stays a link.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export function rewriteFileAtomically(file: string, content: string, mode: number): void {
  const target = fs.realpathSync(file);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.moat-fmt-${process.pid}-${randomBytes(4).toString("hex")}`);
  const fd = fs.openSync(temp, "wx", 0o600);
  try {
    try {
      fs.writeFileSync(fd, content);
      // The mode given to open is reduced by the umask; the file's own bits are what must survive.
      fs.fchmodSync(fd, mode);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (e) {
    try {
      fs.unlinkSync(temp);
    } catch {
      // Already renamed or never created: nothing left behind.
    }
    throw e;
  }
}
