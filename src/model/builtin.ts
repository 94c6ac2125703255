/**
 * The host paths moat treats specially, each with the reason it is there: the one place to read or
 * change them. docs/language.md ("Host paths moat guards") shows the same tables, and a test keeps the
 * two in step. Kept as glob source text; each consumer parses them once.
 */

export interface HostPath {
  readonly glob: string;
  readonly reason: string;
}

/**
 * Protected: neither readable nor writable by any workload; every profile denies them. Host credentials
 * and the configuration of the confinement itself.
 */
export const PROTECTED_PATHS: readonly HostPath[] = [
  { glob: "/etc/shadow", reason: "the host's password hashes" },
  { glob: "/etc/shadow-", reason: "the backup copy of the password hashes that passwd and shadow-utils keep" },
  { glob: "/etc/gshadow", reason: "the host's group password hashes" },
  { glob: "/etc/gshadow-", reason: "the backup copy of the group password hashes" },
  { glob: "/etc/sudoers", reason: "who may become root" },
  { glob: "/etc/sudoers.d/**", reason: "who may become root" },
  { glob: "/etc/apparmor/**", reason: "AppArmor's own configuration" },
  { glob: "/etc/apparmor.d/**", reason: "the profiles that confine every workload" },
  { glob: "/etc/libvirt/**", reason: "libvirt's configuration: domain XML, seclabels, qemu.conf" },
  { glob: "/root/**", reason: "root's home: keys, credentials, shell history" },
  { glob: "/sys/kernel/security/**", reason: "securityfs: loading and removing AppArmor profiles" },
  { glob: "/proc/sysrq-trigger", reason: "reboots or crashes the host" },
  { glob: "/proc/kcore", reason: "the kernel's memory" },
  { glob: "/dev/mem", reason: "the host's physical memory" },
  { glob: "/dev/kmem", reason: "the kernel's memory" },
  { glob: "/dev/port", reason: "the host's I/O ports" },
];

/** The protected globs alone, in the table's order. */
export const BUILTIN_PROTECTED: readonly string[] = PROTECTED_PATHS.map((p) => p.glob);

/**
 * Host-critical: what runs as root on the host, or configures it. No workload may own any path these
 * reach (volume, device or socket, ro or rw): owning means writing, or a lock, or a place other grants
 * are measured against. Each entry covers the path and everything under it.
 */
export const HOST_CRITICAL_PATHS: readonly HostPath[] = [
  { glob: "/etc/cron*{,/**}", reason: "cron jobs run as root" },
  { glob: "/etc/systemd/**", reason: "systemd units run as root" },
  { glob: "/etc/init.d/**", reason: "init scripts run as root" },
  { glob: "/etc/ld.so*{,/**}", reason: "the dynamic linker's configuration and preloads reach every program" },
  { glob: "/etc/passwd", reason: "the host's users" },
  { glob: "/etc/group", reason: "the host's groups" },
  { glob: "/usr/{bin,sbin,lib,libexec}/**", reason: "the host's programs and libraries" },
  { glob: "/bin{,/**}", reason: "the host's programs" },
  { glob: "/sbin{,/**}", reason: "the host's programs" },
  { glob: "/lib*{,/**}", reason: "the host's libraries and kernel modules" },
  { glob: "/boot/**", reason: "the host's kernels, initrds and boot loader" },
  { glob: "/proc/sys/**", reason: "kernel settings" },
  { glob: "/sys/**", reason: "kernel and device settings" },
];

/** How a grant is judged against an over-broad entry (check/rules/over-broad-grant.ts). */
export type BroadTest =
  /** The grant matches every path the entry matches: `/var/**`, `/{var,tmp}/**`, `/var/?*{,/,/?**}`. */
  | "covers"
  /** The grant matches infinitely many names of a family of device nodes: `/dev/sd*`, `/dev/vfio/[0-9]*`. */
  | "family";

export interface BroadEntry extends HostPath {
  readonly test: BroadTest;
}

/** The folders no grant may cover whole, nor every folder one level below them. */
const BROAD_FOLDERS: readonly HostPath[] = [
  { glob: "/", reason: "the whole host" },
  { glob: "/dev", reason: "every device of the host" },
  { glob: "/etc", reason: "the host's configuration" },
  { glob: "/var", reason: "the host's variable data" },
  { glob: "/var/lib", reason: "every service's state" },
  { glob: "/var/tmp", reason: "every user's temporary files" },
  { glob: "/usr", reason: "the host's programs" },
  { glob: "/home", reason: "every user's home" },
  { glob: "/run", reason: "every daemon's sockets and pid files" },
  { glob: "/srv", reason: "every tenant's data" },
  { glob: "/tmp", reason: "every process's temporary files" },
  { glob: "/opt", reason: "every add-on package" },
  { glob: "/mnt", reason: "every mounted file system" },
  { glob: "/media", reason: "every removable medium" },
];

/**
 * Over-broad grants: they hand a workload a whole part of the host and make every other proof
 * meaningless. Each folder whole (`/var/**`) and each whole level below it (`/var/*\/**`), then the
 * families of device nodes, which a workload may be granted one by one but never by a wildcard.
 */
export const OVER_BROAD: readonly BroadEntry[] = [
  ...BROAD_FOLDERS.flatMap((f): BroadEntry[] => [
    { glob: f.glob === "/" ? "/**" : `${f.glob}/**`, reason: f.reason, test: "covers" },
    { glob: f.glob === "/" ? "/*/**" : `${f.glob}/*/**`, reason: `a whole level of ${f.glob}: ${f.reason}`, test: "covers" },
  ]),
  { glob: "/dev/sd*", reason: "SCSI and SATA disks: the host's own disks among them", test: "family" },
  { glob: "/dev/vd*", reason: "virtio disks", test: "family" },
  { glob: "/dev/nvme*", reason: "NVMe disks and controllers", test: "family" },
  { glob: "/dev/dm-*", reason: "device-mapper nodes: every LVM volume of every tenant", test: "family" },
  { glob: "/dev/mapper/*", reason: "every device-mapper volume by name", test: "family" },
  { glob: "/dev/disk/**", reason: "every disk under each naming scheme (by-id, by-path, by-uuid, …)", test: "family" },
  { glob: "/dev/vfio/*", reason: "every IOMMU group, and so every passed-through PCI device", test: "family" },
  { glob: "/dev/bus/usb/**", reason: "every USB device", test: "family" },
  { glob: "/dev/sg*", reason: "SCSI generic nodes of every disk", test: "family" },
  { glob: "/dev/loop*", reason: "every loop device", test: "family" },
];

/**
 * Abstract unix socket names are one flat namespace for the whole host. A grant whose name can start
 * with a wildcard (`@**`, `@*`, `@?*`, `@{x,*}`) reaches every service's socket: it must start with a
 * fixed part (`@acme-*`).
 */
export const OVER_BROAD_ABSTRACT: HostPath = { glob: "@**", reason: "every abstract socket of the host" };

/** Multiplexer device nodes every VM uses and nobody owns: grantable, never part of overlap checks. */
export const HOST_SHARED_DEVICES: readonly string[] = [
  "/dev/kvm",
  "/dev/vfio/vfio",
  "/dev/vhost-net",
  "/dev/vhost-vsock",
  "/dev/net/tun",
  "/dev/ptmx",
  "/dev/null",
  "/dev/zero",
  "/dev/full",
  "/dev/random",
  "/dev/urandom",
];
