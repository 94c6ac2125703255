/**
 * Choosing readable witness bytes: when a step of a witness may be any of many bytes, pick the one a
 * reader takes for an ordinary file name ('x', then letters, digits, '.', '_', '-'), never a control byte
 * unless nothing else fits.
 */
import type { ByteSet } from "./automaton.js";

const PREFERENCE: readonly number[] = (() => {
  const order: number[] = [];
  const add = (b: number): void => {
    if (!order.includes(b)) order.push(b);
  };
  add(0x78); // 'x'
  for (let b = 0x61; b <= 0x7a; b++) add(b);
  for (let b = 0x30; b <= 0x39; b++) add(b);
  for (let b = 0x41; b <= 0x5a; b++) add(b);
  for (const c of "._-") add(c.charCodeAt(0));
  for (let b = 0x21; b <= 0x7e; b++) add(b);
  for (let b = 0x80; b <= 0xff; b++) add(b);
  for (let b = 0; b <= 0x20; b++) add(b);
  add(0x7f);
  return order;
})();

/** A member of a non-empty byte set, as readable as possible. */
export function pickByte(set: ByteSet): number {
  const first = set[0]!;
  if (set.length === 1 && first[0] === first[1]) return first[0];
  for (const b of PREFERENCE) {
    for (const [lo, hi] of set) {
      if (b >= lo && b <= hi) return b;
    }
  }
  return first[0];
}
