/**
 * Names that are symlinks on a host: AppArmor mediates the node a link resolves to, so a rule on the
 * link alone matches nothing at run time. One place for the kinds moat knows, used by the warning
 * (rules/symlinked-device.ts) and by explain, which must not call such a grant "allowed".
 */
import { isLvmPath } from "./lvm.js";

/**
 * What a path is a link to on the host, or undefined when it is no known kind of link: LVM and
 * device-mapper names, `/dev/disk/by-*`, `/dev/cdrom`, `/dev/serial/by-*`, and `/var/run` (to `/run`).
 */
export function symlinkTarget(path: string): string | undefined {
  if (path.startsWith("/dev/mapper/") && path !== "/dev/mapper/control") return "/dev/dm-N";
  if (path.startsWith("/dev/disk/by-")) return "/dev/sdX, /dev/nvmeXnY or /dev/dm-N";
  if (isLvmPath(path)) return "/dev/dm-N";
  if (path === "/dev/cdrom" || path === "/dev/dvd") return "/dev/srN";
  if (path.startsWith("/dev/serial/by-")) return "/dev/ttyUSBN, /dev/ttyACMN or /dev/ttySN";
  if (path === "/var/run" || path.startsWith("/var/run/")) return `/run${path.slice("/var/run".length)}`;
  return undefined;
}
