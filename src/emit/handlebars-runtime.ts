/**
 * Handlebars' runtime, loaded from the single-file build its package publishes
 * (`dist/handlebars.runtime.js`, in its package's files) instead of the package's entry point. The
 * templates are precompiled when moat is built (templates/generate.mjs), so the compiler half of
 * Handlebars (its parser and code generator), which the entry point loads with the runtime, is never
 * used at run time; loading it cost every process about 23 ms (emit/templates.js took 49 ms to load
 * with it, 26 ms without). The package has no exports map, so the file is named by its path in the
 * package. Types still come from the package itself, less the compiler's functions, which this build
 * does not have.
 */
import { createRequire } from "node:module";
import type HandlebarsApi from "handlebars";

type CompilerHalf = "compile" | "precompile" | "parse" | "parseWithoutProcessing";

/** The runtime's API: that of the package less the compiler, and so are the environments it creates. */
export type HandlebarsRuntime = Omit<typeof HandlebarsApi, CompilerHalf | "create"> & { create(): HandlebarsRuntime };

const Handlebars = createRequire(import.meta.url)("handlebars/dist/handlebars.runtime.js") as HandlebarsRuntime;

export default Handlebars;
