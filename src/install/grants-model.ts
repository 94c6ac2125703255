/**
 * moat-grants.json read back (src/emit/grants-file.ts writes it): checked field by field, every glob
 * parsed again, so that the install planner works on typed data and a file that is not moat's is refused
 * with the reason, never half used.
 */
import type { Glob } from "../glob/ast.js";
import { parseGlob } from "../glob/parse.js";
import { GRANTS_FORMAT, GRANTS_PATH, type GrantLocation } from "../emit/grants-file.js";

export { GRANTS_PATH };

export type GrantKind = "volume" | "device" | "socket" | "implied" | "read";

export interface InstallGrant extends GrantLocation {
  readonly kind: GrantKind;
  readonly access: "ro" | "rw";
  readonly note?: string;
  /** As written in the grants file (policy glob syntax); for a device by address, its node. */
  readonly text: string;
  /** For the rule of a device by address (install/host-devices.ts): the item, as messages name it. */
  readonly device?: string;
  readonly glob: Glob;
  readonly perms: string;
  readonly deny?: string;
}

/** A vm's device by address (the `pci`, `usb` and `scsi` items), as moat-grants.json carries it. */
export interface InstallDevice extends GrantLocation {
  readonly bus: "pci" | "usb" | "scsi";
  readonly address?: string;
  readonly vendor?: string;
  readonly product?: string;
}

/** How messages name a device item: `pci "0000:03:00.0"`, `usb vendor "0x046d" product "0xc52b"`. */
export function deviceText(d: InstallDevice): string {
  return d.address !== undefined ? `${d.bus} "${d.address}"` : `${d.bus} vendor "${d.vendor ?? ""}" product "${d.product ?? ""}"`;
}

export interface InstallProfile extends GrantLocation {
  /** Relative to the output folder: `apparmor.d/NAME`. */
  readonly path: string;
  /** The file name under /etc/apparmor.d: the last component of `path`. */
  readonly fileName: string;
  readonly profile: string;
  readonly kind: "vm" | "service" | "container";
  readonly tenant: string;
  readonly workload: string;
  readonly mode: "enforce" | "complain";
  readonly uuid?: string;
  readonly seclabel?: string;
  readonly exec?: { readonly text: string; readonly glob: Glob } & GrantLocation;
  readonly grants: readonly InstallGrant[];
  /** A vm's devices by address; empty when it has none. */
  readonly devices: readonly InstallDevice[];
}

export interface InstallGlobAt extends GrantLocation {
  readonly text: string;
  readonly glob: Glob;
}

export interface GrantsModel {
  readonly version: string;
  readonly policy: string | null;
  readonly protect: readonly InstallGlobAt[];
  readonly shared: readonly (InstallGlobAt & { readonly tenants: readonly string[] })[];
  readonly profiles: readonly InstallProfile[];
}

class Invalid extends Error {}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Invalid(`${what} is not an object`);
  return v as Obj;
}

function str(o: Obj, key: string, what: string, pattern?: RegExp): string {
  const v = o[key];
  if (typeof v !== "string" || (pattern !== undefined && !pattern.test(v))) throw new Invalid(`${what}: ${key} is missing or malformed`);
  return v;
}

function optStr(o: Obj, key: string, what: string, pattern?: RegExp): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, what, pattern);
}

function num(o: Obj, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new Invalid(`${what}: ${key} is missing or not a positive integer`);
  return v;
}

function arr(o: Obj, key: string, what: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new Invalid(`${what}: ${key} is not a list`);
  return v;
}

function oneOf<T extends string>(o: Obj, key: string, values: readonly T[], what: string): T {
  const v = o[key];
  if (typeof v !== "string" || !(values as readonly string[]).includes(v)) throw new Invalid(`${what}: ${key} must be one of ${values.join(", ")}`);
  return v as T;
}

function glob(text: string, what: string): Glob {
  const parsed = parseGlob(text);
  if (!parsed.ok) throw new Invalid(`${what}: glob ${JSON.stringify(text)} does not parse: ${parsed.reason}`);
  if (!text.startsWith("/")) throw new Invalid(`${what}: glob ${JSON.stringify(text)} is not an absolute path`);
  return parsed.glob;
}

const RELATIVE = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0]+$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PERMS = /^[rwaklmx]+$/;

function location(o: Obj, what: string, defaultFile?: string): GrantLocation {
  const file = defaultFile === undefined ? str(o, "file", what, RELATIVE) : (optStr(o, "file", what, RELATIVE) ?? defaultFile);
  return { file, line: num(o, "line", what), column: num(o, "column", what) };
}

function grantOf(v: unknown, what: string, file: string): InstallGrant {
  const o = obj(v, what);
  const text = str(o, "glob", what);
  const note = optStr(o, "note", what);
  const deny = optStr(o, "deny", what, PERMS);
  return {
    kind: oneOf(o, "kind", ["volume", "device", "socket", "implied", "read"] as const, what),
    access: oneOf(o, "access", ["ro", "rw"] as const, what),
    ...(note === undefined ? {} : { note }),
    text,
    glob: glob(text, what),
    perms: str(o, "perms", what, PERMS),
    ...(deny === undefined ? {} : { deny }),
    ...location(o, what, file),
  };
}

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
const USB_ADDRESS = /^[0-9]{3}:[0-9]{3}$/;
const SCSI_ADDRESS = /^[0-9]+:[0-9]+:[0-9]+:[0-9]+$/;
const USB_ID = /^0x[0-9a-f]{4}$/;

function deviceOf(v: unknown, what: string, file: string): InstallDevice {
  const o = obj(v, what);
  const bus = oneOf(o, "bus", ["pci", "usb", "scsi"] as const, what);
  const at = location(o, what, file);
  if (o.address !== undefined) {
    const address = str(o, "address", what, bus === "pci" ? PCI_ADDRESS : bus === "usb" ? USB_ADDRESS : SCSI_ADDRESS);
    return { bus, address, ...at };
  }
  if (bus !== "usb") throw new Invalid(`${what}: a ${bus} device needs an address`);
  return { bus, vendor: str(o, "vendor", what, USB_ID), product: str(o, "product", what, USB_ID), ...at };
}

function profileOf(v: unknown, index: number): InstallProfile {
  const what = `profiles[${index}]`;
  const o = obj(v, what);
  const path = str(o, "path", what, /^apparmor\.d\/[A-Za-z0-9][A-Za-z0-9._-]*$/);
  const at = location(o, what);
  const uuid = optStr(o, "uuid", what, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const seclabel = optStr(o, "seclabel", what, /^libvirt\/[A-Za-z0-9._-]+\.seclabel\.xml$/);
  let exec: InstallProfile["exec"];
  if (o.exec !== undefined) {
    const e = obj(o.exec, `${what}.exec`);
    const text = str(e, "glob", `${what}.exec`);
    exec = { text, glob: glob(text, `${what}.exec`), ...location(e, `${what}.exec`) };
  }
  const kind = oneOf(o, "kind", ["vm", "service", "container"] as const, what);
  if (kind === "vm" && (uuid === undefined || seclabel === undefined)) throw new Invalid(`${what}: a vm needs a uuid and a seclabel`);
  return {
    path,
    fileName: path.slice("apparmor.d/".length),
    profile: str(o, "profile", what, NAME),
    kind,
    tenant: str(o, "tenant", what, NAME),
    workload: str(o, "workload", what, NAME),
    mode: oneOf(o, "mode", ["enforce", "complain"] as const, what),
    ...(uuid === undefined ? {} : { uuid }),
    ...(seclabel === undefined ? {} : { seclabel }),
    ...(exec === undefined ? {} : { exec }),
    grants: arr(o, "grants", what).map((g, i) => grantOf(g, `${what}.grants[${i}]`, at.file)),
    devices: o.devices === undefined ? [] : arr(o, "devices", what).map((d, i) => deviceOf(d, `${what}.devices[${i}]`, at.file)),
    ...at,
  };
}

/** The grants model in `text`, or why it is not one moat wrote. */
export function parseGrantsModel(text: string): { model: GrantsModel } | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { error: `${GRANTS_PATH} is not valid JSON` };
  }
  try {
    const o = obj(data, GRANTS_PATH);
    if (o.format !== GRANTS_FORMAT || o.generator !== "moat") throw new Invalid(`${GRANTS_PATH} is not in format ${GRANTS_FORMAT} of moat (compile the policy with this moat)`);
    const policy = o.policy === null ? null : str(o, "policy", GRANTS_PATH, NAME);
    const profiles = arr(o, "profiles", GRANTS_PATH).map(profileOf);
    const seen = new Set<string>();
    for (const p of profiles) {
      if (seen.has(p.path)) throw new Invalid(`${GRANTS_PATH} lists ${p.path} twice`);
      seen.add(p.path);
    }
    return {
      model: {
        version: str(o, "version", GRANTS_PATH),
        policy,
        protect: arr(o, "protect", GRANTS_PATH).map((v, i) => {
          const p = obj(v, `protect[${i}]`);
          const text = str(p, "glob", `protect[${i}]`);
          return { text, glob: glob(text, `protect[${i}]`), ...location(p, `protect[${i}]`) };
        }),
        shared: arr(o, "shared", GRANTS_PATH).map((v, i) => {
          const s = obj(v, `shared[${i}]`);
          const text = str(s, "glob", `shared[${i}]`);
          const tenants = arr(s, "tenants", `shared[${i}]`).map((t) => {
            if (typeof t !== "string" || !NAME.test(t)) throw new Invalid(`shared[${i}]: a tenant is malformed`);
            return t;
          });
          return { text, glob: glob(text, `shared[${i}]`), tenants, ...location(s, `shared[${i}]`) };
        }),
        profiles,
      },
    };
  } catch (e) {
    if (e instanceof Invalid) return { error: e.message };
    throw e;
  }
}
