/** The trie of reversed ends that the walk of sorted starts (start-walk.ts) asks across runs. */

/** An entry of the trie: an item under one of its ends. */
export interface TrieEntry {
  readonly item: number;
  readonly end: string;
}

/**
 * A trie over reversed ends, with per-node counts so that empty subtrees are skipped. Nodes live in
 * flat typed arrays (children in one open-addressing table keyed by (node, byte), plus sibling links
 * for walking subtrees): a map per node, or even one Map for all, costs more in hashing and garbage
 * collection than the whole walk.
 */
export class EndTrie {
  private size = 1;
  private counts: Int32Array = new Int32Array(1024);
  private firstChild: Int32Array = new Int32Array(1024).fill(-1);
  private nextSibling: Int32Array = new Int32Array(1024).fill(-1);
  /** Kept dense (one slot per node, pushed as nodes are made): a sparse array falls back to a dictionary. */
  private readonly items: (number[] | undefined)[] = [undefined];
  private readonly children = new ChildTable();

  private newNode(parent: number): number {
    const node = this.size++;
    this.items.push(undefined);
    if (node === this.counts.length) {
      this.counts = grow(this.counts, 0);
      this.firstChild = grow(this.firstChild, -1);
      this.nextSibling = grow(this.nextSibling, -1);
    }
    this.nextSibling[node] = this.firstChild[parent]!;
    this.firstChild[parent] = node;
    return node;
  }

  private path(end: string, create: boolean, delta: number): number {
    let node = 0;
    this.counts[0]! += delta;
    for (let i = end.length - 1; i >= 0; i--) {
      const byte = end.charCodeAt(i);
      let next = this.children.get(node, byte);
      if (next < 0) {
        if (!create) throw new Error("EndTrie: removing an end that was never inserted");
        next = this.newNode(node);
        this.children.set(node, byte, next);
      }
      node = next;
      this.counts[node]! += delta;
    }
    return node;
  }

  insert(entry: TrieEntry): void {
    const node = this.path(entry.end, true, 1);
    const list = this.items[node];
    if (list === undefined) this.items[node] = [entry.item];
    else list.push(entry.item);
  }

  remove(entry: TrieEntry): void {
    const list = this.items[this.path(entry.end, false, -1)]!;
    // Order within a node does not matter (pairs are sorted at the end): swap the last one in.
    const at = list.lastIndexOf(entry.item);
    list[at] = list[list.length - 1]!;
    list.pop();
  }

  /** Items whose end is a suffix of `end` (on its path) or has `end` as a suffix (below it). */
  forEachCompatible(end: string, visit: (item: number) => void): void {
    let node = 0;
    for (let i = end.length; ; i--) {
      if (this.counts[node]! === 0) return;
      if (i === 0) break;
      const here = this.items[node];
      if (here !== undefined) for (const item of here) visit(item);
      const next = this.children.get(node, end.charCodeAt(i - 1));
      if (next < 0) return;
      node = next;
    }
    const stack = [node];
    while (stack.length > 0) {
      const at = stack.pop()!;
      const here = this.items[at];
      if (here !== undefined) for (const item of here) visit(item);
      for (let c = this.firstChild[at]!; c !== -1; c = this.nextSibling[c]!) if (this.counts[c]! > 0) stack.push(c);
    }
  }
}

function grow(array: Int32Array, fill: number): Int32Array {
  const bigger = new Int32Array(array.length * 2).fill(fill);
  bigger.set(array);
  return bigger;
}

/** (node, byte) -> child node, by linear probing; a child is never removed (its count drops to 0 instead). */
class ChildTable {
  private mask = 4095;
  private nodes = new Int32Array(4096).fill(-1);
  private bytes = new Int32Array(4096);
  private values = new Int32Array(4096);
  private used = 0;

  private slot(node: number, byte: number): number {
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(byte + 1, 0x85ebca6b)) & this.mask;
    while (this.nodes[h] !== -1 && (this.nodes[h] !== node || this.bytes[h] !== byte)) h = (h + 1) & this.mask;
    return h;
  }

  /** The child, or -1. */
  get(node: number, byte: number): number {
    const h = this.slot(node, byte);
    return this.nodes[h] === -1 ? -1 : this.values[h]!;
  }

  set(node: number, byte: number, child: number): void {
    if (2 * (this.used + 1) > this.mask + 1) this.rehash();
    const h = this.slot(node, byte);
    if (this.nodes[h] === -1) this.used++;
    this.nodes[h] = node;
    this.bytes[h] = byte;
    this.values[h] = child;
  }

  private rehash(): void {
    const { nodes, bytes, values } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.nodes = new Int32Array(capacity).fill(-1);
    this.bytes = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    for (let k = 0; k < nodes.length; k++) {
      if (nodes[k] === -1) continue;
      const h = this.slot(nodes[k]!, bytes[k]!);
      this.nodes[h] = nodes[k]!;
      this.bytes[h] = bytes[k]!;
      this.values[h] = values[k]!;
    }
  }
}
