// `npm run lint` (and so `npm test`): the shape of src/, not its style. Three rules: no import cycles;
// the file system, child processes and `process` only in the command line (src/cli/), so that the
// library stays pure; and phases import only downward, in the order of LAYERS below.
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

// The phases, lowest first. A folder (or file) may import from its own layer and from the layers
// before it, never from a later one; the folders of one layer that are listed as peers may not
// import each other. The order is the data flow: text -> syntax tree -> model -> proofs -> outputs,
// then the tools built on those outputs (audit on install's reading of them), the library's entry
// points, and the command line on top. glob/ knows nothing of policies: it sits below everything that
// reasons about paths. README.md ("Layout") says the same in prose.
const LAYERS = [
  { name: "base", paths: ["src/source.ts", "src/append-all.ts", "src/version.ts", "src/diagnostics"] },
  { name: "glob", paths: ["src/glob"] },
  { name: "syntax", paths: ["src/syntax", "src/json-form"] },
  { name: "model", paths: ["src/model"] },
  { name: "check", paths: ["src/check"] },
  { name: "emit", paths: ["src/emit"] },
  { name: "tools", paths: ["src/explain", "src/install", "src/format"], peers: true },
  // audit reads the compiled grants as install does (install/grants-model.ts), to judge a denial.
  { name: "audit", paths: ["src/audit"] },
  // import writes policy text in fmt's layout (format/), from what a domain's XML names.
  { name: "import", paths: ["src/import"] },
  { name: "library", paths: ["src/api.ts", "src/apply-accepts.ts", "src/compile.ts", "src/compile-folder.ts", "src/index.ts"] },
  { name: "cli", paths: ["src/cli"] },
];

const upward = LAYERS.flatMap((layer, i) =>
  layer.paths.map((target) => ({
    target,
    from: LAYERS.slice(i + 1).flatMap((above) => above.paths),
    message: `the ${layer.name} layer imports only from itself and the layers below it (eslint.config.js, LAYERS)`,
  })),
).filter((zone) => zone.from.length > 0);
const sideways = LAYERS.filter((layer) => layer.peers).flatMap((layer) =>
  layer.paths.map((target) => ({
    target,
    from: layer.paths.filter((peer) => peer !== target),
    message: `the folders of the ${layer.name} layer do not import each other (eslint.config.js, LAYERS)`,
  })),
);

const HOST_MODULES = ["fs", "fs/promises", "child_process", "process"].flatMap((name) => [name, `node:${name}`]);
const HOST_ONLY = "files, processes and the environment are the command line's (src/cli/): the library is pure";

export default [
  {
    files: ["src/**/*.ts"],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: "module" },
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      // Imports name the emitted `.js`; the source is the `.ts` beside it.
      "import-x/resolver-next": [createNodeResolver({ extensionAlias: { ".js": [".ts", ".js"] } })],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { zones: [...upward, ...sideways] }],
      "no-restricted-imports": ["error", { paths: HOST_MODULES.map((name) => ({ name, message: HOST_ONLY })) }],
      "no-restricted-globals": ["error", { name: "process", message: HOST_ONLY }],
    },
  },
  {
    files: ["src/cli/**/*.ts"],
    rules: { "no-restricted-imports": "off", "no-restricted-globals": "off" },
  },
];
