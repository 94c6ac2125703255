/**
 * A log as a stream of text chunks, read in fixed-size blocks so that memory does not depend on its
 * size. With `follow`, reading goes on after the end like `tail -f`: the file is polled for growth; a
 * log that was truncated (copytruncate) is read again from its start, and one that was rotated away
 * (its path now names another file) is read to its end, then the new file from its start.
 * UTF-8 is decoded across block boundaries (StringDecoder), never splitting a character.
 */
import * as fs from "node:fs";
import { StringDecoder } from "node:string_decoder";

const BLOCK = 1 << 18;
/** How often a followed log is looked at when it has nothing new. */
export const FOLLOW_POLL_MS = 200;

export interface ReadOptions {
  readonly follow: boolean;
  /** Checked between blocks: stop reading (a signal, a closed output). */
  readonly stopped: () => boolean;
  /** Wakes a sleeping follow when stopped. */
  readonly wake?: AbortSignal;
}

/**
 * Opens a log: throws a node fs error (ENOENT, EACCES, EISDIR) when it cannot be read. `file` is false
 * for a pipe or device (`<(journalctl -k)`), which is read as a stream, to its end, never followed.
 */
export function openLog(path: string): { readonly fd: number; readonly file: boolean } {
  const fd = fs.openSync(path, fs.constants.O_RDONLY);
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) {
    fs.closeSync(fd);
    throw Object.assign(new Error(`${path} is a folder`), { code: "EISDIR" });
  }
  return { fd, file: st.isFile() };
}

function sleep(ms: number, wake: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (wake?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      wake?.removeEventListener("abort", done);
      resolve();
    }
    wake?.addEventListener("abort", done, { once: true });
  });
}

/** The text of the log open at `fd` (closed when done), block by block. */
export async function* readLog(path: string, fd: number, options: ReadOptions): AsyncGenerator<string> {
  const buffer = Buffer.allocUnsafe(BLOCK);
  let decoder = new StringDecoder("utf8");
  let position = 0;
  let ino = fs.fstatSync(fd).ino;
  try {
    for (;;) {
      if (options.stopped()) return;
      const n = await new Promise<number>((resolve, reject) => fs.read(fd, buffer, 0, BLOCK, position, (e, bytes) => (e === null ? resolve(bytes) : reject(e))));
      if (n > 0) {
        position += n;
        const text = decoder.write(buffer.subarray(0, n));
        if (text !== "") yield text;
        continue;
      }
      if (!options.follow) break;
      await sleep(FOLLOW_POLL_MS, options.wake);
      const size = fs.fstatSync(fd).size;
      let now: fs.Stats | undefined;
      try {
        now = fs.statSync(path);
      } catch {
        now = undefined; // moved away and not yet replaced: keep the old file
      }
      if (size < position) {
        // Truncated in place: what is there now is new.
        position = 0;
        decoder = new StringDecoder("utf8");
      } else if (now !== undefined && now.ino !== ino && size === position) {
        // Rotated: the old file is read to its end; the path now names a new log.
        const rest = decoder.end();
        if (rest !== "") yield rest;
        fs.closeSync(fd);
        fd = openLog(path).fd;
        ino = fs.fstatSync(fd).ino;
        position = 0;
        decoder = new StringDecoder("utf8");
      }
    }
    const rest = decoder.end();
    if (rest !== "") yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

/** Standard input as text chunks. */
export async function* readStream(stream: AsyncIterable<Buffer | string>, stopped: () => boolean): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  for await (const chunk of stream) {
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    if (text !== "") yield text;
    if (stopped()) return;
  }
  const rest = decoder.end();
  if (rest !== "") yield rest;
}
