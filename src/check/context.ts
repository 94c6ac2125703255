/**
 * What the isolation rules of one compile share, as graphql-js's ValidationContext: the model, and what
 * several rules derive from it, each computed on first use and kept for this compile only. A rule reads
 * these through the context it is given; nothing is kept between compiles.
 */
import { protectedGlobs, type ProtectedGlob } from "../model/protected.js";
import type { Model } from "../model/types.js";
import { overlapGrants, type Grant } from "./grants.js";
import { findOverlaps, type GroupFinding } from "./overlaps.js";

export class CheckContext {
  private grants: readonly Grant[] | undefined;
  private overlaps: readonly GroupFinding[] | undefined;
  private guards: readonly ProtectedGlob[] | undefined;

  constructor(readonly model: Model) {}

  /** Every grant that takes part in overlap checks, in model order (check/grants.ts). */
  overlapGrants(): readonly Grant[] {
    return (this.grants ??= overlapGrants(this.model));
  }

  /** Which groups of grants share a path (check/overlaps.ts): decided once, read by three rules. */
  findOverlaps(): readonly GroupFinding[] {
    return (this.overlaps ??= findOverlaps(this.overlapGrants()));
  }

  /** The built-in protected paths and the policy's own. */
  protectedGlobs(): readonly ProtectedGlob[] {
    return (this.guards ??= protectedGlobs(this.model.protect));
  }
}
