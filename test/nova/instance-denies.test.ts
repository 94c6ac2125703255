/**
 * The per-instance deny rules (src/install/nova-instance-denies.ts), proven with the glob engine on
 * AppArmor's semantics (kernelPaths): together they match every other instance's folders and nothing
 * of the instance's own, of `_base`, `locks` or any name that is not a UUID; then checked on sampled paths.
 */
import { describe, expect, it } from "vitest";
import { covers } from "../../src/glob/covers.js";
import { intersect } from "../../src/glob/intersect.js";
import { matchesPath } from "../../src/glob/match.js";
import { otherInstanceGlobs, otherInstanceSources, parsed } from "../../src/install/nova-instance-denies.js";

const DIR = "/var/lib/nova/instances";
const OWN = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const K = { kernelPaths: true };

// The contract, written here independently of the module: a folder named with a UUID, optionally `_`
// and more, as a file, a folder, and everything below it.
const H = "[0-9a-f]";
const UUID_SHAPE = `${H.repeat(8)}-${H.repeat(4)}-${H.repeat(4)}-${H.repeat(4)}-${H.repeat(12)}`;
const anyInstanceSource = (dir: string): string => `${dir}/${UUID_SHAPE}{,_*}{,/,/**}`;
const ownInstanceSource = (dir: string, uuid: string): string => `${dir}/${uuid}{,_*}{,/,/**}`;

/** Deterministic pseudo-random UUIDs (no seed to replay: a fixed sequence). */
function* uuids(n: number): Generator<string> {
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    let s = "";
    for (let d = 0; d < 32; d++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      s += "0123456789abcdef"[(x >>> 16) & 15];
      if (d === 7 || d === 11 || d === 15 || d === 19) s += "-";
    }
    yield s;
  }
}

describe("the deny rules of an instance", () => {
  for (const own of [OWN, "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]) {
    it(`never match the own folder of ${own}, nor its _resize, nor anything below them`, () => {
      const mine = parsed(ownInstanceSource(DIR, own));
      expect(otherInstanceGlobs(DIR, own)).toHaveLength(32);
      for (const rule of otherInstanceGlobs(DIR, own)) expect(intersect(rule, mine, undefined, K).kind).toBe("disjoint");
    });

    it(`match every other instance's folder, suffixed or not, and what is below it (${own})`, () => {
      // Every UUID-named folder is either the own one or matched by a rule: one glob of all the rules and the own folder covers them all.
      const union = parsed(`{${[...otherInstanceSources(DIR, own), ownInstanceSource(DIR, own)].join(",")}}`);
      expect(covers(union, parsed(anyInstanceSource(DIR)), K)).toBe(true);
    });
  }

  it("match nothing that is not named with a UUID: _base, locks, other names, the folder itself", () => {
    const uuidNamed = parsed(anyInstanceSource(DIR));
    expect(otherInstanceGlobs(DIR, OWN)).toHaveLength(32);
    for (const rule of otherInstanceGlobs(DIR, OWN)) expect(covers(uuidNamed, rule, K)).toBe(true);
    for (const other of [`${DIR}/_base{,/,/**}`, `${DIR}/locks{,/,/**}`, `${DIR}/`, DIR, `${DIR}/compute_nodes`, `${DIR}/snapshots/**`]) {
      for (const rule of otherInstanceGlobs(DIR, OWN)) expect(intersect(rule, parsed(other), undefined, K).kind, other).toBe("disjoint");
    }
  });

  it("decide sampled paths as Nova lays them out", () => {
    const rules = otherInstanceGlobs(DIR, OWN);
    const denied = (path: string): boolean => rules.some((r) => matchesPath(r, path));
    for (const own of [OWN, `${OWN}_resize`, `${OWN}_del`]) {
      for (const tail of ["", "/", "/disk", "/disk.config", "/console.log"]) expect(denied(`${DIR}/${own}${tail}`), own + tail).toBe(false);
    }
    for (const path of [`${DIR}/_base/2f4c1e`, `${DIR}/locks/nova-x`, `${DIR}/compute_nodes`, `${DIR}/${OWN.toUpperCase()}/disk`, `${DIR}/${OWN.slice(0, -1)}/disk`]) {
      expect(denied(path), path).toBe(false);
    }
    for (const other of uuids(300)) {
      if (other === OWN) continue;
      for (const name of [other, `${other}_resize`, `${other}_del`]) {
        for (const tail of ["", "/", "/disk", "/disk.config", "/console.log"]) expect(denied(`${DIR}/${name}${tail}`), name + tail).toBe(true);
      }
    }
  });

  it("refuse to build rules for a uuid that is not lowercase 8-4-4-4-12 hex, or a folder that is not plain", () => {
    expect(() => otherInstanceSources(DIR, OWN.toUpperCase())).toThrow();
    expect(() => otherInstanceSources(DIR, "*")).toThrow();
    expect(() => otherInstanceSources("/var/lib/nova/{a,b}", OWN)).toThrow();
  });
});
