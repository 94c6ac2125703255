/**
 * Device-mapper tables, as `dmsetup table` prints them: one line per segment,
 * `START LENGTH TARGET ARGS...` (sectors). Two devices stacked on one lower device (every logical
 * volume of a volume group is) share data exactly when the extents they map on it overlap; sysfs says
 * only *that* they sit on it, the table says *where*. Only targets whose mapping is a plain function of
 * the sector are followed: `linear` (DEV OFFSET), `striped` (#STRIPES CHUNK DEV OFFSET...) and `crypt`
 * (CIPHER KEY IV_OFFSET DEV OFFSET, one to one like linear: the key field is skipped, never kept). Every
 * other target (snapshot, snapshot-origin, thin, thin-pool, cache, mirror, raid, an unknown one) may
 * map any sector of what it sits on to any other, and reads as "may share everything" (two thin volumes
 * of one pool are the one pair told apart otherwise, by their thin device ids: thin-ids.ts).
 */

export interface DmSegment {
  readonly start: number;
  readonly length: number;
  readonly target: string;
  readonly args: readonly string[];
}

/** A run of sectors of a lower device: `dev` as the table names it (`MAJOR:MINOR`, or a /dev path). */
export interface Piece {
  readonly dev: string;
  readonly offset: number;
  readonly length: number;
}

const NUMBER = /^\d+$/;

/** A table's segments; undefined when it is empty or not a table (a device with no table loaded). */
export function parseDmTable(text: string): DmSegment[] | undefined {
  const out: DmSegment[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/).filter((f) => f !== "");
    if (fields.length === 0) continue;
    if (fields.length < 3 || !NUMBER.test(fields[0]!) || !NUMBER.test(fields[1]!)) return undefined;
    out.push({ start: Number(fields[0]), length: Number(fields[1]), target: fields[2]!, args: fields.slice(3) });
  }
  return out.length === 0 ? undefined : out;
}

function offsetPiece(dev: string | undefined, offset: string | undefined, skip: number, length: number): Piece[] | undefined {
  if (dev === undefined || offset === undefined || !NUMBER.test(offset)) return undefined;
  return [{ dev, offset: Number(offset) + skip, length }];
}

/**
 * Where sectors [from, to) of a segment (within it) lie on the devices below, or undefined when the
 * target's mapping is not followed. A part of a striped segment is widened to the whole of each stripe
 * it uses: more than it maps, never less.
 */
export function piecesOf(seg: DmSegment, from: number, to: number): Piece[] | undefined {
  const skip = from - seg.start;
  const length = to - from;
  switch (seg.target) {
    case "linear":
      return offsetPiece(seg.args[0], seg.args[1], skip, length);
    case "crypt":
      return offsetPiece(seg.args[3], seg.args[4], skip, length);
    case "striped": {
      const stripes = Number(seg.args[0]);
      if (!Number.isInteger(stripes) || stripes < 1 || seg.args.length < 2 + 2 * stripes) return undefined;
      const width = Math.ceil(seg.length / stripes);
      const out: Piece[] = [];
      for (let i = 0; i < stripes; i++) {
        const p = offsetPiece(seg.args[2 + 2 * i], seg.args[3 + 2 * i], 0, width);
        if (p === undefined) return undefined;
        out.push(...p);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** A half-open sector range [start, end). */
export type Extent = readonly [number, number];

/** The first sector range two lists of extents share, if any. */
export function firstOverlap(a: readonly Extent[], b: readonly Extent[]): Extent | undefined {
  let best: Extent | undefined;
  for (const [s1, e1] of a) {
    for (const [s2, e2] of b) {
      const s = Math.max(s1, s2);
      const e = Math.min(e1, e2);
      if (s < e && (best === undefined || s < best[0])) best = [s, e];
    }
  }
  return best;
}
