/**
 * The TextMate grammar on the control plane's words: `container` declares a workload, the new items are
 * item keywords, `inherit` and `own` are constants like `ro`, and the names after `capability` and
 * `network` are the kernel's names, not workload names.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadGrammar, tokenize, type Grammar } from "./tokenize.js";

let grammar: Grammar;
beforeAll(async () => {
  grammar = await loadGrammar();
});

/** The scopes below the file scope of the n-th token whose text is exactly `text`. */
function scopesOf(source: string, text: string, n = 0): string[] {
  const token = tokenize(grammar, source).flat().filter((t) => t.text === text)[n];
  if (token === undefined) throw new Error(`no token ${JSON.stringify(text)} in ${JSON.stringify(source)}`);
  return token.scopes.slice(1) as string[];
}

const POLICY = [
  "tenant control {",
  "  container galera {",
  '    lxc    "infra1_galera_container-3ea2d8f4"',
  '    volume "/dev/lxc/infra1_galera_container-3ea2d8f4" rw',
  "  }",
  "  service nova-compute {",
  '    read "/etc/nova/{,**}"',
  '    run  "/usr/bin/qemu-img" inherit',
  '    run  "/usr/bin/privsep-helper" own',
  "    capability net_admin, sys_admin",
  "    network inet stream",
  "    network netlink",
  "  }",
  "}",
].join("\n");

describe("scopes of the control plane's words", () => {
  it("container declares a workload, as vm and service do", () => {
    expect(scopesOf(POLICY, "container")).toEqual(["storage.type.container.moat"]);
    expect(scopesOf(POLICY, "galera")).toEqual(["entity.name.function.workload.moat"]);
  });

  it("the new items are item keywords", () => {
    for (const item of ["lxc", "read", "run", "capability", "network"]) expect(scopesOf(POLICY, item), item).toEqual([`keyword.other.${item}.moat`]);
  });

  it("inherit and own are constants", () => {
    expect(scopesOf(POLICY, "inherit")).toEqual(["constant.language.inherit.moat"]);
    expect(scopesOf(POLICY, "own")).toEqual(["constant.language.own.moat"]);
  });

  it("capability and network names are the kernel's names", () => {
    expect(scopesOf(POLICY, "net_admin")).toEqual(["support.constant.capability.moat"]);
    expect(scopesOf(POLICY, "sys_admin")).toEqual(["support.constant.capability.moat"]);
    expect(scopesOf(POLICY, ",", 1)).toEqual(["punctuation.separator.comma.moat"]);
    expect(scopesOf(POLICY, "inet")).toEqual(["support.constant.network-family.moat"]);
    expect(scopesOf(POLICY, "stream")).toEqual(["support.constant.network-type.moat"]);
    expect(scopesOf(POLICY, "netlink")).toEqual(["support.constant.network-family.moat"]);
  });

  it("a network rule on one line with the next item leaves that item a keyword", () => {
    expect(scopesOf('network unix read "/x"', "read")).toEqual(["keyword.other.read.moat"]);
    expect(scopesOf('network unix read "/x"', "unix")).toEqual(["support.constant.network-family.moat"]);
  });
});
