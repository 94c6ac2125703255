/**
 * Paths the policy language treats specially, from SPEC section 2. Kept as glob source text; parsed
 * once by the model when a compilation needs them.
 */

/** Host credentials and security configuration: no workload may be granted these, and every profile denies them. */
export const BUILTIN_PROTECTED: readonly string[] = [
  "/etc/shadow",
  "/etc/gshadow",
  "/etc/sudoers",
  "/etc/sudoers.d/**",
  "/etc/apparmor/**",
  "/etc/apparmor.d/**",
  "/etc/libvirt/**",
  "/root/**",
  "/boot/**",
  "/sys/kernel/security/**",
  "/proc/sysrq-trigger",
  "/proc/kcore",
  "/dev/mem",
  "/dev/kmem",
  "/dev/port",
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

/** Folders a grant may not cover wholesale (SPEC section 2, rule 6). */
export const BROAD_ROOTS: readonly string[] = ["/", "/dev", "/etc", "/var", "/usr", "/home", "/run", "/srv"];
