/**
 * Judging records by the million: a log repeats itself (one process denied one path thousands of
 * times, under other pids and stamps), so a judgement is kept by every field judge() reads, in a table
 * of at most CACHE_SIZE entries that is emptied when full: memory stays bounded, and a log of a few
 * recurring denials costs one glob match per distinct denial.
 */
import { judge, type Judgement } from "./judge.js";
import type { AuditPolicy } from "./policy.js";
import type { AuditRecord } from "./record.js";

export const CACHE_SIZE = 256;

export class CachedJudge {
  private readonly cache = new Map<string, Judgement>();
  constructor(private readonly policy: AuditPolicy) {}

  judge(r: AuditRecord): Judgement {
    // Every field judge() looks at, and nothing else (pid, comm, stamps vary without changing the verdict).
    const key = `${r.profile}\0${r.event}\0${r.operation}\0${r.class}\0${r.name}\0${r.deniedMask ?? r.requestedMask}\0${r.peer ?? r.peerProfile}\0${r.capability}\0${r.family}\0${r.sockType}\0${r.addr ?? r.peerAddr}`;
    let j = this.cache.get(key);
    if (j === undefined) {
      if (this.cache.size >= CACHE_SIZE) this.cache.clear();
      j = judge(this.policy, r);
      this.cache.set(key, j);
    }
    return j;
  }
}
