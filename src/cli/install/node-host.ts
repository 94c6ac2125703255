/**
 * The host as `moat install` sees it, on the real file system: every host path is taken under ROOT
 * ("/" without --root). Links are never followed here (lstat, readlink): src/install/host-view.ts
 * resolves them itself, inside ROOT. Device numbers of nodes are read from the nodes only on the real
 * host; under --root a staged tree's nodes are plain files and sysfs says which are block devices.
 */
import * as fs from "node:fs";
import type { HostStat, HostView } from "../../install/host-view.js";
import { errorCode } from "../outputs/fs-layer.js";
import { firstLine, type RunProcess } from "./processes.js";

/** sysfs attributes and mountinfo are small; a staged tree must not make moat read a huge file. */
const MAX_FILE = 4 << 20;
/** The buffer host files are read into, made on the first read (see readFile). */
let readBuffer: Buffer | undefined;

function majorMinor(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

function absent(e: unknown): boolean {
  const code = errorCode(e);
  return code === "ENOENT" || code === "ENOTDIR" || code === "EINVAL" || code === "ELOOP" || code === "EACCES";
}

/** Where a staged tree (--root) holds what `dmsetup table` prints for each device: ROOT/.moat-staged/dmsetup-table/dm-N. */
export const STAGED_DM_TABLES = "/.moat-staged/dmsetup-table";

/** How the real host's device-mapper tables are read: `dmsetup table -j MAJOR -m MINOR` (processes.ts). */
export interface DmsetupRunner {
  readonly run: RunProcess;
  readonly program: string;
}

export function nodeHost(root: string, dmsetup?: DmsetupRunner): HostView {
  const underRoot = root !== "/";
  const at = (p: string): string => (underRoot ? root + (p === "/" ? "" : p) : p);
  const trusted = new Set<number>([0]);
  if (underRoot) {
    // A staged tree belongs to whoever staged it: its owner stands for root.
    const st = fs.statSync(root, { throwIfNoEntry: false });
    if (st !== undefined) trusted.add(st.uid);
  }
  const view: HostView = {
    trustedUids: trusted,
    dmTable(name, dev) {
      if (underRoot) {
        const text = view.readFile(`${STAGED_DM_TABLES}/${name}`);
        return text === undefined ? { error: `no table is staged at ${STAGED_DM_TABLES}/${name}` } : { text };
      }
      const number = /^(\d+):(\d+)$/.exec(dev);
      if (number === null) return { error: `${name} has no device number` };
      if (dmsetup === undefined) return { error: "dmsetup is not run here" };
      const r = dmsetup.run(dmsetup.program, ["table", "-j", number[1]!, "-m", number[2]!]);
      if (r.error !== undefined || r.status !== 0) return { error: `${dmsetup.program} table of ${name} failed: ${firstLine(r)}` };
      return { text: r.stdout };
    },
    lstat(p): HostStat | undefined {
      let st: fs.BigIntStats | undefined;
      try {
        st = fs.lstatSync(at(p), { bigint: true, throwIfNoEntry: false });
      } catch (e) {
        if (absent(e)) return undefined;
        throw e;
      }
      if (st === undefined) return undefined;
      const kind = st.isSymbolicLink() ? "link" : st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isBlockDevice() ? "block" : st.isCharacterDevice() ? "char" : "other";
      const base = { kind, mode: Number(st.mode & 0o7777n), uid: Number(st.uid) } as const;
      return !underRoot && (kind === "block" || kind === "char") ? { ...base, rdev: majorMinor(st.rdev) } : base;
    },
    readlink(p) {
      try {
        return fs.readlinkSync(at(p));
      } catch (e) {
        if (absent(e)) return undefined;
        throw e;
      }
    },
    readdir(p) {
      try {
        return fs.readdirSync(at(p));
      } catch (e) {
        if (absent(e)) return undefined;
        throw e;
      }
    },
    readFile(p) {
      let fd: number;
      try {
        // Not through a link (the resolver has resolved them), and never blocking on a FIFO.
        fd = fs.openSync(at(p), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      } catch (e) {
        if (absent(e) || errorCode(e) === "ENXIO") return undefined;
        throw e;
      }
      try {
        if (!fs.fstatSync(fd).isFile()) return undefined;
        // One buffer for every read (install reads sysfs attributes of every block device): allocated once.
        const buffer = (readBuffer ??= Buffer.allocUnsafe(MAX_FILE));
        let n = 0;
        for (;;) {
          let got: number;
          try {
            got = fs.readSync(fd, buffer, n, MAX_FILE - n, null);
          } catch (e) {
            // A sysfs attribute that cannot be read (EIO, EINVAL on some devices) tells nothing.
            if (errorCode(e) === "EIO" || errorCode(e) === "EINVAL" || errorCode(e) === "EAGAIN") return undefined;
            throw e;
          }
          if (got === 0) break;
          n += got;
          if (n >= MAX_FILE) return undefined;
        }
        return buffer.subarray(0, n).toString("utf8");
      } finally {
        fs.closeSync(fd);
      }
    },
  };
  return view;
}
