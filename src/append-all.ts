/**
 * Appends every item of `items` to `target`. `target.push(...items)` passes each item as an argument,
 * and past about 120,000 of them V8 runs out of stack: a fleet's candidate pairs or a policy's
 * diagnostics can be that many.
 */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  // Indexed: it runs over fleet-sized lists, often before V8 has optimized it (docs/performance.md, "Loops").
  for (let k = 0; k < items.length; k++) target.push(items[k]!);
}
