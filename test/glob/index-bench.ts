/**
 * Scaling check for the candidate-pair index (a script, not a test: timings vary by machine).
 *   npx tsc -p tsconfig.json && node dist/test/glob/index-bench.js [vms]
 * Builds a fleet of realistic resources (per VM: qcow2 image, LVM volume, VFIO group, monitor socket and
 * the five per-domain globs virt-aa-helper adds; per tenant: a service tree and the shared base images),
 * then times the index and the exact intersection of every candidate pair.
 */
import type { Glob } from "../../src/glob/ast.js";
import { candidateIndexPairs } from "../../src/glob/candidate-pairs.js";
import { intersect } from "../../src/glob/intersect.js";
import { parseGlob } from "../../src/glob/parse.js";

function g(source: string): Glob {
  const r = parseGlob(source);
  if (!r.ok) throw new Error(`${source}: ${r.reason}`);
  return r.glob;
}

const vms = Number(process.argv[2] ?? 5000);
const perTenant = 10;
const sources: string[] = [];
for (let v = 0; v < vms; v++) {
  const tenant = `t${Math.floor(v / perTenant)}`;
  const name = `${tenant}-vm${v % perTenant}`;
  sources.push(
    `/var/lib/libvirt/images/${tenant}/${name}.qcow2`,
    `/dev/vg0/${name}`,
    `/dev/vfio/${v + 1}`,
    `/run/libvirt/qemu/${name}.sock`,
    `/var/log/libvirt/**/${name}.log`,
    `/var/lib/libvirt/qemu/domain-${name}/monitor.sock`,
    `/var/lib/libvirt/qemu/domain--1-${name}/*`,
    `/run/libvirt/**/${name}.pid`,
    `/run/libvirt/**/*.tunnelmigrate.dest.${name}`,
  );
  if (v % perTenant === 0) {
    sources.push(`/srv/${tenant}/{,**}`, `@${tenant}-backup`);
    if (v === 0 || process.argv[3] === "shared") sources.push(`/var/lib/libvirt/images/base/**`);
  }
}

let t0 = performance.now();
const globs = sources.map(g);
const parseMs = performance.now() - t0;

t0 = performance.now();
const pairs = candidateIndexPairs(globs);
const indexMs = performance.now() - t0;

t0 = performance.now();
let overlapping = 0;
let budget = 0;
for (const [i, j] of pairs) {
  const r = intersect(globs[i]!, globs[j]!);
  if (r.kind === "overlap") overlapping++;
  else if (r.kind === "budget") budget++;
}
const intersectMs = performance.now() - t0;

const all = (globs.length * (globs.length - 1)) / 2;
console.log(
  JSON.stringify(
    {
      resources: globs.length,
      allPairs: all,
      candidates: pairs.length,
      overlapping,
      budget,
      parseMs: Math.round(parseMs),
      indexMs: Math.round(indexMs),
      intersectMs: Math.round(intersectMs),
      totalMs: Math.round(indexMs + intersectMs),
    },
    null,
    2,
  ),
);
