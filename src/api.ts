/**
 * The types of the library's public surface: what a caller gives compile() and what it gets back.
 */
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { Model } from "./model/types.js";
import type { Source } from "./source.js";

/** What reading one file gave: its text, or why it could not be read (the reason ends up in a diagnostic). */
export type ReadResult = { readonly text: string } | { readonly error: string };

export interface CompileInput {
  /**
   * The files named for compilation, as normalized POSIX paths (the CLI passes absolute paths; an
   * in-memory caller may use any consistent scheme). Folders are the host's business: pass their files.
   */
  readonly entries: readonly string[];
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
  /** Every file read, for rendering diagnostics (code frames need the text). */
  readonly sources: readonly Source[];
  /** The resolved model, when resolution got that far (used by --emit-model and explain). */
  readonly model?: Model;
  /** The phases that ran and how long each took (for --timings and the benchmark). */
  readonly timings: readonly PhaseTiming[];
}
