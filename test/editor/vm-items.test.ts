/**
 * The TextMate grammar and the vm items of virt-aa-helper's coverage: each item word is a keyword in an
 * item, and still a name where the language takes a name (their words are not reserved).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadGrammar, tokenize, type Grammar } from "./tokenize.js";

let grammar: Grammar;
beforeAll(async () => {
  grammar = await loadGrammar();
});

function scopesOf(source: string, text: string, n = 0): string[] {
  const token = tokenize(grammar, source).flat().filter((t) => t.text === text)[n];
  if (token === undefined) throw new Error(`no token ${JSON.stringify(text)} in ${JSON.stringify(source)}`);
  return token.scopes.slice(1) as string[];
}

describe("vm items in the editor grammar", () => {
  const policy = [
    "tenant log {",
    "  vm kernel {",
    '    firmware "/usr/share/OVMF/OVMF_CODE_4M.fd"',
    '    kernel   "/boot/vmlinuz"',
    '    share    "/srv/acme/share" rw',
    "    hugepages",
    "    memory-backing",
    '    pci "0000:03:00.0"',
    '    usb vendor "0x046d" product "0xc52b"',
    '    scsi "0:0:1:0"',
    "  }",
    "}",
  ].join("\n");

  it("item words are keywords in items", () => {
    for (const word of ["firmware", "share", "hugepages", "memory-backing", "pci", "usb", "vendor", "product", "scsi"]) {
      expect(scopesOf(policy, word)).toEqual([`keyword.other.${word}.moat`]);
    }
    expect(scopesOf(policy, "kernel", 1)).toEqual(["keyword.other.kernel.moat"]);
  });

  it("and names after tenant and vm", () => {
    expect(scopesOf(policy, "log")).toEqual(["entity.name.type.tenant.moat"]);
    expect(scopesOf(policy, "kernel")).toEqual(["entity.name.function.workload.moat"]);
  });
});
