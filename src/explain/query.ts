/**
 * The inputs of `moat explain` checked before anything is compiled: the path asked about, and which
 * workloads to answer for.
 */
import { posix } from "node:path";
import { toBytes } from "../glob/bytes.js";
import { checkedWorkloads, type Model, type Namespace, type Workload } from "../model/types.js";

export interface ExplainTarget {
  /** As shown: a normalized absolute path, or `@name`. */
  readonly shown: string;
  readonly namespace: Namespace;
  /** What globs are matched against: the UTF-8 bytes of the path, or of the name after `@`. */
  readonly bytes: string;
}

/**
 * An absolute path, or `@name` for an abstract unix socket. The kernel resolves `.`, `..` and `//`
 * before AppArmor sees a path, so they are resolved here too; a trailing `/` (a directory) is kept.
 */
export function parseExplainPath(text: string): ExplainTarget | { readonly error: string } {
  if (text.includes("\0")) return { error: "--path may not contain a NUL character" };
  if (text.startsWith("@")) {
    if (text.length === 1) return { error: "--path @ needs the abstract socket's name after the @" };
    return { shown: text, namespace: "abstract", bytes: toBytes(text.slice(1)) };
  }
  if (!text.startsWith("/")) {
    return { error: `--path must be an absolute path or @name (an abstract socket), not ${JSON.stringify(text)}` };
  }
  const shown = posix.normalize(text);
  return { shown, namespace: "path", bytes: toBytes(shown) };
}

const MAX_LISTED = 12;

function listed(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(", ");
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

/** `tenant/name`, or a bare name that only one tenant uses. Without a selector, every workload. */
export function selectWorkloads(model: Model, selector?: string): { readonly workloads: readonly Workload[] } | { readonly error: string } {
  // A tenant's Nova instances (tenant/(nova)) answer like a workload: their grants are the tenant's fragment's.
  const all = model.tenants.flatMap((t) => checkedWorkloads(t));
  if (selector === undefined) return { workloads: all };
  const id = (w: Workload): string => `${w.tenant}/${w.name}`;
  const slash = selector.indexOf("/");
  const found =
    slash >= 0
      ? all.filter((w) => w.tenant === selector.slice(0, slash) && w.name === selector.slice(slash + 1))
      : all.filter((w) => w.name === selector);
  if (found.length === 1) return { workloads: found };
  if (found.length > 1) {
    return { error: `--workload ${selector} names several workloads: ${listed(found.map(id))}; write tenant/name` };
  }
  if (all.length === 0) return { error: `--workload ${selector}: the policy has no workloads` };
  // Workloads sharing the name part, or the tenant, come first: the likeliest meant.
  const name = slash >= 0 ? selector.slice(slash + 1) : selector;
  const tenant = slash >= 0 ? selector.slice(0, slash) : undefined;
  const close = all.filter((w) => w.name === name || w.tenant === tenant);
  const candidates = [...close, ...all.filter((w) => !close.includes(w))].map(id);
  return { error: `--workload ${selector} is not a workload of the policy; the workloads are ${listed(candidates)}` };
}
