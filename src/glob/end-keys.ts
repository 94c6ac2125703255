/**
 * Keys made of the literal ends of globs, shared by the candidate-pair passes: ends cut to a fixed
 * length, and a hash of a text's last chars that can be extended one char at a time.
 */

/**
 * Ends are cut to their last bytes: a cut end is still a true end, and a short key keeps the end trie
 * small (a literal's end is the whole path).
 */
export const END_KEY_BYTES = 24;

export const SUFFIX_HASH_BASE = 0x01000193;

/** The hash of the last `length` chars of `text`, as visitEnding (start-index.ts) builds it a char at a time. */
export function suffixHash(text: string, length: number): number {
  let h = 0;
  let power = 1;
  for (let i = 0; i < length; i++) {
    h = (h + Math.imul(text.charCodeAt(text.length - 1 - i), power)) | 0;
    power = Math.imul(power, SUFFIX_HASH_BASE);
  }
  return h;
}
