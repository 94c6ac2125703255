/**
 * Handlebars' runtime, loaded from the single-file build its package publishes
 * (`dist/handlebars.runtime.js`, in its package's files) instead of the package's entry point. The
 * templates are precompiled when moat is built (templates/generate.mjs), so the compiler half of
 * Handlebars (its parser and code generator), which the entry point loads with the runtime, is never
 * used at run time; loading it cost every process about 35 ms. The package has no exports map, so the
 * file is named by its path in the package. Types still come from the package itself.
 */
import { createRequire } from "node:module";
import type HandlebarsApi from "handlebars";

const Handlebars = createRequire(import.meta.url)("handlebars/dist/handlebars.runtime.js") as typeof HandlebarsApi;

export default Handlebars;
