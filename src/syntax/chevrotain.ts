/**
 * chevrotain, loaded from the single-file build it publishes (`lib/chevrotain.mjs`, in its package's
 * files) instead of its module tree. The tree imports all of lodash-es, about 650 modules, which costs a
 * fresh process about half a second before moat has read a byte; the single file loads in tens of
 * milliseconds. The package's exports map names only the tree, so the file is found beside the tree's
 * entry point. Every value moat takes from chevrotain comes through here, so that tokens, the EOF token
 * and the parser base class all come from one copy. Types still come from the package itself.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type * as Chevrotain from "chevrotain";

const treeEntry = createRequire(import.meta.url).resolve("chevrotain"); // <package>/lib/src/api.js
const chevrotain = (await import(pathToFileURL(path.join(path.dirname(treeEntry), "..", "chevrotain.mjs")).href)) as typeof Chevrotain;

export const { createToken, EmbeddedActionsParser, EOF, Lexer, VERSION } = chevrotain;
