/**
 * Text for LXC config files (`lxc/<tenant>.<container>.conf`). LXC reads its config a line at a time:
 * `key = value`, the value running to the end of the line, and `#` comment lines. Nothing there is
 * quoted or escaped, so a value is written only when it cannot end the line or start another key: the
 * LXC name is restricted by the model (workload.ts LXC_NAME) and checked again here; profile names go
 * through aaName; comments through commentText (apparmor-text.ts), which never writes a line break.
 */
import { lxcNameProblem } from "../model/workload.js";

/** An LXC container name as the model accepts it; anything else is a bug in moat. */
export function lxcConfName(name: string): string {
  if (lxcNameProblem(name) !== undefined) throw new Error(`internal: ${JSON.stringify(name)} is not a valid LXC container name`);
  return name;
}
