/** What a caller gives compile() to read the policy with: the files named, the policy tree, and a reader. */

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
