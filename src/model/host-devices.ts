/**
 * The addresses of the vm items that name a host device (`pci`, `usb`, `scsi`): the forms libvirt's
 * domain XML gives them (`<hostdev>`'s `<address domain bus slot function>`, `<address bus device>`,
 * `<vendor id>` and `<product id>`, `<adapter name='scsi_hostH'> <address bus target unit>`), written
 * as one string each, and their canonical text: what compile compares across tenants and what
 * moat-grants.json carries to `moat install`, which finds the node (install/host-devices.ts).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { HostBus } from "../syntax/ast.js";
import { quote } from "./paths.js";

/** What each form looks like, for the message of a malformed one. */
export const ADDRESS_FORMS: Readonly<Record<HostBus | "usb-id", { readonly expected: string; readonly example: string }>> = {
  pci: { expected: "DOMAIN:BUS:SLOT.FUNCTION in hexadecimal, as lspci -D prints it", example: 'pci "0000:03:00.0"' },
  usb: { expected: "BUS:DEVICE in decimal, as lsusb prints them (1 to 999, and 1 to 127)", example: 'usb "3:7" or usb vendor "0x046d" product "0xc52b"' },
  "usb-id": { expected: "0x and four hexadecimal digits, as lsusb prints an id", example: 'usb vendor "0x046d" product "0xc52b"' },
  scsi: { expected: "HOST:BUS:TARGET:UNIT in decimal, as lsscsi prints them", example: 'scsi "0:0:0:0"' },
};

const PCI = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-1][0-9a-fA-F])\.([0-7])$/;
const USB = /^([0-9]{1,3}):([0-9]{1,3})$/;
const USB_ID = /^0x[0-9a-fA-F]{4}$/;
const SCSI = /^([0-9]{1,5}):([0-9]{1,5}):([0-9]{1,5}):([0-9]{1,10})$/;

/** The canonical address of `text` on `bus`, or undefined when it is malformed. */
export function canonicalAddress(bus: HostBus, text: string): string | undefined {
  if (bus === "pci") {
    const m = PCI.exec(text);
    // A slot is five bits: 00 to 1f.
    return m === null ? undefined : text.toLowerCase();
  }
  if (bus === "usb") {
    const m = USB.exec(text);
    if (m === null) return undefined;
    const busNo = Number(m[1]);
    const dev = Number(m[2]);
    if (busNo < 1 || dev < 1 || dev > 127) return undefined;
    return `${String(busNo).padStart(3, "0")}:${String(dev).padStart(3, "0")}`;
  }
  const m = SCSI.exec(text);
  return m === null ? undefined : m.slice(1, 5).map((n) => String(Number(n))).join(":");
}

/** A usb vendor or product id, lowercase, or undefined when it is malformed. */
export function canonicalUsbId(text: string): string | undefined {
  return USB_ID.test(text) ? text.toLowerCase() : undefined;
}

/** Reports a malformed address (MOAT231) with what to write instead. */
export function malformedAddress(form: HostBus | "usb-id", what: string, text: string, span: Span, diagnostics: Diagnostic[]): void {
  const f = ADDRESS_FORMS[form];
  diagnostics.push(diagnostic("MOAT231", span, { what, value: quote(text), expected: f.expected }, { hint: `write it as ${f.example}` }));
}
