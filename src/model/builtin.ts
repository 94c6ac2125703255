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
  { glob: "/etc/{shadow,gshadow}+", reason: "the copies shadow-utils writes while it edits the password files" },
  { glob: "/var/backups/{shadow,gshadow}.bak", reason: "the daily copies of the password hashes Debian keeps" },
  { glob: "/etc/security/opasswd", reason: "old password hashes kept by pam_pwhistory" },
  { glob: "/etc/ssh/ssh_host_*_key", reason: "the host's SSH private keys" },
  { glob: "/etc/ssl/private/**", reason: "the host's TLS private keys" },
  { glob: "/etc/krb5.keytab", reason: "the host's Kerberos keys" },
  { glob: "/etc/ceph/*.keyring", reason: "Ceph keys, the admin's among them" },
  { glob: "/etc/mysql/debian.cnf", reason: "the MariaDB maintenance account's password" },
  { glob: "/etc/kubernetes/**", reason: "Kubernetes credentials" },
  { glob: "/var/lib/kubelet/pki/**", reason: "the kubelet's keys" },
  { glob: "/home/*/.ssh/**", reason: "users' SSH keys and authorized keys" },
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
  { glob: "/etc/crontab", reason: "cron jobs run as root" },
  { glob: "/etc/anacrontab", reason: "anacron jobs run as root" },
  { glob: "/etc/cron.d{,/**}", reason: "cron jobs run as root" },
  { glob: "/etc/cron.{hourly,daily,weekly,monthly,yearly}{,/**}", reason: "scripts cron runs as root" },
  { glob: "/etc/cron.{allow,deny}", reason: "who may have a crontab" },
  { glob: "/var/spool/{cron,anacron}{,/**}", reason: "users' crontabs and anacron's state: run as their owners, root included" },
  { glob: "/etc/systemd/**", reason: "systemd units run as root" },
  { glob: "/run/systemd/**", reason: "run-time systemd units and the manager's sockets" },
  { glob: "/usr/local/lib/systemd/**", reason: "locally installed systemd units run as root" },
  { glob: "/etc/init.d/**", reason: "init scripts run as root" },
  { glob: "/etc/rc.local", reason: "run as root at boot" },
  { glob: "/etc/ld.so*{,/**}", reason: "the dynamic linker's configuration and preloads reach every program" },
  { glob: "/etc/udev{,/**}", reason: "udev rules run programs as root" },
  { glob: "/etc/{modprobe.d,modules-load.d}{,/**}", reason: "kernel modules loaded and the commands modprobe runs as root" },
  { glob: "/etc/logrotate.d{,/**}", reason: "logrotate runs its scripts as root" },
  { glob: "/etc/pam.d{,/**}", reason: "how every login and sudo authenticates" },
  { glob: "/etc/security{,/**}", reason: "PAM's limits and access rules" },
  { glob: "/etc/profile.d{,/**}", reason: "run by every login shell" },
  { glob: "/etc/apt{,/**}", reason: "where packages come from, and hooks apt runs as root" },
  { glob: "/etc/sudo.conf", reason: "sudo's plugins" },
  { glob: "/etc/profile", reason: "run by every login shell" },
  { glob: "/etc/passwd", reason: "the host's users" },
  { glob: "/etc/group", reason: "the host's groups" },
  { glob: "/usr/{bin,sbin,lib,lib32,lib64,libx32,libexec}/**", reason: "the host's programs and libraries" },
  { glob: "/usr/local/{bin,sbin,lib,libexec}/**", reason: "locally installed programs and libraries, first in root's PATH" },
  { glob: "/bin{,/**}", reason: "the host's programs" },
  { glob: "/sbin{,/**}", reason: "the host's programs" },
  { glob: "/lib{,32,64,x32}{,/**}", reason: "the host's libraries, the dynamic linker and kernel modules" },
  { glob: "/var/lib/dpkg/**", reason: "package maintainer scripts run as root" },
  { glob: "/var/lib/{cloud,polkit-1,systemd,dkms,snapd}{,/**}", reason: "state that makes the host run programs or grant root (cloud-init scripts, polkit, systemd, DKMS, snapd)" },
  { glob: "/var/cache/apparmor{,/**}", reason: "compiled AppArmor profiles, loaded in place of their sources" },
  { glob: "/run/{docker.sock,containerd{,/**},dbus{,/**},user/0{,/**}}", reason: "daemons' sockets that give root: Docker, containerd, the system bus, root's session" },
  { glob: "/home/*/.*{,/**}", reason: "users' shell start-up files and settings, run at their next login" },
  { glob: "/boot/**", reason: "the host's kernels, initrds and boot loader" },
  { glob: "/proc/sys/**", reason: "kernel settings" },
  { glob: "/sys/**", reason: "kernel and device settings" },
];

/**
 * Host trees no workload may write, whatever it owns there: what the host is configured and built
 * from. A list of entries that run as root (above) cannot be complete; a write anywhere under these is
 * refused as a class.
 */
export const HOST_READ_ONLY_TREES: readonly HostPath[] = [
  { glob: "/etc/**", reason: "the host's configuration" },
  { glob: "/usr/**", reason: "the host's programs, libraries and data" },
  { glob: "/var/spool/**", reason: "queues the host's daemons run as root" },
  { glob: "/var/backups/**", reason: "the host's backups of its own configuration and secrets" },
];

/** How a grant is judged against an over-broad entry (check/rules/over-broad-grant.ts). */
export type BroadTest =
  /** The grant matches every path the entry matches: `/var/**`, `/{var,tmp}/**`, `/var/?*{,/,/?**}`. */
  | "covers"
  /**
   * Names the kernel hands out (disk letters, device-mapper and IOMMU group numbers, USB bus and
   * device numbers): the grant must not match infinitely many of them. `/dev/sdb` and `/dev/vfio/{33,34}`
   * pass; `/dev/sd*`, `/dev/vfio/1*`, `/dev/dm-[0-9]*` do not.
   */
  | "kernel-names"
  /**
   * Names an operator chooses (folders, LVM volume names): a grant may match infinitely many of them
   * only through a name of its own, a fixed start of at least three bytes in the first component below
   * the entry's folder (`/srv/acme/**`, `/dev/mapper/vg0-acme--*`). A wildcard or class within the first
   * three bytes (`/srv/*\/**`, `/home/[a-z0-9]*\/**`, `/var/lib/{a,b,c,…}*\/**`) reaches every name.
   */
  | "operator-names";

export interface BroadEntry extends HostPath {
  readonly test: BroadTest;
}

/** The folders no grant may cover whole, nor reach every name below. */
const BROAD_FOLDERS: readonly HostPath[] = [
  { glob: "/", reason: "the whole host" },
  { glob: "/dev", reason: "every device of the host" },
  { glob: "/etc", reason: "the host's configuration" },
  { glob: "/var", reason: "the host's variable data" },
  { glob: "/var/lib", reason: "every service's state" },
  { glob: "/var/tmp", reason: "every user's temporary files" },
  { glob: "/var/lib/libvirt/images", reason: "every VM's disk images in libvirt's default pool" },
  { glob: "/usr", reason: "the host's programs" },
  { glob: "/home", reason: "every user's home" },
  { glob: "/run", reason: "every daemon's sockets and pid files" },
  { glob: "/srv", reason: "every tenant's data" },
  { glob: "/tmp", reason: "every process's temporary files" },
  { glob: "/opt", reason: "every add-on package" },
  { glob: "/mnt", reason: "every mounted file system" },
  { glob: "/media", reason: "every removable medium" },
  { glob: "/dev/mapper", reason: "every device-mapper volume by name" },
  { glob: "/dev/shm", reason: "every process's shared memory" },
];

/**
 * Over-broad grants: they hand a workload a whole part of the host and make every other proof
 * meaningless. Each folder whole (`/var/**`), every name below it, and the families of device nodes,
 * which a workload may be granted one by one but never by a wildcard.
 */
export const OVER_BROAD: readonly BroadEntry[] = [
  ...BROAD_FOLDERS.flatMap((f): BroadEntry[] => {
    const all = f.glob === "/" ? "/**" : `${f.glob}/**`;
    return [
      { glob: all, reason: f.reason, test: "covers" },
      { glob: all, reason: f.reason, test: "operator-names" },
    ];
  }),
  { glob: "/dev/sd*", reason: "SCSI and SATA disks: the host's own disks among them", test: "kernel-names" },
  { glob: "/dev/vd*", reason: "virtio disks", test: "kernel-names" },
  { glob: "/dev/xvd*", reason: "Xen disks", test: "kernel-names" },
  { glob: "/dev/hd*", reason: "IDE disks", test: "kernel-names" },
  { glob: "/dev/nvme*", reason: "NVMe disks and controllers", test: "kernel-names" },
  { glob: "/dev/ng*", reason: "raw NVMe namespaces", test: "kernel-names" },
  { glob: "/dev/mmcblk*", reason: "MMC and SD disks", test: "kernel-names" },
  { glob: "/dev/dm-*", reason: "device-mapper nodes: every LVM volume of every tenant", test: "kernel-names" },
  { glob: "/dev/md*", reason: "software RAID arrays", test: "kernel-names" },
  { glob: "/dev/nbd*", reason: "network block devices", test: "kernel-names" },
  { glob: "/dev/rbd*", reason: "Ceph block devices", test: "kernel-names" },
  { glob: "/dev/zd*", reason: "ZFS volumes", test: "kernel-names" },
  { glob: "/dev/loop*", reason: "every loop device", test: "kernel-names" },
  { glob: "/dev/sg*", reason: "SCSI generic nodes of every disk", test: "kernel-names" },
  { glob: "/dev/bsg/**", reason: "SCSI block generic nodes of every disk", test: "kernel-names" },
  { glob: "/dev/disk/**", reason: "every disk under each naming scheme (by-id, by-path, by-uuid, …)", test: "kernel-names" },
  { glob: "/dev/vfio/*", reason: "every IOMMU group, and so every passed-through PCI device", test: "kernel-names" },
  { glob: "/dev/vfio/devices/*", reason: "every device of iommufd's VFIO interface", test: "kernel-names" },
  { glob: "/dev/bus/usb/**", reason: "every USB device", test: "kernel-names" },
  { glob: "/dev/sr*", reason: "optical drives", test: "kernel-names" },
  { glob: "/dev/nvidia*", reason: "every NVIDIA GPU and its control nodes", test: "kernel-names" },
  { glob: "/dev/dri/**", reason: "every GPU's render and card nodes", test: "kernel-names" },
  { glob: "/dev/pmem*", reason: "persistent memory", test: "kernel-names" },
  { glob: "/dev/dax*", reason: "device DAX memory", test: "kernel-names" },
  { glob: "/dev/ublkb*", reason: "userspace block devices", test: "kernel-names" },
  { glob: "/dev/mtd*", reason: "flash memory", test: "kernel-names" },
  { glob: "/dev/tty*", reason: "every terminal, the host's consoles among them", test: "kernel-names" },
  { glob: "/dev/input/**", reason: "every keyboard and mouse", test: "kernel-names" },
  { glob: "/dev/hugepages/**", reason: "every VM's huge-page memory: libvirt names the folders", test: "kernel-names" },
  { glob: "/var/lib/libvirt/qemu/**", reason: "libvirt's state of every VM (saved memory, UEFI variables, snapshots, channels): libvirt names it", test: "kernel-names" },
  { glob: "/run/libvirt/**", reason: "libvirt's run-time state and sockets of every VM: libvirt names it", test: "kernel-names" },
];

/**
 * Abstract unix socket names are one flat namespace for the whole host. A grant must name sockets of
 * its own: the same test as for folders, on the names (`@**`, `@/**`, `@[a-z]*` reach every service's
 * socket; `@acme-*` names the tenant's own), and a few namespaces that host services own.
 */
export const OVER_BROAD_ABSTRACT: readonly BroadEntry[] = [
  { glob: "**", reason: "every abstract socket of the host", test: "operator-names" },
  { glob: "/**", reason: "every path-like abstract socket of the host (containerd shims, D-Bus, X11)", test: "operator-names" },
  { glob: "/tmp/.X11-unix/*", reason: "every X display", test: "kernel-names" },
  { glob: "/containerd-shim/**", reason: "every container's shim: a way out of its container", test: "kernel-names" },
];

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
