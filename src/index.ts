/**
 * moat as a library: `compile(input, options)` turns policy sources into AppArmor profiles, libvirt
 * seclabel snippets and a manifest, or into diagnostics. It is pure: it reads files only through
 * `input.readFile` and returns everything it produces.
 */
export { compile } from "./compile.js";
export { compileFolder, type FolderCompile, type PolicyCompile } from "./compile-folder.js";
export type { AcceptedWarning } from "./apply-accepts.js";
export type { CompileInput, CompileOptions, CompileResult, OutputFile, PhaseTiming, ReadResult } from "./api.js";
export type { Diagnostic, RelatedInformation } from "./diagnostics/diagnostic.js";
export { CODES, type Code, type Severity } from "./diagnostics/codes.js";
export type { Model, Tenant, Workload, Resource, PathValue, Shared } from "./model/types.js";
export { getLocation, getLineText, type Source, type Span, type Location } from "./source.js";
export { VERSION } from "./version.js";
