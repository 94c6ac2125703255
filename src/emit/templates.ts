/**
 * The templates of the emitters, parsed by Handlebars and rendered by template-render.ts: strict (a
 * missing field is an error, not an empty string) and without HTML escaping, which is wrong for both
 * targets. All escaping is explicit, through the helpers below, one per target; the renderer refuses a
 * template that inserts a value without one, and so does test/emit/templates.test.ts.
 */
import type { Glob } from "../glob/ast.js";
import { aaAbstractAddr, aaGlob, aaIncludeName, aaName, aaPerms, commentText } from "./apparmor-text.js";
import { createRenderer } from "./template-render.js";
import { TEMPLATE_SOURCES } from "./templates.generated.js";
import { xmlAttr, xmlCommentText, xmlText } from "./xml-text.js";

const FLAGS = new Set(["attach_disconnected", "complain"]);
const UNIX_PERMS = new Set(["bind", "listen", "accept", "send", "receive", "connect"]);

function list(value: unknown, allowed: ReadonlySet<string>, what: string): string {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string" && allowed.has(v))) {
    throw new Error(`internal: invalid ${what}: ${JSON.stringify(value)}`);
  }
  return value.join(", ");
}

function text(value: unknown, helper: string): string {
  if (typeof value !== "string") throw new Error(`internal: ${helper} needs a string, got ${typeof value}`);
  return value;
}

function glob(value: unknown, helper: string): Glob {
  if (typeof value !== "object" || value === null || !Array.isArray((value as Glob).parts)) {
    throw new Error(`internal: ${helper} needs a parsed glob`);
  }
  return value as Glob;
}

/** Each helper takes exactly one field (the renderer checks it when the templates load). */
const HELPERS: Readonly<Record<string, (value: unknown) => string>> = {
  aaName: (v) => aaName(text(v, "aaName")),
  aaIncludeName: (v) => aaIncludeName(text(v, "aaIncludeName")),
  aaPerms: (v) => aaPerms(text(v, "aaPerms")),
  aaGlob: (v) => aaGlob(glob(v, "aaGlob")),
  aaAbstractAddr: (v) => aaAbstractAddr(glob(v, "aaAbstractAddr")),
  aaFlags: (v) => list(v, FLAGS, "profile flags"),
  aaUnixPerms: (v) => list(v, UNIX_PERMS, "unix permissions"),
  comment: (v) => commentText(text(v, "comment")),
  xmlText: (v) => xmlText(text(v, "xmlText")),
  xmlAttr: (v) => xmlAttr(text(v, "xmlAttr")),
  xmlComment: (v) => xmlCommentText(text(v, "xmlComment")),
};

export const HELPER_NAMES: readonly string[] = Object.keys(HELPERS);

// The protected block reads nothing but `denies`, and emitOutputs hands every profile of a compile the
// same frozen list: it is rendered once per list, by its template, and its text reused.
const protectedBlocks = new WeakMap<object, string>();
function protectedOnce(name: string, context: unknown, render: (context: unknown) => string): string | undefined {
  if (name !== "_protected") return undefined;
  const denies = (context as { denies?: unknown } | null | undefined)?.denies;
  if (!Array.isArray(denies) || !Object.isFrozen(denies)) return undefined;
  let block = protectedBlocks.get(denies);
  if (block === undefined) {
    block = render(context);
    protectedBlocks.set(denies, block);
  }
  return block;
}

const renderer = createRenderer(TEMPLATE_SOURCES, HELPERS, protectedOnce);

function template<T>(name: keyof typeof TEMPLATE_SOURCES): (view: T) => string {
  return (view) => {
    const out: string[] = [];
    renderer.render(name, view, out);
    return out.join("");
  };
}

export interface FileRuleView {
  readonly deny: boolean;
  readonly glob: Glob;
  readonly perms: string;
}

export interface UnixRuleView {
  readonly glob: Glob;
  readonly perms: readonly string[];
}

/** One grant and the comment above it: where it comes from. */
export interface GrantView {
  readonly title: string;
  readonly files: readonly FileRuleView[];
  readonly abstractSockets: readonly UnixRuleView[];
}

export interface ProfileView {
  readonly version: string;
  readonly source: string;
  readonly tenant: string;
  readonly workload: string;
  readonly name: string;
  /** For a service: the executable the profile attaches to; null when it has none. */
  readonly exec: Glob | null;
  /** Empty for a service in enforce mode: then the profile has no flags=(). */
  readonly flags: readonly string[];
  readonly abstractions: readonly string[];
  readonly grants: readonly GrantView[];
  readonly denies: readonly Glob[];
}

export interface SeclabelView {
  readonly version: string;
  readonly source: string;
  readonly tenant: string;
  readonly workload: string;
  readonly label: string;
}

export const renderVmProfile = template<ProfileView>("vm-profile");
export const renderServiceProfile = template<ProfileView>("service-profile");
export const renderSeclabel = template<SeclabelView>("seclabel.xml");
