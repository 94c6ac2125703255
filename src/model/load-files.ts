/**
 * Reads and parses every file of a compilation: the entries and, transitively, what they include.
 * Decides the order in which files are resolved, which must not depend on the order of the entries:
 * roots are the entries that no other file includes, sorted by path; each file's statements are
 * resolved in order with an include expanded in place, and a file reached twice is resolved once.
 */
import { posix } from "node:path";
import type { CompileInput } from "./compile-input.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source, Span } from "../source.js";
import type { PolicyFile, Statement, StringLiteral } from "../syntax/ast.js";
import { isJsonPolicyPath, parseJsonPolicy } from "../json-form/parse-json-policy.js";
import { parse } from "../syntax/parse.js";
import { appendAll } from "../append-all.js";
import { compilationRoot, relativeToRoot } from "./compilation-root.js";

export interface LoadedFiles {
  /** Every source read, sorted by path. */
  readonly sources: readonly Source[];
  /** Parsed files by path; a file with a syntax error is absent. */
  readonly files: ReadonlyMap<string, PolicyFile>;
  /** Where resolution starts, in order; each expands its includes in place. */
  readonly roots: readonly string[];
  /**
   * The compilation root: the deepest folder that holds every source, for naming them in outputs. Not
   * the policy tree (CompileInput.root), which bounds what may be read and lies at or above it.
   */
  readonly root: string;
  readonly diagnostics: readonly Diagnostic[];
}

// Each include is looked up when files are read, when cycles are searched and when the model is
// resolved; joining and normalizing its path once is enough. Keyed by the literal: the AST is immutable.
const targets = new WeakMap<StringLiteral, { readonly includer: string; readonly target: string | undefined }>();

/** The target of an include: a literal path relative to the including file, no interpolation. */
export function includeTarget(includer: string, literal: StringLiteral): string | undefined {
  const known = targets.get(literal);
  if (known !== undefined && known.includer === includer) return known.target;
  const target = computeTarget(includer, literal);
  targets.set(literal, { includer, target });
  return target;
}

function computeTarget(includer: string, literal: StringLiteral): string | undefined {
  const text = literalText(literal);
  // An absolute include names no file: loadFiles refuses it (MOAT222); it is not joined to the folder.
  if (text === undefined || text === "" || text.startsWith("/")) return undefined;
  return posix.normalize(posix.join(posix.dirname(includer), text));
}

/** The text of a literal without `${}`; undefined when it interpolates. */
function literalText(literal: StringLiteral): string | undefined {
  if (literal.parts.some((p) => p.kind !== "Text")) return undefined;
  return literal.parts.map((p) => (p.kind === "Text" ? p.text : "")).join("");
}

/** Whether a normalized path lies in the folder `tree` (itself included), without leaving it by `..`. */
export function isInsideTree(tree: string, path: string): boolean {
  if (tree === ".") return !path.startsWith("/") && path !== ".." && !path.startsWith("../");
  if (tree === "/") return path.startsWith("/");
  return path === tree || path.startsWith(`${tree}/`);
}

/**
 * MOAT222's message for each way a file is refused: what is wrong and what to write instead. `shown`
 * is the include's path as written, or undefined for an entry (the diagnostic then names the file).
 */
export function describeRefusal(shown: string | undefined, why: "climbs" | "absolute" | "outside" | "folder" | "special"): string {
  const subject = shown === undefined ? "this file" : `included file ${JSON.stringify(shown)}`;
  const instead = shown === undefined ? "name a policy file" : "include a policy file";
  const move = `move the file into the policy folder${shown === undefined ? "" : " and include it from there"}, or compile from a folder that holds it`;
  switch (why) {
    case "climbs":
      return shown === undefined
        ? `${subject} is outside the policy tree moat was given; compile from a folder that holds it`
        : `${subject} is outside the policy tree: includes stay inside the folder moat compiles; ${move}`;
    case "absolute":
      return `${subject} is an absolute path: an include names a file inside the policy tree, relative to the including file; move the file into the policy folder and write its path relative to this file`;
    case "outside":
      return `${subject} leads outside the policy tree through a link: moat reads nothing outside the folder it compiles; ${move}`;
    case "folder":
      return `${subject} is a folder, not a regular file: ${instead}`;
    case "special":
      return `${subject} is a device, pipe or socket, not a regular file: ${instead}`;
  }
}

export function loadFiles(input: CompileInput): LoadedFiles {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, Source>();
  const files = new Map<string, PolicyFile>();
  const unreadable = new Set<string>();
  const includedBy = new Map<string, string>();

  const entries = [...new Set(input.entries.map((e) => posix.normalize(e)))].sort();
  // The policy tree is fixed here, from what the caller named, before any file is read: an include can
  // only point into it, never widen it.
  const tree = posix.normalize(input.root ?? compilationRoot(entries));

  // `shown` is the path as the operator wrote it: the resolved one may be an absolute path of this
  // machine. `at` is the include's path, or undefined for an entry.
  const read = (path: string, at: Span | undefined, shown: string): boolean => {
    if (sources.has(path)) return true;
    if (unreadable.has(path)) return false;
    // An entry's problem is located at the file itself, which the renderers name without a position.
    const subject = at === undefined ? undefined : shown;
    const where = at ?? { file: path, start: 0, end: 0 };
    if (!isInsideTree(tree, path)) {
      unreadable.add(path);
      diagnostics.push(diagnostic("MOAT222", where, { detail: describeRefusal(subject, "climbs") }));
      return false;
    }
    const result = input.readFile(path);
    if ("refused" in result) {
      unreadable.add(path);
      diagnostics.push(diagnostic("MOAT222", where, { detail: describeRefusal(subject, result.refused) }));
      return false;
    }
    if ("error" in result) {
      unreadable.add(path);
      diagnostics.push(diagnostic("MOAT203", at, { path: JSON.stringify(shown), reason: result.error }));
      return false;
    }
    const source: Source = { path, text: result.text };
    const parsed = isJsonPolicyPath(path) ? parseJsonPolicy(source) : parse(source);
    // A file that is not policy (it failed at its first token) keeps its text for positions only.
    sources.set(path, parsed.recognized ? source : { ...source, hideText: true });
    appendAll(diagnostics, parsed.diagnostics);
    if (parsed.file !== undefined) files.set(path, parsed.file);
    return true;
  };

  const queue = [...entries];
  for (const entry of entries) read(entry, undefined, entry);
  // An index into the queue, not shift(): shift moves every remaining element, once per file.
  for (let next = 0; next < queue.length; next++) {
    const path = queue[next]!;
    const file = files.get(path);
    if (file === undefined) continue;
    for (const statement of file.statements) {
      if (statement.kind !== "Include") continue;
      const written = literalText(statement.path);
      if (written?.startsWith("/") === true) {
        diagnostics.push(diagnostic("MOAT222", statement.path.span, { detail: describeRefusal(written, "absolute") }));
        continue;
      }
      const target = includeTarget(path, statement.path);
      if (target === undefined || written === undefined) {
        diagnostics.push(
          diagnostic("MOAT203", statement.path.span, { path: "(interpolated or empty path)", reason: "an include names a literal relative path" }),
        );
        continue;
      }
      if (target !== path && !includedBy.has(target)) includedBy.set(target, path);
      const known = sources.has(target) || unreadable.has(target);
      if (read(target, statement.path.span, written) && !known) queue.push(target);
    }
  }

  // Headers, the manifest and chains of includes name sources relative to the deepest folder that holds
  // them all, not to the policy tree: the outputs must not change with how the operator named the same
  // files (the folder `policies/`, whose files all lie in `policies/hosts/`, or those files themselves).
  // Every source lies in the tree, so this folder does too.
  const root = compilationRoot([...sources.keys()]);
  appendAll(diagnostics, findCycles(files, root));

  // Entries that other files include are resolved where they are included; entries caught in a cycle
  // of includes follow, so that every file is resolved once whatever the order of the entries.
  const roots = entries.filter((e) => files.has(e) && !includedBy.has(e));
  for (const entry of entries) if (files.has(entry) && includedBy.has(entry)) roots.push(entry);

  return {
    sources: [...sources.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    files,
    roots,
    root,
    diagnostics,
  };
}

/**
 * Reports each include cycle once, at the include that closes it, naming the whole chain. The walk
 * keeps its own stack: a chain of includes thousands of files deep overflowed the call stack (MOAT900).
 */
function findCycles(files: ReadonlyMap<string, PolicyFile>, root: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: { readonly path: string; readonly statements: readonly Statement[]; next: number }[] = [];
  const open = (path: string): void => {
    state.set(path, "open");
    stack.push({ path, statements: files.get(path)?.statements ?? [], next: 0 });
  };
  for (const start of [...files.keys()].sort()) {
    if (state.has(start)) continue;
    open(start);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next === frame.statements.length) {
        stack.pop();
        state.set(frame.path, "done");
        continue;
      }
      const statement = frame.statements[frame.next++]!;
      if (statement.kind !== "Include") continue;
      const target = includeTarget(frame.path, statement.path);
      if (target === undefined || !files.has(target)) continue;
      const seen = state.get(target);
      if (seen === "open") {
        const paths = stack.map((f) => f.path);
        const chain = [...paths.slice(paths.indexOf(target)), target].map((p) => relativeToRoot(root, p)).join(" -> ");
        diagnostics.push(diagnostic("MOAT204", statement.path.span, { chain }));
      } else if (seen === undefined) {
        open(target);
      }
    }
  }
  return diagnostics;
}
