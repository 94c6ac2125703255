/**
 * Loading and unloading profiles with apparmor_parser, keeping what was done so that a failed install
 * can be undone: a profile replaced in the kernel is loaded again from the previous file (put back by
 * the rollback), one that was new is removed, one that was unloaded is loaded again.
 */
import { firstLine, type RunProcess } from "./processes.js";

export class LoadFailed extends Error {
  constructor(
    readonly profileFile: string,
    readonly detail: string,
  ) {
    super(`apparmor_parser failed on ${profileFile}: ${detail}`);
  }
}

type Done = { readonly op: "load-new"; readonly name: string; readonly text: string } | { readonly op: "load-replaced" | "unload"; readonly name: string };

export class Kernel {
  private readonly done: Done[] = [];
  readonly loaded: string[] = [];

  constructor(
    private readonly run: RunProcess,
    private readonly parser: string,
    private readonly dir: string,
  ) {}

  /** apparmor_parser -r -W DIR/NAME: replace (or add) the profiles of the file, writing the cache. */
  load(name: string, replaced: boolean, text: string): void {
    const r = this.run(this.parser, ["-r", "-W", `${this.dir}/${name}`]);
    if (r.status !== 0) throw new LoadFailed(name, firstLine(r));
    this.done.push(replaced ? { op: "load-replaced", name } : { op: "load-new", name, text });
    this.loaded.push(name);
  }

  /** apparmor_parser -R DIR/NAME, while the file is still there. */
  unload(name: string): void {
    const r = this.run(this.parser, ["-R", `${this.dir}/${name}`]);
    if (r.status !== 0) throw new LoadFailed(name, firstLine(r));
    this.done.push({ op: "unload", name });
  }

  /** Undoes what was done, newest first, once the previous files are back; returns what could not be undone. */
  undo(): string[] {
    const failures: string[] = [];
    for (const d of this.done.splice(0).reverse()) {
      const r =
        d.op === "load-new"
          ? // Its file is gone with the rollback: the parser reads the text it loaded from stdin to know what to remove.
            this.run(this.parser, ["-R"], d.text)
          : this.run(this.parser, ["-r", "-W", `${this.dir}/${d.name}`]);
      if (r.status !== 0) failures.push(`${d.name}: ${firstLine(r)}`);
    }
    this.loaded.length = 0;
    return failures;
  }
}
