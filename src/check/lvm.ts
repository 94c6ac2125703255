/**
 * The two names of an LVM logical volume, one resource to the isolation rules: `/dev/VG/LV` and `/dev/mapper/VG-LV`, where
 * device-mapper joins VG and LV with one hyphen and doubles any hyphen inside either name. Overlap
 * checks see through the pair; the symlinked-device rule warns on both, since each is a link.
 */

/** Folders of /dev that the kernel or udev populate with device nodes or links of their own. */
const KERNEL_DEV_FOLDERS = new Set([
  "block", "bsg", "bus", "char", "cpu", "dma_heap", "dri", "fd", "hugepages", "infiniband", "input", "mqueue",
  "net", "pts", "shm", "snd", "usb", "vfio", "vhost", "xen", "hidraw", "tpm", "rtc", "watchdog", "nvme-fabrics",
  "mapper", "disk",
]);

/** Whether `/dev/A/B` names a logical volume: two components under /dev, in no folder the kernel owns. */
export function isLvmPath(path: string): boolean {
  const match = /^\/dev\/([^/]+)\/[^/]+$/.exec(path);
  return match !== null && !KERNEL_DEV_FOLDERS.has(match[1]!) && !match[1]!.includes("*");
}

/** `/dev/mapper/VG-LV` -> `/dev/VG/LV`: the first single hyphen splits VG from LV. Literal names only. */
export function mapperAlias(bytes: string): string | undefined {
  const match = /^\/dev\/mapper\/(.+)$/.exec(bytes);
  if (match === null) return undefined;
  const name = match[1]!;
  if (name.includes("/")) return undefined;
  let i = 0;
  while (i < name.length) {
    if (name[i] === "-") {
      if (name[i + 1] === "-") {
        i += 2;
        continue;
      }
      const vg = name.slice(0, i).replace(/--/g, "-");
      const lv = name.slice(i + 1).replace(/--/g, "-");
      if (vg === "" || lv === "" || lv.startsWith("-")) return undefined;
      return `/dev/${vg}/${lv}`;
    }
    i++;
  }
  return undefined;
}

/**
 * `/dev/VG/LV` -> `/dev/mapper/VG-LV`, hyphens doubled: the name a glob over /dev/mapper meets. Literal
 * names only; undefined for anything that is not a logical volume's path.
 */
export function lvmMapperName(bytes: string): string | undefined {
  if (!isLvmPath(bytes)) return undefined;
  const [, , vg, lv] = bytes.split("/");
  return `/dev/mapper/${vg!.replace(/-/g, "--")}-${lv!.replace(/-/g, "--")}`;
}

/** The other name of a logical volume given by a literal path, whichever spelling it is in. */
export function otherLvmName(bytes: string): string | undefined {
  // Both spellings live under /dev/; most literals of a fleet (images, sockets) are ruled out without a regex.
  if (!bytes.startsWith("/dev/")) return undefined;
  return mapperAlias(bytes) ?? lvmMapperName(bytes);
}
