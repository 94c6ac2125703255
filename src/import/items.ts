/**
 * The `.iso` items `moat import` writes for a domain, and how a host path becomes a policy string that
 * means exactly that path: every glob character escaped (`\*`, `\{`, …, so `${` cannot start an
 * interpolation), `"` and `\` escaped, and paths a policy string cannot hold (control characters, text
 * that was not valid Unicode) or a path moat cannot name (relative, with a `..` component) refused with
 * the reason instead of being written approximately.
 */

export type Access = "ro" | "rw";

/** One item of a vm block; `glob` is in policy syntax already (escaped, without the quotes). */
export type ImportItem =
  | { readonly kind: "volume" | "device" | "share"; readonly glob: string; readonly access: Access; readonly note: string }
  | { readonly kind: "socket" | "read" | "firmware" | "kernel" | "initrd" | "dtb" | "nvram" | "serial" | "log"; readonly glob: string; readonly note: string }
  | { readonly kind: "hugepages" | "memory-backing"; readonly note: string }
  | { readonly kind: "pci" | "usb" | "scsi"; readonly value: string; readonly note: string }
  | { readonly kind: "usb-id"; readonly vendor: string; readonly product: string; readonly note: string };

const GLOB_CHARACTERS = /[*?{}[\],\\"]/g;

/** The text of a literal string in policy syntax, without its quotes: a glob character or `"` gets a backslash. */
export function literalText(text: string): string {
  return text.replace(GLOB_CHARACTERS, (c) => `\\${c}`);
}

/** Why a host path cannot be written as a policy path, or the path as the kernel presents it. */
export function hostPath(raw: string): { readonly path: string } | { readonly problem: string } {
  if (!raw.startsWith("/")) return { problem: `${shown(raw)} is not an absolute path` };
  if (/[\u0000-\u001f\u007f\ufffd]/.test(raw) || hasLoneSurrogate(raw)) return { problem: `${shown(raw)} holds characters a policy string cannot hold` };
  // The kernel presents paths without `//` or `/./`: write the path it will mediate.
  let path = raw.replace(/\/{2,}/g, "/");
  while (/\/\.(\/|$)/.test(path)) path = path.replace(/\/\.(\/|$)/, "/");
  if (/\/\.\.(\/|$)/.test(path)) return { problem: `${shown(raw)} has a '..' component, whose meaning depends on links on the host` };
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return { path };
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/** A value as a message may show it: on one line, control characters as U+XXXX, at most 120 characters. */
export function shown(s: string): string {
  const cut = s.length > 120 ? `${s.slice(0, 120)}…` : s;
  return `'${cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`)}'`;
}

/** Text for a `#` comment: one line of printable ASCII, since a comment runs to the end of its line. */
export function commentSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "?");
}

/** The item as a line of a vm block, without indentation. */
export function itemLine(item: ImportItem): string {
  switch (item.kind) {
    case "volume":
    case "device":
    case "share":
      return `${item.kind} "${item.glob}" ${item.access}`;
    case "hugepages":
    case "memory-backing":
      return item.kind;
    case "pci":
    case "usb":
    case "scsi":
      return `${item.kind} "${item.value}"`;
    case "usb-id":
      return `usb vendor "${item.vendor}" product "${item.product}"`;
    default:
      return `${item.kind} "${item.glob}"`;
  }
}
