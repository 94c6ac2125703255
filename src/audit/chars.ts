/**
 * Character tests and value decoding for the audit line scanner. Everything works on UTF-16 code
 * units with charCodeAt: a line is scanned once, left to right, without regular expressions.
 */

/** auditd's ENRICHED format appends its interpreted fields after this byte (GS, 0x1d). */
export const ENRICHED_SEPARATOR = "\x1d";

export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

const KEY_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  KEY_CHARS[c] = isAlpha(c) || isDigit(c) || c === 0x5f || c === 0x2d ? 1 : 0;
}

/** A character of a field's key: letters, digits, `_` and `-`. */
export function isKeyChar(c: number): boolean {
  return c < 128 && KEY_CHARS[c] === 1;
}

/** The index of the first space at or after `i` (or `end`). */
export function skipToSpace(s: string, i: number, end: number): number {
  while (i < end && !isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** The index of the first non-space at or after `i` (or `end`). */
export function skipSpaces(s: string, i: number, end: number): number {
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  return i;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Whether `value` is how the kernel hex-encodes a string (audit_log_n_hex): pairs of uppercase hex
 * digits, written for any value holding a space, a quote or a byte outside 0x21–0x7e.
 */
export function isHexString(value: string): boolean {
  const n = value.length;
  if (n === 0 || n % 2 !== 0) return false;
  for (let i = 0; i < n; i++) {
    if (hexDigit(value.charCodeAt(i)) < 0) return false;
  }
  return true;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * The text of a hex-encoded value, its bytes read as UTF-8 (a byte that is not UTF-8 becomes U+FFFD).
 * A leading NUL byte is an abstract unix socket's name: it becomes `@`, as AppArmor writes those.
 */
export function decodeHex(value: string): string {
  const n = value.length >> 1;
  const bytes = new Uint8Array(n);
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const b = (hexDigit(value.charCodeAt(2 * i)) << 4) | hexDigit(value.charCodeAt(2 * i + 1));
    bytes[i] = b;
    if (b >= 0x80) ascii = false;
  }
  let start = 0;
  let at = "";
  if (n > 0 && bytes[0] === 0) {
    start = 1;
    at = "@";
  }
  if (ascii) {
    let out = at;
    for (let i = start; i < n; i++) out += String.fromCharCode(bytes[i]!);
    return out;
  }
  return at + utf8.decode(bytes.subarray(start));
}

/**
 * The decimal number in s[from, to), with an optional leading `-`, or undefined when it is not one
 * (or has more digits than a double holds exactly).
 */
export function parseDecimal(s: string, from: number, to: number): number | undefined {
  let i = from;
  let negative = false;
  if (i < to && s.charCodeAt(i) === 0x2d) {
    negative = true;
    i++;
  }
  if (i >= to || to - i > 15) return undefined;
  let n = 0;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    n = n * 10 + (c - 0x30);
  }
  return negative ? -n : n;
}
