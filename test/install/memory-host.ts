/** An in-memory host for the planner's unit tests: host path -> file, folder or link, with modes and owners. */
import type { HostStat, HostView } from "../../src/install/host-view.js";

export type MemEntry = { readonly file: string; readonly mode?: number; readonly uid?: number } | { readonly dir: true; readonly mode?: number; readonly uid?: number } | { readonly link: string } | { readonly block: string };

export class MemoryHost implements HostView {
  readonly trustedUids: ReadonlySet<number> = new Set([0]);
  private readonly entries = new Map<string, MemEntry>();
  /** Every path lstat was asked about, to show the resolver never asks through a link. */
  readonly asked: string[] = [];

  constructor(entries: Record<string, MemEntry | string>) {
    this.entries.set("/", { dir: true, mode: 0o755 });
    for (const [p, e] of Object.entries(entries)) this.put(p, typeof e === "string" ? { file: e } : e);
  }

  put(p: string, e: MemEntry): void {
    const parts = p.split("/").filter((x) => x !== "");
    for (let i = 1; i < parts.length; i++) {
      const dir = "/" + parts.slice(0, i).join("/");
      if (!this.entries.has(dir)) this.entries.set(dir, { dir: true, mode: 0o755 });
    }
    this.entries.set(p, e);
  }

  lstat(p: string): HostStat | undefined {
    this.asked.push(p);
    const e = this.entries.get(p);
    if (e === undefined) return undefined;
    if ("link" in e) return { kind: "link", mode: 0o777, uid: 0 };
    if ("block" in e) return { kind: "block", mode: 0o660, uid: 0, rdev: e.block };
    if ("dir" in e) return { kind: "dir", mode: e.mode ?? 0o755, uid: e.uid ?? 0 };
    return { kind: "file", mode: e.mode ?? 0o644, uid: e.uid ?? 0 };
  }

  readlink(p: string): string | undefined {
    const e = this.entries.get(p);
    return e !== undefined && "link" in e ? e.link : undefined;
  }

  readdir(p: string): readonly string[] | undefined {
    const e = this.entries.get(p);
    if (e === undefined || !("dir" in e)) return undefined;
    const prefix = p === "/" ? "/" : `${p}/`;
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && k !== p && !k.slice(prefix.length).includes("/")).map((k) => k.slice(prefix.length));
  }

  /** As under --root: the table staged at /.moat-staged/dmsetup-table/NAME. */
  dmTable(name: string): { readonly text: string } | { readonly error: string } {
    const text = this.readFile(`/.moat-staged/dmsetup-table/${name}`);
    return text === undefined ? { error: "no table is staged" } : { text };
  }

  readFile(p: string): string | undefined {
    const e = this.entries.get(p);
    return e !== undefined && "file" in e ? e.file : undefined;
  }
}
