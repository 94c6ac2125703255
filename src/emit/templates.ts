/**
 * The Handlebars environments of the emitters, one per target: isolated (`Handlebars.create()`, so
 * nothing registered elsewhere leaks in), every template precompiled at build time by
 * templates/generate.mjs (strict mode: a missing field is an error, not an empty string; no HTML
 * escaping, which is wrong for both targets). All escaping is explicit, through the helpers below, one
 * per target; test/emit/templates.test.ts checks that no template inserts a value without one.
 */
import type { HelperDelegate, HelperOptions, RuntimeOptions, TemplateDelegate } from "handlebars";
import Handlebars from "./handlebars-runtime.js";
import type { Glob } from "../glob/ast.js";
import type { FileRule, UnixEnd, UnixRule } from "../model/grant-table.js";
import { aaCapabilityRule, aaFileRule, aaGlob, aaIncludeName, aaName, aaNetworkRule, aaUnixRule, commentText } from "./apparmor-text.js";
import { lxcConfName } from "./lxc-text.js";
import { TEMPLATE_SPECS } from "./templates.generated.js";
import { xmlAttr, xmlCommentText, xmlText } from "./xml-text.js";

const FLAGS = new Set(["attach_disconnected", "mediate_deleted", "complain"]);
/**
 * Unix permissions by the form of the rule: without a peer condition only bind and listen, which act on
 * the local socket alone (AppArmor refuses them next to a peer condition); with one, only what involves
 * the peer. So a rule that sends, receives, accepts or connects always names its peer, never any peer
 * at all: AppArmor compiles `accept` without a peer condition to accept from any peer too.
 */
const UNIX_LOCAL_PERMS = new Set(["bind", "listen"]);
const UNIX_PEER_PERMS = new Set(["accept", "connect", "send", "receive"]);
const UNIX_ENDS = new Set<unknown>(["name", "none"]);

function list(value: unknown, allowed: ReadonlySet<string>, what: string): string {
  let valid = Array.isArray(value) && value.length > 0;
  for (let i = 0; valid && i < (value as unknown[]).length; i++) {
    const v = (value as unknown[])[i];
    valid = typeof v === "string" && allowed.has(v);
  }
  if (!valid) throw new Error(`internal: invalid ${what}: ${JSON.stringify(value)}`);
  return (value as string[]).join(", ");
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

/**
 * A file rule (`deny` is a boolean, `perms` a string), a unix rule (`perms` a list), a capability rule
 * (`capability`) or a network rule (`family`, `type`); anything else is a bug.
 */
function rule(value: unknown): string {
  const rule = value as Partial<FileRule> | Partial<UnixRule> | null;
  if (typeof rule === "object" && rule !== null) {
    if ("capability" in rule) return aaCapabilityRule(text((rule as CapabilityRuleView).capability, "aaRule"));
    if ("family" in rule) {
      const type = (rule as NetworkRuleView).type;
      return aaNetworkRule(text((rule as NetworkRuleView).family, "aaRule"), type === null ? null : text(type, "aaRule"));
    }
    if (Array.isArray(rule.perms)) return unixRule(rule as Partial<UnixRule>);
    if (typeof (rule as Partial<FileRule>).deny === "boolean") {
      return aaFileRule((rule as FileRule).deny, glob(rule.glob, "aaRule"), text(rule.perms, "aaRule"));
    }
  }
  throw new Error("internal: aaRule needs a file rule or a unix rule");
}

/** A unix rule view: its ends (one of them the grant's name) and the permissions that form allows. */
function unixRule(rule: Partial<UnixRule>): string {
  const { addr, peer } = rule;
  if (!UNIX_ENDS.has(addr) || !(peer === null || UNIX_ENDS.has(peer)) || (addr !== "name" && peer !== "name")) {
    throw new Error(`internal: invalid unix rule ends: ${JSON.stringify({ addr, peer })}`);
  }
  const perms = list(rule.perms, peer === null ? UNIX_LOCAL_PERMS : UNIX_PEER_PERMS, "unix permissions");
  return aaUnixRule(perms, glob(rule.glob, "aaRule"), addr as UnixEnd, peer as UnixEnd | null);
}

/** Handlebars calls a helper with its parameters, then its options object: one parameter, two arguments. */
function oneParameter(count: number, helper: string): void {
  if (count !== 2) throw new Error(`internal: helper ${helper} takes one argument`);
}

/**
 * Helpers take exactly one parameter. One set per target. Each is its own function, registered as it
 * is: a shared checking wrapper would be one more call per helper call (450,000 at fleet50k), through a
 * call site that sees every helper and so inlines none.
 */
type Helpers = Readonly<Record<string, (value: unknown) => string>>;

const APPARMOR_HELPERS: Helpers = {
  aaName(value) {
    oneParameter(arguments.length, "aaName");
    return aaName(text(value, "aaName"));
  },
  aaIncludeName(value) {
    oneParameter(arguments.length, "aaIncludeName");
    return aaIncludeName(text(value, "aaIncludeName"));
  },
  aaGlob(value) {
    oneParameter(arguments.length, "aaGlob");
    return aaGlob(glob(value, "aaGlob"));
  },
  aaRule(value) {
    oneParameter(arguments.length, "aaRule");
    return rule(value);
  },
  aaFlags(value) {
    oneParameter(arguments.length, "aaFlags");
    return list(value, FLAGS, "profile flags");
  },
  comment(value) {
    oneParameter(arguments.length, "comment");
    return commentText(text(value, "comment"));
  },
};

const XML_HELPERS: Helpers = {
  xmlText(value) {
    oneParameter(arguments.length, "xmlText");
    return xmlText(text(value, "xmlText"));
  },
  xmlAttr(value) {
    oneParameter(arguments.length, "xmlAttr");
    return xmlAttr(text(value, "xmlAttr"));
  },
  xmlComment(value) {
    oneParameter(arguments.length, "xmlComment");
    return xmlCommentText(text(value, "xmlComment"));
  },
};

/** The LXC config file: `key = value` lines and `#` comments (lxc-text.ts). */
const LXC_HELPERS: Helpers = {
  lxcName(value) {
    oneParameter(arguments.length, "lxcName");
    return lxcConfName(text(value, "lxcName"));
  },
  lxcProfile(value) {
    oneParameter(arguments.length, "lxcProfile");
    return aaName(text(value, "lxcProfile"));
  },
  lxcComment(value) {
    oneParameter(arguments.length, "lxcComment");
    return commentText(text(value, "lxcComment"));
  },
};

export const HELPER_NAMES: readonly string[] = [...Object.keys(APPARMOR_HELPERS), ...Object.keys(XML_HELPERS), ...Object.keys(LXC_HELPERS)];

/** The runtime options of a block's body: none (no data, no block parameters), shared. */
const NO_BLOCK_OPTIONS: RuntimeOptions = Object.freeze({});

/**
 * An isolated environment with `helpers`, #each and the built-in #if, made strict. Each top-level
 * render wraps every helper of its environment anew (Handlebars' runtime set-up), so the two targets
 * have an environment each, and the built-ins no template uses are removed: helperMissing and
 * blockHelperMissing too, as templates precompiled with knownHelpersOnly never call them.
 */
function environment(helpers: Helpers): typeof Handlebars {
  const env = Handlebars.create();
  for (const unused of ["unless", "with", "log", "lookup", "helperMissing", "blockHelperMissing"]) env.unregisterHelper(unused);
  for (const [name, helper] of Object.entries(helpers)) env.registerHelper(name, helper);
  // Strict mode does not reach block parameters: `{{#each missing}}` would render nothing. These
  // helpers make a missing list or condition an error too. #each is the block helper of Handlebars'
  // documentation (`options.fn` per item, `options.inverse` when empty), not the built-in: with
  // `data: false` no template reads @index, @first or block parameters, which the built-in still
  // builds for every item (three arrays and a string), about 250,000 items in a fleet's profiles.
  const builtinIf = env.helpers["if"] as HelperDelegate;
  env.registerHelper("each", function (this: unknown, list: unknown, options: HelperOptions) {
    if (!Array.isArray(list)) throw new Error(`internal: #each needs a list, got ${typeof list}`);
    if (list.length === 0) return options.inverse(this);
    let out = "";
    // With no options object, each block call would allocate an empty one of its own.
    for (let i = 0; i < list.length; i++) out += options.fn(list[i], NO_BLOCK_OPTIONS);
    return out;
  });
  env.registerHelper("if", function (this: unknown, condition: unknown, options: HelperOptions) {
    if (condition === undefined) throw new Error("internal: #if on a missing field");
    return builtinIf.call(this, condition, options);
  });
  return env;
}

const apparmor = environment(APPARMOR_HELPERS);
const xml = environment(XML_HELPERS);
const lxc = environment(LXC_HELPERS);

type TemplateName = keyof typeof TEMPLATE_SPECS;

/** A template as templates/generate.mjs precompiled it, bound to `env`. */
function load<T>(env: typeof Handlebars, name: TemplateName): TemplateDelegate<T> {
  return env.template<T>(TEMPLATE_SPECS[name] as unknown as TemplateSpecification);
}
type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

for (const name of Object.keys(TEMPLATE_SPECS) as TemplateName[]) {
  if (name.startsWith("_")) apparmor.registerPartial(name, load(apparmor, name));
}
// The protected block reads nothing but `denies`, and emitOutputs hands every profile of a compile the
// same frozen list: it is rendered once per list, by the template, and its text reused.
const renderProtected = apparmor.partials["_protected"] as TemplateDelegate;
const protectedBlocks = new WeakMap<object, string>();
apparmor.registerPartial("_protected", (context: unknown, options?: RuntimeOptions): string => {
  const denies = (context as { denies?: unknown } | null | undefined)?.denies;
  if (!Array.isArray(denies) || !Object.isFrozen(denies)) return renderProtected(context, options);
  let block = protectedBlocks.get(denies);
  if (block === undefined) {
    block = renderProtected(context, options);
    protectedBlocks.set(denies, block);
  }
  return block;
});

/** `capability NAME,`: a name of model/kernel-names.ts. */
export interface CapabilityRuleView {
  readonly capability: string;
}

/** `network FAMILY [TYPE],`: names of model/kernel-names.ts; `type` null for every type. */
export interface NetworkRuleView {
  readonly family: string;
  readonly type: string | null;
}

/** A rule line: a file or unix rule of the grant table (model/grant-table.ts), or a capability or network rule. */
export type RuleView = FileRule | UnixRule | CapabilityRuleView | NetworkRuleView;

/**
 * One grant and the comment above it: where it comes from. Its rules are one list, one line each: a
 * grant has file rules, an abstract socket's unix rules, or a capability or network rule, and a second,
 * nearly always empty, list would cost a block helper call per grant.
 */
export interface GrantView {
  readonly title: string;
  readonly rules: readonly RuleView[];
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

/**
 * A container's profile: no attachment and no grants of its own (lxc/container-base allows all file
 * access inside the container), its host-side storage named in comments, and the protected paths that
 * are kernel interfaces (profile-views.ts containerDenies).
 */
export interface ContainerProfileView {
  readonly version: string;
  readonly source: string;
  readonly tenant: string;
  readonly workload: string;
  /** The LXC container's name on the host. */
  readonly lxc: string;
  readonly name: string;
  readonly flags: readonly string[];
  /** One line per host-side volume or device: what, access, glob and where it is declared. */
  readonly storage: readonly string[];
  readonly denies: readonly Glob[];
}

/** A container's LXC config lines. */
export interface LxcConfView {
  readonly version: string;
  readonly source: string;
  readonly tenant: string;
  readonly workload: string;
  readonly lxc: string;
  readonly profile: string;
}

export interface SeclabelView {
  readonly version: string;
  readonly source: string;
  readonly tenant: string;
  readonly workload: string;
  readonly label: string;
}

export const renderVmProfile = load<ProfileView>(apparmor, "vm-profile");
export const renderServiceProfile = load<ProfileView>(apparmor, "service-profile");
export const renderSeclabel = load<SeclabelView>(xml, "seclabel.xml");
export const renderContainerProfile = load<ContainerProfileView>(apparmor, "container-profile");
export const renderLxcConf = load<LxcConfView>(lxc, "lxc.conf");

/** A Nova fragment (emit/nova-fragments.ts): rules only, included by the profile `moat nova-hook` places. */
export interface NovaFragmentView {
  readonly version: string;
  readonly source: string;
  readonly title: string;
  readonly abstractions: readonly string[];
  readonly grants: readonly GrantView[];
  readonly others: readonly FileRule[];
  readonly denies: readonly Glob[];
}

export const renderNovaFragment = load<NovaFragmentView>(apparmor, "nova-fragment");
