/**
 * The fields of every mediation class, as the kernel writes them, and the record shapes of AppArmor 4
 * that AppArmor 3.0.8's own test suite lacks: `requested=`/`denied=`, `class=`, unix sockets with
 * `addr=`/`peer_addr=`, network records with `saddr=`/`daddr=`/`src=`/`dest=`, io_uring (`tcontext=`),
 * user namespaces (`execpath=`), POSIX and System V message queues, dbus-broker's `method=`, KILLED.
 * The lines are written for this test (names from moat's own examples), not taken from any suite.
 */
import { describe, expect, it } from "vitest";
import { expectRecord, hex, present, record } from "./helpers.js";

const PRINTK = "[ 5120.000042] audit: type=1400 audit(1733540000.250:310):";
const stamp = { origin: "kernel", timestamp: "1733540000.250", serial: 310 };

describe("the mediation classes", () => {
  it("file: the masks, the owner, a link's target", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="link" class="file" profile="moat.acme.backup-agent" name="/srv/acme/latest" pid=3100 ` +
        `comm="backup-agent" requested_mask="l" denied_mask="l" fsuid=0 ouid=0 target="/srv/globex/db.img"`,
      {
        ...stamp,
        event: "DENIED",
        operation: "link",
        class: "file",
        profile: "moat.acme.backup-agent",
        name: "/srv/acme/latest",
        pid: 3100,
        comm: "backup-agent",
        requestedMask: "l",
        deniedMask: "l",
        fsuid: 0,
        ouid: 0,
        target: "/srv/globex/db.img",
      },
    );
  });

  it("file: an open with no name (AppArmor 4 keeps the class)", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="open" class="file" profile="moat.globex.ci-cache" pid=3101 comm="ci-cache" requested_mask="wr" denied_mask="wr" fsuid=1000 ouid=0`,
      {
        ...stamp,
        event: "DENIED",
        operation: "open",
        class: "file",
        profile: "moat.globex.ci-cache",
        pid: 3101,
        comm: "ci-cache",
        requestedMask: "wr",
        deniedMask: "wr",
        fsuid: 1000,
        ouid: 0,
      },
    );
  });

  it("unix: an abstract socket, the peer's address and label, addr=none", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="connect" class="net" profile="moat.globex.ci-cache" pid=3102 comm="ci-cache" family="unix" ` +
        `sock_type="stream" protocol=0 requested="send receive connect" denied="connect" addr=none peer_addr="@acme-backup" peer="moat.acme.backup-agent"`,
      {
        ...stamp,
        event: "DENIED",
        operation: "connect",
        class: "net",
        profile: "moat.globex.ci-cache",
        pid: 3102,
        comm: "ci-cache",
        family: "unix",
        sockType: "stream",
        protocol: "ip",
        requestedMask: "send receive connect",
        deniedMask: "connect",
        peerAddr: "@acme-backup",
        peer: "moat.acme.backup-agent",
      },
    );
    // a bind to a path socket; peer_addr=none
    const bind = record(
      `${PRINTK} apparmor="ALLOWED" operation="bind" class="net" profile="moat.acme.backup-agent" pid=3103 comm="backup-agent" family="unix" ` +
        `sock_type="dgram" protocol=0 requested="bind" denied="bind" addr="/run/acme/agent.sock" peer_addr=none`,
    );
    expect(bind.addr).toBe("/run/acme/agent.sock");
    expect(bind.peerAddr).toBeUndefined();
    expect(bind.event).toBe("ALLOWED");
  });

  it("unix: an abstract name hex-encoded with its leading NUL", () => {
    const r = record(
      `${PRINTK} apparmor="DENIED" operation="bind" class="net" profile="moat.acme.backup-agent" pid=3104 comm="backup-agent" family="unix" ` +
        `sock_type="stream" protocol=0 requested="bind" denied="bind" addr=00${hex("acme backup")}`,
    );
    expect(r.addr).toBe("@acme backup");
  });

  it("network, old style: family, sock_type and a protocol number, local and foreign addresses", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="sendmsg" profile="moat.ops.nova-api" pid=3105 comm="nova-api" laddr=10.0.0.5 lport=41234 ` +
        `faddr=10.0.0.9 fport=5672 family="inet" sock_type="stream" protocol=6`,
      {
        ...stamp,
        event: "DENIED",
        operation: "sendmsg",
        profile: "moat.ops.nova-api",
        pid: 3105,
        comm: "nova-api",
        localAddr: "10.0.0.5",
        localPort: 41234,
        foreignAddr: "10.0.0.9",
        foreignPort: 5672,
        family: "inet",
        sockType: "stream",
        protocol: "tcp",
      },
    );
  });

  it("network, AppArmor 4: saddr/src and daddr/dest, requested/denied, an IPv6 address", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="sendmsg" class="net" info="failed remote addr match" error=-13 profile="moat.ops.rabbitmq" ` +
        `pid=3106 comm="beam.smp" saddr=fd00:10::5 src=25672 daddr=fd00:10::9 dest=4369 family="inet6" sock_type="dgram" protocol=17 ` +
        `requested="send" denied="send"`,
      {
        ...stamp,
        event: "DENIED",
        operation: "sendmsg",
        class: "net",
        info: "failed remote addr match",
        error: -13,
        profile: "moat.ops.rabbitmq",
        pid: 3106,
        comm: "beam.smp",
        localAddr: "fd00:10::5",
        localPort: 25672,
        foreignAddr: "fd00:10::9",
        foreignPort: 4369,
        family: "inet6",
        sockType: "dgram",
        protocol: "udp",
        requestedMask: "send",
        deniedMask: "send",
      },
    );
    expect(record(`${PRINTK} apparmor="DENIED" operation="create" class="net" profile="p" pid=1 comm="c" family="packet" sock_type="raw" protocol=768 requested="create" denied="create"`).protocol).toBe(
      "unknown(768)",
    );
    expect(record(`${PRINTK} apparmor="DENIED" operation="create" class="net" profile="p" pid=1 comm="c" family="inet" sock_type="raw" protocol="icmp"`).protocol).toBe(
      "icmp",
    );
  });

  it("capability: the name as both capability and name, the number apart", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="capable" class="cap" profile="libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f" pid=3107 comm="qemu-system-x86" capability=12 capname="net_admin"`,
      {
        ...stamp,
        event: "DENIED",
        operation: "capable",
        class: "cap",
        profile: "libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f",
        pid: 3107,
        comm: "qemu-system-x86",
        capability: "net_admin",
        capabilityNumber: 12,
        name: "net_admin",
      },
    );
  });

  it("signal and ptrace: the signal, the peer", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="signal" class="signal" profile="moat.acme.backup-agent" pid=3108 comm="backup-agent" requested_mask="send" denied_mask="send" signal=kill peer="moat.globex.ci-cache"`,
      {
        ...stamp,
        event: "DENIED",
        operation: "signal",
        class: "signal",
        profile: "moat.acme.backup-agent",
        pid: 3108,
        comm: "backup-agent",
        requestedMask: "send",
        deniedMask: "send",
        signal: "kill",
        peer: "moat.globex.ci-cache",
      },
    );
    const ptrace = record(
      `${PRINTK} apparmor="DENIED" operation="ptrace" class="ptrace" profile="moat.acme.backup-agent" pid=3109 comm="gdb" requested_mask="read" denied_mask="read" peer="libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"`,
    );
    expect([ptrace.class, ptrace.peer, ptrace.deniedMask]).toEqual(["ptrace", "libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f", "read"]);
  });

  it("mount, umount and pivot_root: fstype, srcname, flags", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="mount" class="mount" info="failed flags match" error=-13 profile="moat.ops.glance-api" name="/var/lib/glance/images/" ` +
        `pid=3110 comm="mount" fstype="nfs4" srcname="storage:/export/glance" flags="rw, nosuid, nodev"`,
      {
        ...stamp,
        event: "DENIED",
        operation: "mount",
        class: "mount",
        info: "failed flags match",
        error: -13,
        profile: "moat.ops.glance-api",
        name: "/var/lib/glance/images/",
        pid: 3110,
        comm: "mount",
        fstype: "nfs4",
        srcname: "storage:/export/glance",
        flags: "rw, nosuid, nodev",
      },
    );
    expect(present(record(`${PRINTK} apparmor="DENIED" operation="umount" class="mount" profile="moat.ops.glance-api" name="/mnt/scratch/" pid=3111 comm="umount"`))).toMatchObject({
      operation: "umount",
      name: "/mnt/scratch/",
    });
    expect(
      present(record(`${PRINTK} apparmor="DENIED" operation="pivotroot" class="mount" profile="moat.ops.mariadb" name="/newroot/" pid=3112 comm="runc" srcname="/newroot/.old/"`)),
    ).toMatchObject({ operation: "pivotroot", name: "/newroot/", srcname: "/newroot/.old/" });
  });

  it("change_profile and change_onexec: the target, info and error", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="change_onexec" class="file" info="label not found" error=-2 namespace="root//lxd-ci" profile="unconfined" name="moat.globex.ci-cache" pid=3113 comm="runner" target="moat.globex.ci-cache"`,
      {
        ...stamp,
        event: "DENIED",
        operation: "change_onexec",
        class: "file",
        info: "label not found",
        error: -2,
        namespace: "root//lxd-ci",
        profile: "unconfined",
        name: "moat.globex.ci-cache",
        pid: 3113,
        comm: "runner",
        target: "moat.globex.ci-cache",
      },
    );
  });

  it("io_uring: requested/denied and tcontext as the peer's label", () => {
    expectRecord(
      `${PRINTK} apparmor="DENIED" operation="uring_override" class="io_uring" profile="libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f" pid=3114 comm="qemu-system-x86" requested="override_creds" denied="override_creds" tcontext="moat.acme.backup-agent"`,
      {
        ...stamp,
        event: "DENIED",
        operation: "uring_override",
        class: "io_uring",
        profile: "libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f",
        pid: 3114,
        comm: "qemu-system-x86",
        requestedMask: "override_creds",
        deniedMask: "override_creds",
        peerProfile: "moat.acme.backup-agent",
      },
    );
    expect(record(`${PRINTK} apparmor="DENIED" operation="uring_sqpoll" class="io_uring" profile="p" pid=1 comm="c" requested="sqpoll" denied="sqpoll"`).deniedMask).toBe("sqpoll");
  });

  it("userns: an AUDIT record with execpath and target, and a denial", () => {
    expectRecord(
      `${PRINTK} apparmor="AUDIT" operation="userns_create" class="namespace" info="Userns create - transitioning profile" profile="unconfined" pid=3115 comm="bwrap" requested="userns_create" target="unprivileged_userns" execpath="/usr/bin/bwrap"`,
      {
        ...stamp,
        event: "AUDIT",
        operation: "userns_create",
        class: "namespace",
        info: "Userns create - transitioning profile",
        profile: "unconfined",
        pid: 3115,
        comm: "bwrap",
        requestedMask: "userns_create",
        target: "unprivileged_userns",
        execpath: "/usr/bin/bwrap",
      },
    );
    expect(record(`${PRINTK} apparmor="DENIED" operation="userns_create" class="namespace" profile="moat.globex.ci-cache" pid=3116 comm="unshare" requested="userns_create" denied="userns_create"`).deniedMask).toBe(
      "userns_create",
    );
  });

  it("message queues: POSIX (a name) and System V (a key), class after the masks", () => {
    expectRecord(
      `Dec 07 01:02:03 compute-01 kernel: audit: type=1400 audit(1733540000.250:311): apparmor="DENIED" operation="open" profile="moat.ops.nova-conductor" name="/nova-events" pid=3117 comm="nova-conductor" requested="read create" denied="create" class="posix_mqueue" fsuid=0 ouid=0`,
      {
        origin: "kernel",
        timestamp: "1733540000.250",
        serial: 311,
        logTime: "Dec 07 01:02:03",
        host: "compute-01",
        event: "DENIED",
        operation: "open",
        profile: "moat.ops.nova-conductor",
        name: "/nova-events",
        pid: 3117,
        comm: "nova-conductor",
        requestedMask: "read create",
        deniedMask: "create",
        class: "posix_mqueue",
        fsuid: 0,
        ouid: 0,
      },
    );
    const sysv = record(
      `${PRINTK} apparmor="DENIED" operation="sysv_mqueue" profile="moat.ops.nova-conductor" name="4711" pid=3118 comm="ipc-bench" requested="write" denied="write" class="sysv_mqueue" fsuid=1001 ouid=1001`,
    );
    expect([sysv.class, sysv.name, sysv.deniedMask]).toEqual(["sysv_mqueue", "4711", "write"]);
    // a disconnected queue has no name; the class comes twice
    const disconnected = record(
      `${PRINTK} apparmor="DENIED" operation="getattr" class="posix_mqueue" info="Failed name lookup - disconnected IPC path" error=-13 profile="p" pid=3119 comm="c" requested="getattr" denied="getattr" class="posix_mqueue" fsuid=1000 ouid=0`,
    );
    expect([disconnected.name, disconnected.class]).toEqual([undefined, "posix_mqueue"]);
  });

  it("dbus: mask= is the denied mask", () => {
    const r = record(
      `type=USER_AVC msg=audit(1733540000.250:312): pid=811 uid=0 auid=4294967295 ses=4294967295 msg='apparmor="DENIED" operation="dbus_method_call" bus="session" path="/org/freedesktop/DBus" interface="org.freedesktop.DBus" method="Hello" mask="send" label="moat.acme.backup-agent" peer_label="unconfined" exe="/usr/bin/dbus-broker" sauid=0 hostname=? addr=? terminal=?'`,
    );
    expect(present(r)).toEqual({
      event: "DENIED",
      origin: "auditd",
      timestamp: "1733540000.250",
      serial: 312,
      operation: "dbus_method_call",
      dbusBus: "session",
      dbusPath: "/org/freedesktop/DBus",
      dbusInterface: "org.freedesktop.DBus",
      dbusMember: "Hello",
      deniedMask: "send",
      profile: "moat.acme.backup-agent",
      peerProfile: "unconfined",
      exe: "/usr/bin/dbus-broker",
      comm: "/usr/bin/dbus-broker",
    });
  });

  it("the other events: ALLOWED, AUDIT, HINT, STATUS, ERROR, KILLED", () => {
    for (const event of ["ALLOWED", "AUDIT", "HINT", "STATUS", "ERROR", "KILLED"]) {
      expect(record(`${PRINTK} apparmor="${event}" operation="open" profile="p" name="/x" pid=1 comm="c"`).event).toBe(event);
    }
    expect(present(record(`${PRINTK} apparmor="STATUS" operation="profile_replace" info="same as current profile, skipping" profile="unconfined" name="moat.acme.backup-agent" pid=3120 comm="apparmor_parser"`))).toMatchObject({
      event: "STATUS",
      operation: "profile_replace",
      name: "moat.acme.backup-agent",
    });
  });

  it("old kernels' fields: name2=, task=, parent=, magic_token=, attribute=, peer_info=", () => {
    expect(
      present(
        record(
          'type=APPARMOR_HINT msg=audit(1190000000.100:7): operation="clone" task=20401 parent=20399 pid=20400 magic_token=99 attribute="attr" peer_info="x" name2="/b" profile="null-complain-profile"',
        ),
      ),
    ).toEqual({
      event: "HINT",
      origin: "auditd",
      timestamp: "1190000000.100",
      serial: 7,
      operation: "clone",
      task: 20401,
      parent: 20399,
      pid: 20400,
      magicToken: 99,
      attribute: "attr",
      peerInfo: "x",
      target: "/b",
      profile: "null-complain-profile",
    });
  });
});

describe("values", () => {
  it("decodes hex: a space, a quote, UTF-8, control bytes", () => {
    expect(record(`${PRINTK} apparmor="DENIED" operation="open" profile="p" name=2F746D702F612062 pid=1 comm="c"`).name).toBe("/tmp/a b");
    const names = ['/srv/acme/say "hi"', "/srv/acme/café/ü.img", "/srv/acme/tab\there", "/srv/acme/new\nline", "/srv/acme/x\u007f"];
    for (const name of names) {
      expect(record(`${PRINTK} apparmor="DENIED" operation="open" profile="p" name=${hex(name)} pid=1 comm=${hex("my agent")}`)).toMatchObject({
        name,
        comm: "my agent",
      });
    }
    expect(record(`${PRINTK} apparmor="DENIED" operation="open" profile=${hex("moat.acme.my agent")} name="/x" pid=1 comm="c"`).profile).toBe("moat.acme.my agent");
  });

  it("replaces bytes that are not UTF-8 with U+FFFD", () => {
    expect(record(`${PRINTK} apparmor="DENIED" operation="open" profile="p" name=2F78FF pid=1 comm="c"`).name).toBe("/x\ufffd");
  });

  it("keeps quoted values, lowercase or odd-length hex, and numbers-only fields as written", () => {
    const r = record(`${PRINTK} apparmor="DENIED" operation="open" profile="p" name="2F78" target=2f78 peer=2F7 pid=1 comm="c"`);
    expect([r.name, r.target, r.peer]).toEqual(["2F78", "2f78", "2F7"]);
    // an address is never hex
    expect(record(`${PRINTK} apparmor="DENIED" operation="sendmsg" profile="p" pid=1 comm="c" laddr=10.0.0.1 faddr=FE80 family="inet6"`).foreignAddr).toBe("FE80");
  });

  it("reads `?` and `none` as no value, and a negative error", () => {
    const r = record(`${PRINTK} apparmor="DENIED" operation="connect" profile="p" pid=1 comm="c" addr=? peer_addr=none error=-1`);
    expect([r.addr, r.peerAddr, r.error]).toEqual([undefined, undefined, -1]);
  });

  it("reads a quoted value that ends right before the next key (auditd's enriched fields without the separator)", () => {
    const r = record(`type=AVC msg=audit(1.2:3): apparmor="DENIED" operation="link" profile="cargo" name="/a" pid=1 comm="c" requested_mask="l" denied_mask="l" fsuid=250 ouid=250 target="/b"FSUID="portage" OUID="portage"`);
    expect([r.target, r.fsuid, r.ouid]).toEqual(["/b", 250, 250]);
  });
});
