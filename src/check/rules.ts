/**
 * The isolation rules every compile runs, in order (docs/language.md, "Isolation rules"). One rule per file in rules/;
 * to add a rule, write its module and list it here.
 */
import type { IsolationRule } from "./rule.js";
import { globComplexity } from "./rules/glob-complexity.js";
import { overBroadGrant } from "./rules/over-broad-grant.js";
import { protectedPaths } from "./rules/protected-paths.js";
import { crossTenantOverlap } from "./rules/cross-tenant-overlap.js";
import { intraTenantOverlap } from "./rules/intra-tenant-overlap.js";
import { symlinkedDevice } from "./rules/symlinked-device.js";
import { hostCriticalPaths } from "./rules/host-critical-paths.js";
import { attachments } from "./rules/attachments.js";
import { folderAbove } from "./rules/folder-above.js";
import { complainMode } from "./rules/complain-mode.js";
import { runModes } from "./rules/run-modes.js";
import { hostDeviceClash } from "./rules/host-device-clash.js";

export const ISOLATION_RULES: readonly IsolationRule[] = Object.freeze([
  globComplexity,
  overBroadGrant,
  protectedPaths,
  hostCriticalPaths,
  crossTenantOverlap,
  intraTenantOverlap,
  attachments,
  folderAbove,
  runModes,
  hostDeviceClash,
  symlinkedDevice,
  complainMode,
]);
