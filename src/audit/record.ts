/**
 * One AppArmor audit record, as `moat audit` reads it back from a log line: the kernel's (or D-Bus's)
 * key=value fields, decoded (hex values turned back into text) and named as JSON fields. The names
 * follow libapparmor's log parser (aalogparse) where it has one, so a record means what AppArmor's own
 * tools would make of the same line. Plain data: docs/audit.md describes every field.
 */

/**
 * What happened: the `apparmor="…"` field, or the record type where an older kernel wrote none
 * (1501 AUDIT, 1502 ALLOWED, 1503 DENIED, 1504 HINT, 1505 STATUS, 1506 ERROR, 1507 KILLED).
 * ALLOWED is a complain-mode profile's would-be denial; KILLED a kill-mode profile's denial.
 */
export type AuditEvent = "AUDIT" | "ALLOWED" | "DENIED" | "HINT" | "STATUS" | "ERROR" | "KILLED";

/**
 * Which kind of line the record came from: `auditd` (auditd's own `type=… msg=audit(…):` lines, in
 * /var/log/audit/audit.log, USER_AVC included), `kernel` (the kernel's `audit: type=1400 audit(…):`
 * lines, from dmesg, kern.log, syslog or the journal, and the journal's `audit[PID]: AVC …` lines), or
 * `userspace` (a message a user-space mediator such as dbus-daemon logged through syslog, with no
 * audit stamp).
 */
export type RecordOrigin = "auditd" | "kernel" | "userspace";

/**
 * A parsed record holds every field, undefined where the line has none (JSON.stringify leaves those
 * out): one object shape for all records keeps reading millions of them fast.
 */
export interface AuditRecord {
  readonly event: AuditEvent;
  readonly origin: RecordOrigin;
  /** The audit stamp's time, epoch seconds as written ("1279948288.415"); absent without a stamp. */
  readonly timestamp?: string;
  /** The audit stamp's serial number (the records of one event share stamp and serial). */
  readonly serial?: number;
  /** The syslog or journal time in front of the line, as written ("Dec  7 01:02:03", an ISO time). */
  readonly logTime?: string;
  /** The host the syslog line names, when it names one. */
  readonly host?: string;

  readonly operation?: string;
  /** The mediation class (`class=`: file, net, cap, signal, ptrace, mount, dbus, io_uring, …). */
  readonly class?: string;
  /** The confining profile or label (`profile=`, or `label=` of newer kernels and D-Bus). */
  readonly profile?: string;
  /** The object: a file path, a mount point, a D-Bus name, a message queue, a capability's name. */
  readonly name?: string;
  /** `target=` (or the older `name2=`): a link's target, the profile of an exec or change_profile. */
  readonly target?: string;
  /** What was asked (`requested_mask=`, or AppArmor 4's `requested=`), as written ("r", "send receive"). */
  readonly requestedMask?: string;
  /** What was refused (`denied_mask=`, `denied=`, or a D-Bus record's `mask=`). */
  readonly deniedMask?: string;
  readonly pid?: number;
  readonly parent?: number;
  /** The task's command name (`comm=`; for a D-Bus record without one, its `exe=`). */
  readonly comm?: string;
  /** `exe=`: the executable of a user-space mediator's record (dbus-daemon). */
  readonly exe?: string;
  readonly fsuid?: number;
  readonly ouid?: number;
  readonly info?: string;
  /** `error=`: a negative errno as the kernel writes it (-13 for EACCES). */
  readonly error?: number;
  /** `namespace=`: the policy namespace of the profile. */
  readonly namespace?: string;

  /** A capability record's capability name (`capname=`). */
  readonly capability?: string;
  /** Its number (`capability=`). */
  readonly capabilityNumber?: number;

  /** A peer's label (`peer=`), for signal, ptrace and unix socket records. */
  readonly peer?: string;
  /** `peer_profile=`, `peer_label=` or `tcontext=` (D-Bus and io_uring records). */
  readonly peerProfile?: string;
  readonly peerPid?: number;
  /** A unix socket's own address (`addr=`; `@name` for an abstract socket). */
  readonly addr?: string;
  /** The peer socket's address (`peer_addr=`). */
  readonly peerAddr?: string;

  /** Network records: `family=`, `sock_type=`, `protocol=` (a name: "tcp", "udp", "unknown(768)"). */
  readonly family?: string;
  readonly sockType?: string;
  readonly protocol?: string;
  /** `laddr=`/`saddr=`, `lport=`/`src=`, `faddr=`/`daddr=`, `fport=`/`dest=`. */
  readonly localAddr?: string;
  readonly localPort?: number;
  readonly foreignAddr?: string;
  readonly foreignPort?: number;

  /** Signal records: `signal=` (a name: "term", "kill"). */
  readonly signal?: string;

  /** Mount records: `fstype=`, `srcname=`, `flags=`. */
  readonly fstype?: string;
  readonly srcname?: string;
  readonly flags?: string;

  /** D-Bus records: `bus=`, `path=`, `interface=`, `member=` (dbus-broker's `method=`). */
  readonly dbusBus?: string;
  readonly dbusPath?: string;
  readonly dbusInterface?: string;
  readonly dbusMember?: string;

  /** `execpath=`: the executable of a userns record. */
  readonly execpath?: string;
  /** Rarer fields of old kernels: `attribute=`, `task=`, `magic_token=`, `peer_info=`. */
  readonly attribute?: string;
  readonly task?: number;
  readonly magicToken?: number;
  readonly peerInfo?: string;
}

/**
 * What one log line is. A line is never an error: a caller counts the lines that are not records
 * and goes on.
 */
export type ParseResult =
  | { readonly kind: "record"; readonly record: AuditRecord }
  /** A line of another subsystem (SELinux, a plain kernel message), or an empty line. */
  | { readonly kind: "not-apparmor" }
  /**
   * A line that carries AppArmor's mark (`apparmor=`, an AppArmor record type) but cannot be read:
   * truncated, an unbalanced quote, a bad audit stamp, text where a field should be, the free-text
   * messages of AppArmor 2.0. `column` (0-based) is where reading stopped, when known.
   */
  | { readonly kind: "malformed"; readonly reason: string; readonly column?: number };
