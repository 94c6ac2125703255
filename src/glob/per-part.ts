/**
 * What is derived from a glob part, computed once per part object. Parts are immutable and often
 * shared: libvirt's domain-id alternation is one object in every VM's implied rules (model/implied.ts),
 * so keying, counting or writing it once per compile instead of once per VM saves real time at fleet
 * scale. A WeakMap lets the part go with the model that holds it.
 */
export function perPart<K extends object, V>(derive: (part: K) => V): (part: K) => V {
  const derived = new WeakMap<K, V>();
  return (part) => {
    let value = derived.get(part);
    if (value === undefined) derived.set(part, (value = derive(part)));
    return value;
  };
}
