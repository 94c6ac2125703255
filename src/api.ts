/**
 * The types of the library's public surface: what a caller gives compile() and what it gets back.
 */
import type { AcceptedWarning } from "./apply-accepts.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { OutputFile } from "./emit/output-file.js";
import type { Model } from "./model/types.js";
import type { Source } from "./source.js";

// What the phases below define, named here too: a caller of the library needs them to call compile().
export type { CompileInput, ReadResult } from "./model/compile-input.js";
export type { OutputFile } from "./emit/output-file.js";

export interface CompileOptions {
  /** Written into headers and the manifest; defaults to the package version. */
  readonly version?: string;
}

/** Time spent in each phase of one compile, in milliseconds, in the order the phases ran. */
export interface PhaseTiming {
  readonly phase: "parse" | "model" | "check" | "emit";
  readonly ms: number;
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
  /** Warnings accepted on purpose (`# moat: accept CODE because REASON`), taken out of `diagnostics`; explain shows them. */
  readonly accepted?: readonly AcceptedWarning[];
  /** The resolved model, when resolution got that far (used by --emit-model and explain). */
  readonly model?: Model;
  /** The phases that ran and how long each took (for --timings and the benchmark). */
  readonly timings: readonly PhaseTiming[];
}
