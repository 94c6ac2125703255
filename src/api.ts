/**
 * The types of the library's public surface: what a caller gives compile() and what it gets back.
 */
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { Model } from "./model/types.js";
import type { Source } from "./source.js";

/**
 * What reading one file gave: its text; why it could not be read (the reason ends up in MOAT203); or
 * that the host refused to read it, which is MOAT222 and shows nothing of the file: it leads outside
 * the policy tree (`outside`: through a link, say), or it is not a regular file (`folder`, or
 * `special` for a device, pipe or socket).
 */
export type ReadResult =
  | { readonly text: string }
  | { readonly error: string }
  | { readonly refused: "outside" | "folder" | "special" };

export interface CompileInput {
  /**
   * The files named for compilation, as normalized POSIX paths (the CLI passes absolute paths; an
   * in-memory caller may use any consistent scheme). Folders are the host's business: pass their files.
   */
  readonly entries: readonly string[];
  /**
   * The policy tree: the folder that every file of the compilation must lie in, as a normalized POSIX
   * path in the scheme of `entries`. Fixed by the caller, never widened by includes: an include whose
   * path leaves it (`..` past it, or an absolute path) is refused (MOAT222) before `readFile` is called.
   * Defaults to the deepest folder holding every entry. The CLI passes the folder the operator named
   * (or the one holding the named files). Where links lead is the host's business: `readFile` refuses
   * (`refused: "outside"`) a path that resolves outside the tree.
   */
  readonly root?: string;
  /** Reads a file (an entry or an include). The library never touches the file system itself. */
  readonly readFile: (path: string) => ReadResult;
}

export interface CompileOptions {
  /** Written into headers and the manifest; defaults to the package version. */
  readonly version?: string;
}

/** Time spent in each phase of one compile, in milliseconds, in the order the phases ran. */
export interface PhaseTiming {
  readonly phase: "parse" | "model" | "check" | "emit";
  readonly ms: number;
}

/** One generated file; `path` is relative to the output folder, POSIX separators. */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
}

export interface CompileResult {
  /** Empty whenever `diagnostics` holds an error: a failed compile produces nothing. */
  readonly outputs: readonly OutputFile[];
  /** Sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Every file read, for rendering diagnostics (positions and code frames need the text). A source
   * whose text did not read as policy has `hideText` set: print none of it (see Source).
   */
  readonly sources: readonly Source[];
  /** The resolved model, when resolution got that far (used by --emit-model and explain). */
  readonly model?: Model;
  /** The phases that ran and how long each took (for --timings and the benchmark). */
  readonly timings: readonly PhaseTiming[];
}
