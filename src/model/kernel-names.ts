/**
 * The kernel's names a service's `capability` and `network` items may use, each with what it gives: the
 * one place to read or change them. docs/language.md ("Capabilities and network rules") shows the same
 * tables, and a test keeps the two in step; test/emit checks every name against apparmor_parser.
 *
 * Capabilities are Linux 6.x's (include/uapi/linux/capability.h, CAP_CHOWN = 0 to
 * CAP_CHECKPOINT_RESTORE = 40), written as AppArmor writes them: lower case, without CAP_. Network
 * families and socket types are those AppArmor's `network` rule accepts (apparmor_parser 3.0.8 builds
 * its family list from the C library's AF_* names; each one here was checked with it).
 */
import { nearestWord } from "../diagnostics/suggest.js";

export interface KernelName {
  readonly name: string;
  readonly reason: string;
}

/** In the kernel's order (by capability number). */
export const CAPABILITIES: readonly KernelName[] = [
  { name: "chown", reason: "change the owner of any file" },
  { name: "dac_override", reason: "bypass file read, write and execute permission checks" },
  { name: "dac_read_search", reason: "bypass file read and directory search permission checks" },
  { name: "fowner", reason: "act as the owner of any file (chmod, utime, …)" },
  { name: "fsetid", reason: "keep set-user-ID and set-group-ID bits when a file changes" },
  { name: "kill", reason: "send signals to any process" },
  { name: "setgid", reason: "change group IDs" },
  { name: "setuid", reason: "change user IDs" },
  { name: "setpcap", reason: "change capability sets and bounding sets" },
  { name: "linux_immutable", reason: "set the immutable and append-only file attributes" },
  { name: "net_bind_service", reason: "bind ports below 1024" },
  { name: "net_broadcast", reason: "broadcast and listen to multicast (unused by the kernel)" },
  { name: "net_admin", reason: "configure interfaces, routes, firewall rules and bridges" },
  { name: "net_raw", reason: "use raw and packet sockets" },
  { name: "ipc_lock", reason: "lock memory (mlock, huge pages)" },
  { name: "ipc_owner", reason: "bypass permission checks on System V IPC objects" },
  { name: "sys_module", reason: "load and unload kernel modules" },
  { name: "sys_rawio", reason: "raw I/O: ioperm, iopl, /dev/mem-like access" },
  { name: "sys_chroot", reason: "chroot and change mount namespaces" },
  { name: "sys_ptrace", reason: "trace any process" },
  { name: "sys_pacct", reason: "turn process accounting on and off" },
  { name: "sys_admin", reason: "mount, namespaces and a long list of administrative operations" },
  { name: "sys_boot", reason: "reboot and load a new kernel" },
  { name: "sys_nice", reason: "raise priorities and set other processes' scheduling" },
  { name: "sys_resource", reason: "override resource limits and quotas" },
  { name: "sys_time", reason: "set the system clock" },
  { name: "sys_tty_config", reason: "configure terminals (vhangup)" },
  { name: "mknod", reason: "create device nodes" },
  { name: "lease", reason: "take leases on any file" },
  { name: "audit_write", reason: "write records to the kernel audit log" },
  { name: "audit_control", reason: "configure kernel auditing" },
  { name: "setfcap", reason: "set file capabilities" },
  { name: "mac_override", reason: "override mandatory access control (AppArmor policy itself)" },
  { name: "mac_admin", reason: "change mandatory access control configuration" },
  { name: "syslog", reason: "privileged syslog operations (the kernel's log buffer)" },
  { name: "wake_alarm", reason: "set alarms that wake the system" },
  { name: "block_suspend", reason: "block system suspend" },
  { name: "audit_read", reason: "read the audit log through netlink" },
  { name: "perfmon", reason: "performance monitoring (perf_event_open)" },
  { name: "bpf", reason: "load BPF programs and create maps" },
  { name: "checkpoint_restore", reason: "checkpoint and restore processes (set PIDs, …)" },
];

/** Socket address families AppArmor's `network` rule names. */
export const NETWORK_FAMILIES: readonly KernelName[] = [
  { name: "unix", reason: "local sockets (AF_UNIX)" },
  { name: "inet", reason: "IPv4" },
  { name: "inet6", reason: "IPv6" },
  { name: "netlink", reason: "kernel interfaces: routing, interfaces, audit, … (AF_NETLINK)" },
  { name: "packet", reason: "raw frames at the device level (AF_PACKET)" },
  { name: "bridge", reason: "bridge configuration (AF_BRIDGE)" },
  { name: "key", reason: "IPsec key management (AF_KEY)" },
  { name: "alg", reason: "the kernel's crypto API (AF_ALG)" },
  { name: "vsock", reason: "host–guest sockets (AF_VSOCK)" },
  { name: "xdp", reason: "express data path sockets (AF_XDP)" },
  { name: "can", reason: "controller area network" },
  { name: "tipc", reason: "cluster communication (TIPC)" },
  { name: "bluetooth", reason: "Bluetooth" },
  { name: "rds", reason: "reliable datagram sockets" },
  { name: "smc", reason: "shared memory communications" },
  { name: "kcm", reason: "kernel connection multiplexor" },
  { name: "qipcrtr", reason: "Qualcomm IPC router" },
  { name: "mctp", reason: "management component transport protocol" },
  { name: "mpls", reason: "MPLS" },
  { name: "ib", reason: "InfiniBand" },
  { name: "llc", reason: "IEEE 802.2 LLC" },
  { name: "pppox", reason: "PPP over X" },
  { name: "nfc", reason: "near-field communication" },
  { name: "ieee802154", reason: "IEEE 802.15.4" },
  { name: "phonet", reason: "Nokia cellular modem IPC" },
  { name: "caif", reason: "ST-Ericsson modem IPC" },
  { name: "rxrpc", reason: "RxRPC" },
  { name: "iucv", reason: "IBM z/VM IUCV" },
  { name: "isdn", reason: "ISDN" },
  { name: "atmpvc", reason: "ATM permanent virtual circuits" },
  { name: "atmsvc", reason: "ATM switched virtual circuits" },
  { name: "ax25", reason: "amateur radio AX.25" },
  { name: "netrom", reason: "amateur radio NET/ROM" },
  { name: "rose", reason: "amateur radio X.25 PLP" },
  { name: "x25", reason: "ITU-T X.25" },
  { name: "ipx", reason: "Novell IPX" },
  { name: "appletalk", reason: "AppleTalk DDP" },
  { name: "netbeui", reason: "NetBEUI (never implemented by Linux)" },
  { name: "security", reason: "security callback pseudo-family" },
  { name: "ash", reason: "Ash" },
  { name: "econet", reason: "Acorn Econet" },
  { name: "sna", reason: "Linux SNA" },
  { name: "irda", reason: "IrDA" },
  { name: "wanpipe", reason: "Sangoma WANPIPE" },
];

/** Socket types AppArmor's `network` rule names. */
export const NETWORK_TYPES: readonly KernelName[] = [
  { name: "stream", reason: "connection-oriented byte streams (TCP, SOCK_STREAM)" },
  { name: "dgram", reason: "datagrams (UDP, SOCK_DGRAM)" },
  { name: "seqpacket", reason: "connection-oriented records (SOCK_SEQPACKET)" },
  { name: "raw", reason: "raw protocol access (SOCK_RAW; needs net_raw)" },
  { name: "rdm", reason: "reliably delivered messages (SOCK_RDM)" },
  { name: "packet", reason: "device-level packets (SOCK_PACKET, obsolete)" },
];

const names = (table: readonly KernelName[]): ReadonlySet<string> => new Set(table.map((e) => e.name));
export const CAPABILITY_NAMES = names(CAPABILITIES);
export const NETWORK_FAMILY_NAMES = names(NETWORK_FAMILIES);
export const NETWORK_TYPE_NAMES = names(NETWORK_TYPES);

/**
 * The name of `table` the operator most likely meant by `word`, or undefined: the same name in lower
 * case or without a `CAP_`/`AF_`/`SOCK_` prefix (as C headers and man pages spell them), else the one
 * nearest by edit distance, when it is near enough to be a typing slip.
 */
export function didYouMean(word: string, table: readonly KernelName[]): string | undefined {
  return nearestWord(word.toLowerCase().replace(/^(cap|af|pf|sock)_/, ""), table.map((e) => e.name));
}
