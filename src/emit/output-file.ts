/** One generated file; `path` is relative to the output folder, POSIX separators. */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
}
