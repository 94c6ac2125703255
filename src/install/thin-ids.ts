/**
 * Thin volumes of one pool. A thin volume's table is one `thin POOL_DEV DEV_ID` segment (`dmsetup
 * table`): its data lives in the pool's data device, placed by the pool's own block map for DEV_ID, so
 * two thin volumes of one pool sit on the same lower devices without their sectors telling anything.
 * What separates them is the pool: each thin device id has its own map, and no device reads another
 * id's blocks. Thin snapshots share blocks with their origin only copy-on-write: after the snapshot,
 * each side's writes land in blocks of its own, so a snapshot holds the origin's data as of the moment
 * it was taken (a copy, made by whoever took it), never a live view. So two thin volumes of one pool
 * share data exactly when they are the same thin device (the same id, opened twice under two names);
 * the pool itself, granted to anyone, is handled as any other device stacked below (it is below both).
 */
import type { DmSegment } from "./dm-extents.js";

export interface ThinVolume {
  /** The pool as the table names it (`MAJOR:MINOR` or a /dev path). */
  readonly pool: string;
  /** The thin device id within the pool. */
  readonly id: string;
}

/** The thin volume a table describes: every segment `thin POOL ID` of one pool and id; else undefined. */
export function thinVolumeOf(segments: readonly DmSegment[]): ThinVolume | undefined {
  let found: ThinVolume | undefined;
  for (const seg of segments) {
    if (seg.target !== "thin" || seg.args.length < 2 || !/^\d+$/.test(seg.args[1]!)) return undefined;
    const here = { pool: seg.args[0]!, id: seg.args[1]! };
    if (found !== undefined && (found.pool !== here.pool || found.id !== here.id)) return undefined;
    found = here;
  }
  return found;
}

/** Whether two thin volumes of one pool hold separate data: different thin device ids. */
export function thinApart(a: ThinVolume, b: ThinVolume): boolean {
  return a.pool === b.pool && a.id !== b.id;
}
