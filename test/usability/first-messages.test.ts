/**
 * The messages a first-time user meets (issue 20, "Using it"): each names what is wrong and what to
 * write instead, with a stable code, at the right place.
 */
import { describe, expect, it } from "vitest";
import { nearestWord } from "../../src/diagnostics/suggest.js";
import { compileTexts, located, spanText } from "../support/memory.js";

const one = (text: string) => {
  const result = compileTexts({ "/p/host.iso": text });
  return { result, d: result.diagnostics[0]!, at: located(result) };
};
const service = (item: string): string => `tenant acme {\n  service a {\n    ${item}\n  }\n}\n`;

describe("an access that is not ro or rw", () => {
  it.each([
    ["RW", "write rw, in lower case"],
    ["Ro", "write ro, in lower case"],
    ["readonly", "write ro: ro is read-only, rw is read-write"],
    ["read-only", "write ro: ro is read-only, rw is read-write"],
    ["read_write", "write rw: ro is read-only, rw is read-write"],
  ])("volume … %s says the access is ro or rw", (access, hint) => {
    const { result, d, at } = one(service(`volume "/srv/acme/{,**}" ${access}`));
    expect(at).toEqual(["MOAT102@/p/host.iso:3:30"]);
    expect(d.message).toBe(`access is ro or rw, found '${access}'`);
    expect(d.hint).toBe(hint);
    expect(spanText(result, d)).toBe(access);
  });

  it("device takes the same access", () => {
    expect(one(service('device "/dev/vfio/41" READONLY')).d.message).toBe("access is ro or rw, found 'READONLY'");
  });

  it("leaves a name on the next line to the item rule, and an unrelated word too", () => {
    const next = one(service('volume "/srv/acme/{,**}"\n    RW "/x"')).d;
    expect(next.message).toMatch(/^expected an item .* found 'RW'$/);
    expect(one(service('volume "/srv/acme/{,**}" rx')).d.message).toMatch(/^expected an item .* found 'rx'$/);
  });
});

describe("a // comment", () => {
  it("is told that comments start with #, at the line's end", () => {
    const { d, at } = one(service('volume "/srv/acme/{,**}" rw   // its data'));
    expect(at).toEqual(["MOAT101@/p/host.iso:3:35"]);
    expect(d.hint).toBe("comments start with '#' and run to the end of the line: write # instead of //");
  });

  it("and on the first line of a file too (/* as well)", () => {
    expect(one(`// acme\n${service('volume "/srv/acme/{,**}"')}`).d.hint).toBe("comments start with '#' and run to the end of the line: write # instead of //");
    expect(one(`/* acme */\n`).d.hint).toBe("comments start with '#' and run to the end of the line: write # instead of /*");
  });

  it("a lone / is still a path that needs quotes", () => {
    expect(one(service("volume /srv/acme")).d.hint).toBe('paths are strings: write them in double quotes, "/like/this"');
  });
});

describe("did you mean", () => {
  it.each([
    ["tenat acme {\n}\n", "did you mean tenant?"],
    ["Policy host\n", "did you mean policy?"],
    ["tenant acme {\n  servce a {\n  }\n}\n", "did you mean service?"],
    [service('volme "/srv/acme/{,**}" rw'), "did you mean volume?"],
    [service("mode Complain"), "did you mean complain?"],
    [service('run "/usr/bin/x" inheirt'), "did you mean inherit?"],
    ['tenant a {\n  vm b {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "/i/x" ro\n  }\n}\nshared "/i/**" RO with a\n', "did you mean ro?"],
  ])("%j", (text, hint) => {
    const { d } = one(text);
    expect(d.code).toBe("MOAT102");
    expect(d.hint).toBe(hint);
  });

  it("suggests nothing for a word far from every keyword", () => {
    expect(one("tenant acme {\n  frobnicate a {\n  }\n}\n").d.hint).toBeUndefined();
  });

  it("one helper: same word in another case first, then the nearest within a slip", () => {
    expect(nearestWord("VALIDATE", ["compile", "validate"])).toBe("validate");
    expect(nearestWord("complie", ["compile", "validate"])).toBe("compile");
    expect(nearestWord("vm", ["vm", "service"])).toBe("vm");
    expect(nearestWord("xyz", ["vm", "service"])).toBeUndefined();
    expect(nearestWord("net_admni", ["net_admin", "net_raw"])).toBe("net_admin");
  });
});

describe("a let that ends in /", () => {
  it("is reported once, at the let, not at each use", () => {
    const { result, d, at } = one(
      `let images = "/var/lib/libvirt/images/"\n${service('volume "${images}/a.qcow2" rw\n    volume "${images}/b.qcow2" rw')}let more = "\${images}/c"\n`,
    );
    expect(at).toEqual(["MOAT214@/p/host.iso:1:14"]);
    expect(spanText(result, d)).toBe('"/var/lib/libvirt/images/"');
    expect(d.message).toBe(`"/var/lib/libvirt/images/": let images ends in '/' and is followed by '/' where it is used, which makes '//': a path may not contain '//'`);
    expect(d.hint).toBe(`drop the final '/' of the value: let images = "/var/lib/libvirt/images"`);
    expect(d.related.map((r) => r.message)).toEqual(["${images} is followed by '/' here"]);
  });

  it("is fine where no '/' follows it", () => {
    expect(one(`let images = "/srv/images/"\n${service('volume "${images}a.qcow2" rw')}`).at).toEqual([]);
  });

  it("a '//' written in the string itself is still reported at the string", () => {
    expect(one(service('volume "/srv//a" rw')).at).toEqual(["MOAT214@/p/host.iso:3:12"]);
  });
});

describe("one over-broad grant", () => {
  it("is reported, and the overlaps it causes are counted, not listed", () => {
    const vms = Array.from({ length: 5 }, (_, i) => `  vm web0${i} {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8${i}"\n    volume "/var/lib/libvirt/images/acme/web0${i}.qcow2" rw\n  }\n`).join("");
    const { result, at } = one(`tenant acme {\n${vms}}\ntenant globex {\n  service s {\n    volume "/var/**" rw\n  }\n}\n`);
    expect(at.map((x) => x.split("@")[0])).toEqual(["MOAT304", "MOAT305", "MOAT310"]);
    const broad = result.diagnostics.find((d) => d.code === "MOAT305")!;
    // 5 disks, 5 logs, 5 monitor sockets, 5 per-domain folders, 5 pid files, 5 tunnels...: every one an overlap of its own before.
    expect(broad.hint).toMatch(/^grant the workload's own folder below it, e\.g\. \/srv\/acme\/\{,\*\*\}; \d+ overlaps with other grants that follow from this one are not listed: fix this grant first, then compile again$/);
    expect(Number(/; (\d+) overlaps/.exec(broad.hint!)![1])).toBeGreaterThanOrEqual(20);
  });

  it("leaves the overlaps of grants that are not refused on their own", () => {
    const { at } = one(`tenant acme {\n  service a {\n    volume "/srv/x/**" rw\n  }\n}\ntenant globex {\n  service b {\n    volume "/srv/x/y" rw\n  }\n}\n`);
    expect(at).toEqual(["MOAT301@/p/host.iso:8:12"]);
  });
});
