/**
 * The keys of AppArmor records and what each one becomes in an AuditRecord, after libapparmor's log
 * parser (libraries/libapparmor/src/scanner.l and grammar.y): several keys share one field (`label=`
 * is `profile=` of newer kernels, `denied=` is `denied_mask=`, `saddr=` is `laddr=`, …). Keys that are
 * not listed are skipped, so a newer kernel's extra fields do not make a record unreadable.
 */
import type { AuditEvent, AuditRecord } from "./record.js";

/**
 * How a key's value is read: `text` the kernel may write hex-encoded (audit_log_untrustedstring),
 * decoded when it is; `plain` text written as is, quoted or not (an address, a signal, a mask); `number`
 * a decimal number, possibly negative.
 */
export type ValueKind = "text" | "plain" | "number";

/** The keys with a meaning of their own rather than a field: the event, the record type, D-Bus's msg. */
export type SpecialKey = "@apparmor" | "@type" | "@msg";

/** The record's fields that come from key=value fields, in the order a record lists them. */
export const VALUE_FIELDS = [
  "operation",
  "class",
  "profile",
  "name",
  "target",
  "requestedMask",
  "deniedMask",
  "pid",
  "parent",
  "comm",
  "exe",
  "fsuid",
  "ouid",
  "info",
  "error",
  "namespace",
  "capability",
  "capabilityNumber",
  "peer",
  "peerProfile",
  "peerPid",
  "addr",
  "peerAddr",
  "family",
  "sockType",
  "protocol",
  "localAddr",
  "localPort",
  "foreignAddr",
  "foreignPort",
  "signal",
  "fstype",
  "srcname",
  "flags",
  "dbusBus",
  "dbusPath",
  "dbusInterface",
  "dbusMember",
  "execpath",
  "attribute",
  "task",
  "magicToken",
  "peerInfo",
] as const satisfies readonly (keyof AuditRecord)[];

export type ValueField = (typeof VALUE_FIELDS)[number];

export interface KeySpec {
  readonly field: ValueField | SpecialKey;
  readonly kind: ValueKind;
}

const text = (field: KeySpec["field"]): KeySpec => ({ field, kind: "text" });
const plain = (field: KeySpec["field"]): KeySpec => ({ field, kind: "plain" });
const num = (field: KeySpec["field"]): KeySpec => ({ field, kind: "number" });

/** Every key moat reads, and the record field it sets; the rest are skipped. */
export const KEYS: ReadonlyMap<string, KeySpec> = new Map<string, KeySpec>([
  ["apparmor", plain("@apparmor")],
  ["type", plain("@type")],
  ["msg", plain("@msg")],
  ["operation", plain("operation")],
  ["class", text("class")],
  ["profile", text("profile")],
  ["label", text("profile")],
  ["name", text("name")],
  ["target", text("target")],
  ["name2", text("target")],
  ["requested_mask", plain("requestedMask")],
  ["requested", plain("requestedMask")],
  ["denied_mask", plain("deniedMask")],
  ["denied", plain("deniedMask")],
  ["mask", plain("deniedMask")],
  ["pid", num("pid")],
  ["parent", num("parent")],
  ["comm", text("comm")],
  ["exe", text("exe")],
  ["fsuid", num("fsuid")],
  ["ouid", num("ouid")],
  ["info", text("info")],
  ["error", num("error")],
  ["namespace", text("namespace")],
  ["capname", plain("capability")],
  ["capability", num("capabilityNumber")],
  ["peer", text("peer")],
  ["peer_profile", text("peerProfile")],
  ["peer_label", text("peerProfile")],
  ["tcontext", text("peerProfile")],
  ["peer_pid", num("peerPid")],
  ["addr", text("addr")],
  ["peer_addr", text("peerAddr")],
  ["family", plain("family")],
  ["sock_type", plain("sockType")],
  ["protocol", plain("protocol")],
  ["laddr", plain("localAddr")],
  ["saddr", plain("localAddr")],
  ["lport", num("localPort")],
  ["src", num("localPort")],
  ["faddr", plain("foreignAddr")],
  ["daddr", plain("foreignAddr")],
  ["fport", num("foreignPort")],
  ["dest", num("foreignPort")],
  ["signal", plain("signal")],
  ["fstype", text("fstype")],
  ["srcname", text("srcname")],
  ["flags", text("flags")],
  ["bus", plain("dbusBus")],
  ["path", text("dbusPath")],
  ["interface", plain("dbusInterface")],
  ["member", plain("dbusMember")],
  ["method", plain("dbusMember")],
  ["execpath", text("execpath")],
  ["attribute", plain("attribute")],
  ["task", num("task")],
  ["magic_token", num("magicToken")],
  ["peer_info", text("peerInfo")],
]);

/**
 * IP protocol numbers and their names, as libapparmor prints them (from <netinet/in.h>'s IPPROTO_*,
 * lower-cased; the first name of a number wins, so 0 is "ip", not "hopopts").
 */
const PROTOCOLS: ReadonlyMap<number, string> = new Map([
  [0, "ip"],
  [1, "icmp"],
  [2, "igmp"],
  [4, "ipip"],
  [6, "tcp"],
  [8, "egp"],
  [12, "pup"],
  [17, "udp"],
  [22, "idp"],
  [29, "tp"],
  [33, "dccp"],
  [41, "ipv6"],
  [43, "routing"],
  [44, "fragment"],
  [46, "rsvp"],
  [47, "gre"],
  [50, "esp"],
  [51, "ah"],
  [58, "icmpv6"],
  [59, "none"],
  [60, "dstopts"],
  [92, "mtp"],
  [94, "beetph"],
  [98, "encap"],
  [103, "pim"],
  [108, "comp"],
  [132, "sctp"],
  [135, "mh"],
  [136, "udplite"],
  [137, "mpls"],
  [143, "ethernet"],
  [255, "raw"],
  [262, "mptcp"],
]);

/** The name of IP protocol `n` ("tcp"), or "unknown(n)" as libapparmor writes an unknown one. */
export function protocolName(n: number): string {
  return PROTOCOLS.get(n) ?? `unknown(${n})`;
}

/** The values of `apparmor="…"`, the events. */
export const EVENT_NAMES: readonly AuditEvent[] = ["DENIED", "ALLOWED", "AUDIT", "STATUS", "HINT", "ERROR", "KILLED"];

/** The event of an AppArmor record type, by number (1501–1507) or by auditd's name for it. */
export function eventOfType(type: string): AuditEvent | undefined {
  switch (type) {
    case "1501":
    case "APPARMOR_AUDIT":
      return "AUDIT";
    case "1502":
    case "APPARMOR_ALLOWED":
      return "ALLOWED";
    case "1503":
    case "APPARMOR_DENIED":
      return "DENIED";
    case "1504":
    case "APPARMOR_HINT":
      return "HINT";
    case "1505":
    case "APPARMOR_STATUS":
      return "STATUS";
    case "1506":
    case "APPARMOR_ERROR":
      return "ERROR";
    case "1507":
    case "APPARMOR_KILL":
      return "KILLED";
    default:
      return undefined;
  }
}

/**
 * Whether a record type is AppArmor's own: 1500–1507, or auditd's names for them (`APPARMOR`,
 * `APPARMOR_DENIED`, …; readPrefix turns `UNKNOWN[1503]` into `1503`). `AVC`/1400 and `USER_AVC`/1107
 * are shared with SELinux: only an `apparmor=` field makes them AppArmor's.
 */
export function isAppArmorType(type: string): boolean {
  if (type.startsWith("APPARMOR")) return true;
  return type.length === 4 && type >= "1500" && type <= "1507";
}
