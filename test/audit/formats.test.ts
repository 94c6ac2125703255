/**
 * Every way a log writes an AppArmor record in front of its fields: auditd (raw, enriched, with
 * node=), the kernel's printk form as dmesg, kern.log, rsyslog and the journal show it, RFC 5424, and
 * D-Bus's user-space records. Hand-written lines; each must give the same fields.
 */
import { describe, expect, it } from "vitest";
import { parseLine } from "../../src/audit/index.js";
import { expectRecord, present, record } from "./helpers.js";

const UUID = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
/** The AppArmor part of a file denial, as the kernel writes it. */
const FIELDS =
  `apparmor="DENIED" operation="open" class="file" profile="libvirt-${UUID}" ` +
  `name="/var/lib/libvirt/images/globex/ci01.qcow2" pid=4242 comm="qemu-system-x86" requested_mask="r" denied_mask="r" fsuid=64055 ouid=64055`;
const STAMP = "audit(1733533323.417:1042):";

/** The record of FIELDS, with the fields the line's format adds. */
function denial(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    event: "DENIED",
    operation: "open",
    class: "file",
    profile: `libvirt-${UUID}`,
    name: "/var/lib/libvirt/images/globex/ci01.qcow2",
    pid: 4242,
    comm: "qemu-system-x86",
    requestedMask: "r",
    deniedMask: "r",
    fsuid: 64055,
    ouid: 64055,
    ...extra,
  };
}
const stamped = (origin: string, more: Record<string, unknown> = {}): Record<string, unknown> =>
  denial({ origin, timestamp: "1733533323.417", serial: 1042, ...more });

describe("auditd's lines", () => {
  it("reads a raw audit.log line", () => {
    expectRecord(`type=AVC msg=${STAMP} ${FIELDS}`, stamped("auditd"));
  });

  it("ignores what the ENRICHED format appends after 0x1d", () => {
    expectRecord(`type=AVC msg=${STAMP} ${FIELDS}\x1dFSUID="libvirt-qemu" OUID="libvirt-qemu"`, stamped("auditd"));
    // whatever follows the separator, even an unbalanced quote or a field moat knows
    expectRecord(`type=AVC msg=${STAMP} ${FIELDS}\x1dname="/etc/shadow" AUID="unset`, stamped("auditd"));
  });

  it("reads node= (auditd's name_format) and the numeric and older record types", () => {
    expectRecord(`node=compute-01 type=AVC msg=${STAMP} ${FIELDS}`, stamped("auditd"));
    expectRecord(`type=1400 msg=${STAMP} ${FIELDS}`, stamped("auditd"));
    expectRecord(`type=APPARMOR_DENIED msg=${STAMP} ${FIELDS}`, stamped("auditd"));
    expectRecord(`type=UNKNOWN[1503] msg=${STAMP} ${FIELDS}`, stamped("auditd"));
  });

  it("takes the event from the 1500-series type where there is no apparmor= field", () => {
    const rest = FIELDS.replace('apparmor="DENIED" ', "");
    const cases: [string, string][] = [
      ["1501", "AUDIT"],
      ["1502", "ALLOWED"],
      ["1503", "DENIED"],
      ["1504", "HINT"],
      ["1505", "STATUS"],
      ["1506", "ERROR"],
      ["1507", "KILLED"],
      ["APPARMOR_AUDIT", "AUDIT"],
      ["APPARMOR_ALLOWED", "ALLOWED"],
      ["APPARMOR_HINT", "HINT"],
      ["APPARMOR_STATUS", "STATUS"],
      ["APPARMOR_ERROR", "ERROR"],
      ["APPARMOR_KILL", "KILLED"],
      ["UNKNOWN[1502]", "ALLOWED"],
    ];
    for (const [type, event] of cases) {
      expect(record(`type=${type} msg=${STAMP} ${rest}`).event, type).toBe(event);
      expect(record(`[ 81.5] audit: type=${type} ${STAMP} ${rest}`).event, type).toBe(event);
    }
    // the old kernels' type= among the fields (after an APPARMOR type that names no event)
    expect(record(`type=APPARMOR msg=${STAMP}  type=1502 ${rest}`).event).toBe("ALLOWED");
  });

  it("reads audispd's lines without a type, and the syslog plugin's", () => {
    expectRecord(`msg=${STAMP} ${FIELDS}`, stamped("auditd"));
    expectRecord(
      `Dec  7 01:02:03 compute-01 audispd: node=compute-01 type=AVC msg=${STAMP} ${FIELDS}`,
      stamped("auditd", { logTime: "Dec  7 01:02:03", host: "compute-01" }),
    );
  });
});

describe("the kernel's lines", () => {
  const printk = `audit: type=1400 ${STAMP} ${FIELDS}`;

  it("reads dmesg, dmesg -T and dmesg -r", () => {
    expectRecord(`[ 8123.456789] ${printk}`, stamped("kernel"));
    expectRecord(`[    0.912345] ${printk}`, stamped("kernel"));
    expectRecord(`[Sat Dec  7 01:02:03 2024] ${printk}`, stamped("kernel"));
    expectRecord(`<5>[ 8123.456789] ${printk}`, stamped("kernel"));
    expectRecord(printk, stamped("kernel")); // journalctl -o cat, dmesg without times
  });

  it("reads kern.log and syslog, with and without the dmesg time", () => {
    const syslog = { logTime: "Dec  7 01:02:03", host: "compute-01" };
    expectRecord(`Dec  7 01:02:03 compute-01 kernel: [ 8123.456789] ${printk}`, stamped("kernel", syslog));
    expectRecord(`Dec  7 01:02:03 compute-01 kernel: ${printk}`, stamped("kernel", syslog));
    expectRecord(`Dec  7 01:02:03 compute-01 kernel: [ 8123.456789] type=1400 ${STAMP} ${FIELDS}`, stamped("kernel", syslog));
    expectRecord(`December  7 01:02:03 compute-01 kernel: ${printk}`, stamped("kernel", { ...syslog, logTime: "December  7 01:02:03" }));
  });

  it("reads rsyslog's RFC 3339 times and socklog's tags", () => {
    expectRecord(
      `2024-12-07T01:02:03.417311+01:00 compute-01 kernel: [ 8123.456789] ${printk}`,
      stamped("kernel", { logTime: "2024-12-07T01:02:03.417311+01:00", host: "compute-01" }),
    );
    expectRecord(`2024-12-07T00:02:03Z compute-01 kernel: ${printk}`, stamped("kernel", { logTime: "2024-12-07T00:02:03Z", host: "compute-01" }));
    expectRecord(`2024-12-07 01:02:03 compute-01 kernel: ${printk}`, stamped("kernel", { logTime: "2024-12-07 01:02:03", host: "compute-01" }));
    expectRecord(`2024-12-07T01:02:03.41731 kern.notice: [ 8123.456789] ${printk}`, stamped("kernel", { logTime: "2024-12-07T01:02:03.41731" }));
  });

  it("reads every journalctl text output", () => {
    const host = { host: "compute-01" };
    // short, short-precise, short-iso, short-iso-precise, short-full, short-monotonic, short-unix
    expectRecord(`Dec 07 01:02:03 compute-01 kernel: ${printk}`, stamped("kernel", { ...host, logTime: "Dec 07 01:02:03" }));
    expectRecord(`Dec 07 01:02:03.417311 compute-01 kernel: ${printk}`, stamped("kernel", { ...host, logTime: "Dec 07 01:02:03.417311" }));
    expectRecord(`2024-12-07T01:02:03+0100 compute-01 kernel: ${printk}`, stamped("kernel", { ...host, logTime: "2024-12-07T01:02:03+0100" }));
    expectRecord(
      `2024-12-07T01:02:03.417311+01:00 compute-01 kernel: ${printk}`,
      stamped("kernel", { ...host, logTime: "2024-12-07T01:02:03.417311+01:00" }),
    );
    expectRecord(`Sat 2024-12-07 01:02:03 CET compute-01 kernel: ${printk}`, stamped("kernel", { ...host, logTime: "Sat 2024-12-07 01:02:03" }));
    expectRecord(`[ 8123.456789] compute-01 kernel: ${printk}`, stamped("kernel", host));
    expectRecord(`1733533323.417311 compute-01 kernel: ${printk}`, stamped("kernel", { ...host, logTime: "1733533323.417311" }));
  });

  it("reads the journal's own audit lines, which have no kernel: tag and no stamp", () => {
    expectRecord(`Dec 07 01:02:03 compute-01 audit[4242]: AVC ${FIELDS}`, denial({ origin: "kernel", logTime: "Dec 07 01:02:03", host: "compute-01" }));
    expectRecord(
      `Dec 07 01:02:03 compute-01 audit: type=1400 ${STAMP} ${FIELDS}`,
      stamped("kernel", { logTime: "Dec 07 01:02:03", host: "compute-01" }),
    );
  });

  it("reads RFC 5424 lines, with and without structured data", () => {
    expectRecord(
      `<4>1 2024-12-07T00:02:03.417Z compute-01 kernel - - - ${printk}`,
      stamped("kernel", { logTime: "2024-12-07T00:02:03.417Z", host: "compute-01" }),
    );
    expectRecord(
      `<4>1 2024-12-07T00:02:03.417Z compute-01 kernel - - [meta sequenceId="7" note="a ]\\"b"] [ 8123.456789] ${printk}`,
      stamped("kernel", { logTime: "2024-12-07T00:02:03.417Z", host: "compute-01" }),
    );
    expectRecord(`<4>1 - - kernel - - - ${printk}`, stamped("kernel"));
  });

  it("ignores a trailing carriage return and other trailing space", () => {
    expectRecord(`[ 8123.456789] ${printk}\r`, stamped("kernel"));
    expectRecord(`  [ 8123.456789] ${printk} \t `, stamped("kernel"));
  });
});

describe("D-Bus's user-space records", () => {
  const dbus =
    `apparmor="DENIED" operation="dbus_method_call" bus="system" path="/org/freedesktop/login1" ` +
    `interface="org.freedesktop.login1.Manager" member="PowerOff" mask="send" name="org.freedesktop.login1" pid=4242 ` +
    `label="moat.acme.backup-agent" peer_pid=700 peer_label="unconfined"`;
  const expected = {
    event: "DENIED",
    operation: "dbus_method_call",
    dbusBus: "system",
    dbusPath: "/org/freedesktop/login1",
    dbusInterface: "org.freedesktop.login1.Manager",
    dbusMember: "PowerOff",
    deniedMask: "send",
    name: "org.freedesktop.login1",
    pid: 4242,
    profile: "moat.acme.backup-agent",
    peerPid: 700,
    peerProfile: "unconfined",
  };
  const sender = "pid=811 uid=102 auid=4294967295 ses=4294967295 subj=unconfined";
  const tail = 'exe="/usr/bin/dbus-daemon" sauid=102 hostname=? addr=? terminal=?';

  it("reads USER_AVC: the fields inside msg='…', the inner pid, comm from exe=", () => {
    const exe = { exe: "/usr/bin/dbus-daemon", comm: "/usr/bin/dbus-daemon" };
    const stamp = { timestamp: "1733533323.417", serial: 1043 };
    expectRecord(`type=USER_AVC msg=${STAMP.replace("1042", "1043")} ${sender} msg='${dbus} ${tail}'`, {
      ...expected,
      ...exe,
      ...stamp,
      origin: "auditd",
    });
    // enriched
    expectRecord(`type=USER_AVC msg=${STAMP.replace("1042", "1043")} ${sender} msg='${dbus} ${tail}'\x1dUID="messagebus" AUID="unset"`, {
      ...expected,
      ...exe,
      ...stamp,
      origin: "auditd",
    });
    // through the kernel's log, as type 1107
    expectRecord(`Dec  7 01:02:03 compute-01 kernel: [ 8123.456789] audit: type=1107 ${STAMP.replace("1042", "1043")} ${sender} msg='${dbus} ${tail}'`, {
      ...expected,
      ...exe,
      ...stamp,
      origin: "kernel",
      logTime: "Dec  7 01:02:03",
      host: "compute-01",
    });
  });

  it("keeps a comm= over exe=, and takes nothing from the sender when the message has no pid", () => {
    const r = record(`type=USER_AVC msg=${STAMP} ${sender} msg='${dbus.replace(" pid=4242", "")} comm="backup-agent" ${tail}'`);
    expect(r.comm).toBe("backup-agent");
    expect(r.exe).toBe("/usr/bin/dbus-daemon");
    expect(r.pid).toBeUndefined();
  });

  it("reads dbus-broker's method= as the member, and a message cut before its closing quote", () => {
    const broker = dbus.replace('member="PowerOff"', 'method="PowerOff"');
    expect(record(`type=USER_AVC msg=${STAMP} ${sender} msg='${broker} exe="/usr/bin/dbus-broker"'`).dbusMember).toBe("PowerOff");
    expect(present(record(`type=USER_AVC msg=${STAMP} ${sender} msg='${dbus}`))).toEqual({
      ...expected,
      timestamp: "1733533323.417",
      serial: 1042,
      origin: "auditd",
    });
  });

  it("reads a value holding an apostrophe inside msg='…'", () => {
    expect(record(`type=USER_AVC msg=${STAMP} ${sender} msg='${dbus.replace("PowerOff", "Power'Off")} ${tail}'`).dbusMember).toBe("Power'Off");
  });

  it("reads dbus-daemon's syslog messages, which carry no stamp", () => {
    expectRecord(`Dec  7 01:02:03 compute-01 dbus-daemon[811]: ${dbus}`, {
      ...expected,
      origin: "userspace",
      logTime: "Dec  7 01:02:03",
      host: "compute-01",
    });
    expectRecord(`2024-12-07T01:02:03.417311+01:00 compute-01 dbus[811]: ${dbus}`, {
      ...expected,
      origin: "userspace",
      logTime: "2024-12-07T01:02:03.417311+01:00",
      host: "compute-01",
    });
  });
});

describe("lines that are not AppArmor's", () => {
  it.each([
    "",
    "   ",
    'type=AVC msg=audit(1733533323.417:1044): avc:  denied  { read } for  pid=4242 comm="qemu-kvm" name="ci01.qcow2" dev="dm-0" ino=1 scontext=system_u:system_r:svirt_t:s0:c1,c2 tcontext=system_u:object_r:svirt_image_t:s0:c3,c4 tclass=file permissive=0',
    'type=SYSCALL msg=audit(1733533323.417:1042): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffd3a a2=0 a3=0 items=1 ppid=1 pid=4242 auid=4294967295 uid=64055 comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" subj=libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f (enforce) key=(null)',
    'type=PROCTITLE msg=audit(1733533323.417:1042): proctitle=2F7573722F62696E2F71656D75',
    "Dec  7 01:02:03 compute-01 kernel: [ 8123.456789] e1000e: eno1 NIC Link is Up 1000 Mbps Full Duplex",
    "[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)",
    "Dec  7 01:02:03 compute-01 systemd[1]: Started apparmor.service - Load AppArmor profiles.",
    'type=USER_AVC msg=audit(1733533323.417:1045): pid=811 uid=81 auid=4294967295 ses=4294967295 subj=system_u:system_r:system_dbusd_t msg=\'avc:  denied  { send_msg } for msgtype=method_call exe="/usr/bin/dbus-daemon" sauid=81\'',
    // a pid that starts with 150 is not a record type
    'type=SYSCALL msg=audit(1733533323.417:1042): pid=15031 comm="x"',
  ])("%s", (line) => {
    expect(parseLine(line)).toEqual({ kind: "not-apparmor" });
  });
});
