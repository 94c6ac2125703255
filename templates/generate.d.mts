// Types for templates/generate.mjs, which test/emit/templates.test.ts imports.
export declare const OUTPUT: string;
export declare const HELPER_NAMES: readonly string[];
export declare const COMPILE_OPTIONS: Readonly<Record<string, unknown>>;
export declare function generatedText(): string;
