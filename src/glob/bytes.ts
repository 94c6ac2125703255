/**
 * Byte strings: AppArmor matches paths byte by byte, so globs and paths are handled as JS strings whose
 * every char code is one byte (0-255) of the UTF-8 encoding. `?` then matches one byte, not one character.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });
const ASCII = /^[\x00-\x7f]*$/;

/** UTF-8 encodes `s` into a byte string (one char per byte). ASCII text is returned unchanged. */
export function toBytes(s: string): string {
  if (ASCII.test(s)) return s;
  const bytes = encoder.encode(s);
  let out = "";
  // Chunked so that very long inputs do not overflow the argument limit of fromCharCode.
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/** Decodes a byte string back to text for display; invalid UTF-8 becomes U+FFFD. */
export function fromBytes(b: string): string {
  if (ASCII.test(b)) return b;
  const bytes = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) bytes[i] = b.charCodeAt(i) & 0xff;
  return decoder.decode(bytes);
}
