/**
 * Policies a hostile tenant could send as a pull request, by class: spellings the kernel or the parser
 * read alike, attached binaries, host-critical paths, whole levels and device families, abstract socket
 * wildcards, complain mode, and comparisons past their budget. Each class has several members, so that
 * a fix for one spelling does not pass for the class.
 */
import { describe, expect, it } from "vitest";
import { compileTexts } from "../support/memory.js";

/** Two tenants, each with one service granting the given items. */
function twoTenants(a: string, b: string, extra = ""): string {
  return `tenant acme {\n  service one {\n    ${a}\n  }\n}\ntenant globex {\n  service two {\n    ${b}\n  }\n}\n${extra}`;
}

/** One tenant with two services. */
function oneTenant(a: string, b: string): string {
  return `tenant acme {\n  service one {\n    ${a}\n  }\n  service two {\n    ${b}\n  }\n}\n`;
}

function codes(policy: string): string[] {
  const result = compileTexts({ "/p/host.iso": policy });
  return result.diagnostics.map((d) => (d.witness === undefined ? d.code : `${d.code} ${d.witness}`));
}

function errorCodes(policy: string): string[] {
  const result = compileTexts({ "/p/host.iso": policy });
  if (result.diagnostics.some((d) => d.severity === "error")) expect(result.outputs).toEqual([]);
  // A service given only an `exec` also "grants nothing" (MOAT220): not what these cases are about.
  return [...new Set(result.diagnostics.map((d) => d.code).filter((c) => c !== "MOAT220"))].sort();
}

type Case = readonly [name: string, policy: string, expected: readonly string[]];

function table(cases: readonly Case[], run: (policy: string) => string[] = codes): void {
  for (const [name, policy, expected] of cases) it(name, () => expect(run(policy)).toEqual(expected));
}

describe("spellings the parser reads alike are one resource", () => {
  table([
    ["@svc//ctl and @svc/ctl", twoTenants('socket "@svc//ctl"', 'socket "@svc/ctl"'), ["MOAT301 @svc/ctl"]],
    ["@svc///ctl and @svc/c*", twoTenants('socket "@svc///ctl"', 'socket "@svc/c*"'), ["MOAT301 @svc/ctl"]],
    ["@//x and @/x", twoTenants('socket "@//x"', 'socket "@/x"'), ["MOAT301 @/x"]],
    ["@a{//b,c} and @a/b", twoTenants('socket "@a{//b,c}"', 'socket "@a/b"'), ["MOAT301 @a/b"]],
    // The parser works on the text: `{/ctl,x}` after a '/' keeps its '//', a different address.
    ["@svc/{/ctl,x} is not @svc/ctl", twoTenants('socket "@svc/{/ctl,x}"', 'socket "@svc/ctl"'), []],
  ]);
});

describe("every check is decided on the paths the kernel can present", () => {
  table(
    [
      ["/var/?*{,/,/?**} is /var/**", twoTenants('volume "/var/?*{,/,/?**}"', 'volume "/srv/b"'), ["MOAT304 /var/backups/shadow.bak", "MOAT305", "MOAT310 /var/spool/cron"]],
      ["/srv/{?*,?*/**} is /srv/**", twoTenants('volume "/srv/{?*,?*/**}" ro', 'volume "/opt/globex/b"'), ["MOAT305"]],
      ["/run/?{,*}{,/**} is /run/**", twoTenants('volume "/run/?{,*}{,/**}" ro', 'volume "/opt/globex/b"'), ["MOAT305", "MOAT310 /run/systemd/x"]],
      ["[.][.] spells '..'", twoTenants('volume "/srv/acme/[.][.]/globex/secret"', 'volume "/srv/globex/secret"'), ["MOAT214"]],
      ["[.] spells '.'", twoTenants('volume "/srv/acme/[.]/x"', 'volume "/srv/b"'), ["MOAT214"]],
      ["[.a] may spell '.'", twoTenants('volume "/srv/[.a]/x"', 'volume "/srv/b"'), ["MOAT214"]],
      ["{.,..} through braces", twoTenants('volume "/srv/acme/{.,..}/x"', 'volume "/srv/b"'), ["MOAT214"]],
      ["a trailing [.][.]", twoTenants('volume "/srv/acme/[.][.]"', 'volume "/srv/b"'), ["MOAT214"]],
      ["'//' through braces", twoTenants('volume "/srv/acme{/,}/x"', 'volume "/srv/b"'), ["MOAT214"]],
      ["[.a-c] with no dot spelling in it", twoTenants('volume "/srv/[a-c]/x"', 'volume "/srv/b"'), []],
      ["names that only start with dots are names", twoTenants('volume "/srv/[.]x"', 'volume "/srv/.x"'), ["MOAT301 /srv/.x"]],
    ],
  );
  it("two globs that share only '.' and '..' spellings do not overlap", () => {
    // /srv/a/?/b and /srv/a/.{,.}*/b share /srv/a/./b (? = '.', * empty) and nothing the kernel presents.
    expect(codes(twoTenants('volume "/srv/a/?/b"', 'volume "/srv/a/.{,.}*/b"'))).toEqual([]);
    expect(codes(twoTenants('volume "/srv/a/?/b"', 'volume "/srv/a/.{,.}?/b"'))).toEqual([]);
    expect(codes(twoTenants('volume "/srv/a/??/b"', 'volume "/srv/a/.{,.}*/b"'))).toEqual(["MOAT301 /srv/a/.x/b"]);
  });
  it("a shared statement covers on kernel paths", () => {
    const shared = 'shared "/img/base/?*{,/,/?**}" ro with acme, globex\n';
    expect(codes(twoTenants('volume "/img/base/**" ro', 'volume "/img/base/**" ro', shared))).toEqual([]);
  });
});

describe("attachments are resources", () => {
  table(
    [
      ["another tenant writes the binary's folder", twoTenants('exec "/opt/acme/bin/agent"', 'volume "/opt/acme/bin/" rw'), ["MOAT308"]],
      ["another tenant writes the binary through a glob", twoTenants('exec "/opt/acme/bin/agent"', 'volume "/opt/acme/**" rw'), ["MOAT308"]],
      ["another tenant writes a folder far above", twoTenants('exec "/opt/acme/bin/agent"', 'volume "/opt/" rw'), ["MOAT308"]],
      ["another tenant writes the binary by device", twoTenants('exec "/opt/acme/bin/agent"', 'device "/opt/acme/bin/agent" rw'), ["MOAT308"]],
      ["another tenant's socket at the binary's path", twoTenants('exec "/opt/acme/bin/agent"', 'socket "/opt/acme/bin/agent"'), ["MOAT308"]],
      ["a glob exec reached by another tenant", twoTenants('exec "/opt/acme/bin/agent-*"', 'volume "/opt/acme/bin/agent-v2" rw'), ["MOAT308"]],
      ["reading it is harmless", twoTenants('exec "/opt/acme/bin/agent"', 'volume "/opt/acme/bin/agent" ro'), []],
      ["a sibling folder is not above it", twoTenants('exec "/opt/acme/bin/agent"', 'volume "/opt/acme/data/{,**}" rw'), []],
      ["a name that only starts like the folder", twoTenants('exec "/opt/acme/bin/agent"', 'volume "/opt/acme/binx/" rw'), []],
      ["two tenants attach to one binary", twoTenants('exec "/usr/bin/backup-agent"', 'exec "/usr/bin/backup-agent"'), ["MOAT309"]],
      ["a glob attachment meets a literal one", twoTenants('exec "/usr/bin/backup-*"', 'exec "/usr/bin/backup-agent"'), ["MOAT309"]],
      ["one tenant's two services attach to one binary", oneTenant('exec "/usr/bin/agent"', 'exec "/usr/bin/{agent,other}"'), ["MOAT309"]],
      ["distinct binaries", twoTenants('exec "/usr/bin/agent-a"', 'exec "/usr/bin/agent-b"'), []],
      // It also reaches /var/backups/shadow.bak: an exec there would be a protected path.
      ["an over-broad attachment", twoTenants('exec "/{usr,var}/**"', 'volume "/srv/b"'), ["MOAT304", "MOAT305"]],
      ["an attachment to a whole level", twoTenants('exec "/opt/*/**"', 'volume "/srv/b"'), ["MOAT305"]],
      ["the workload may write its own binary", twoTenants('exec "/opt/acme/bin/agent"\n    volume "/opt/acme/bin/{,**}" rw', 'volume "/srv/b"'), []],
      ["another workload of the same tenant: a warning", oneTenant('exec "/opt/acme/bin/agent"', 'volume "/opt/acme/bin/{,**}" rw'), ["MOAT312"]],
    ],
    errorCodes,
  );
  it("names both locations", () => {
    const result = compileTexts({ "/p/host.iso": twoTenants('exec "/opt/acme/bin/agent"', 'volume "/opt/acme/bin/" rw') });
    const d = result.diagnostics.find((x) => x.code === "MOAT308");
    expect(d!.witness).toBe("/opt/acme/bin/");
    expect(d!.related.map((r) => r.message)).toEqual(["exec of acme/one: /opt/acme/bin/agent"]);
    const two = compileTexts({ "/p/host.iso": twoTenants('exec "/usr/bin/x"', 'exec "/usr/bin/x"') }).diagnostics.find((x) => x.code === "MOAT309")!;
    expect(two.message).toBe('exec "/usr/bin/x" of globex/two and exec "/usr/bin/x" of acme/one both match "/usr/bin/x"; the kernel cannot choose between the two profiles');
    expect(two.related).toHaveLength(1);
  });
  it("a VM's implied write rules count: a VM named for the binary's folder", () => {
    const vm = (name: string, uuid: string) => `tenant globex {\n  vm ${name} {\n    uuid "${uuid}"\n    volume "/srv/g.img"\n  }\n}\n`;
    const policy = `tenant acme {\n  service one {\n    exec "/var/log/libvirt/qemu/web.log"\n  }\n}\n${vm("web", "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f")}`;
    expect(errorCodes(policy)).toContain("MOAT308");
  });
});

describe("host-critical paths", () => {
  table(
    [
      ["a cron job", twoTenants('volume "/etc/cron.d/acme" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["cron's folder itself, read-only", twoTenants('volume "/etc/cron.daily/" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["crontab", twoTenants('volume "/etc/crontab" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["a systemd unit", twoTenants('volume "/etc/systemd/system/evil.service" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["ld.so.preload", twoTenants('volume "/etc/ld.so.preload" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["a program", twoTenants('volume "/usr/bin/sudo" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["a library by glob", twoTenants('volume "/usr/lib/x86_64-linux-gnu/libc.so*" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["/lib64", twoTenants('volume "/lib64/ld-linux-x86-64.so.2" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["/bin as a device", twoTenants('device "/bin/sh" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["a kernel setting", twoTenants('volume "/proc/sys/kernel/core_pattern" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["sysfs", twoTenants('device "/sys/bus/pci/devices/0000:03:00.0/config" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["a kernel image", twoTenants('volume "/boot/vmlinuz-6.1.0-13-amd64" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["/etc/passwd", twoTenants('volume "/etc/passwd" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["/etc/group", twoTenants('volume "/etc/{group,hosts}" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["a socket there", twoTenants('socket "/etc/systemd/private.sock"', 'volume "/srv/b"'), ["MOAT310"]],
      ["/etc/passwdx is not /etc/passwd", twoTenants('volume "/etc/passwdx" ro', 'volume "/srv/b"'), []],
      ["/usr/share is not critical", twoTenants('volume "/usr/share/OVMF/OVMF_CODE.fd" ro', 'volume "/srv/b"'), []],
      ["the binary a service attaches to is no grant", twoTenants('exec "/usr/bin/backup-agent"', 'volume "/srv/b"'), []],
    ],
    errorCodes,
  );
  it("says why, and what to do", () => {
    const d = compileTexts({ "/p/host.iso": twoTenants('volume "/etc/cron.d/acme" rw', 'volume "/srv/b"') }).diagnostics[0]!;
    expect(d.message).toBe('volume "/etc/cron.d/acme" reaches /etc/cron.d{,/**} (cron jobs run as root), e.g. "/etc/cron.d/acme"; no workload may own it');
    expect(d.hint).toMatch(/outside/);
  });
  it("the protected set gains the backup copies of the password files", () => {
    expect(errorCodes(twoTenants('volume "/etc/{shadow,gshadow}-" ro', 'volume "/srv/b"'))).toEqual(["MOAT304"]);
  });
});

describe("over-broad: whole levels, device families, abstract sockets", () => {
  table(
    [
      ["/tmp/**", twoTenants('volume "/tmp/**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/var/tmp/{,**}", twoTenants('volume "/var/tmp/{,**}" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/opt/**", twoTenants('volume "/opt/**" ro', 'volume "/srv/b"'), ["MOAT305"]],
      ["/mnt/**", twoTenants('volume "/mnt/**" ro', 'volume "/srv/b"'), ["MOAT305"]],
      ["/media/**", twoTenants('volume "/media/**" ro', 'volume "/srv/b"'), ["MOAT305"]],
      ["/var/lib/**", twoTenants('volume "/var/lib/**" ro', 'volume "/srv/b"'), ["MOAT304", "MOAT305", "MOAT310"]],
      ["/var/*/**", twoTenants('volume "/var/*/**" ro', 'volume "/opt/globex/b"'), ["MOAT304", "MOAT305", "MOAT310"]],
      ["/srv/*/** reaches every tenant's folder", twoTenants('volume "/srv/*/**" ro', 'volume "/opt/globex/b"'), ["MOAT305"]],
      ["/home/?*/**", twoTenants('volume "/home/?*/**" ro', 'volume "/opt/globex/b"'), ["MOAT304", "MOAT305", "MOAT310"]],
      ["/var/lib/*/**", twoTenants('volume "/var/lib/*/**" ro', 'volume "/opt/globex/b"'), ["MOAT304", "MOAT305", "MOAT310"]],
      ["/var/lib/libvirt/images/acme/** is narrow", twoTenants('volume "/var/lib/libvirt/images/acme/**" rw', 'volume "/srv/b"'), []],
      ["/dev/sd*", twoTenants('device "/dev/sd*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/s{d,}*", twoTenants('device "/dev/s{d,}*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/{sd,vd}?*", twoTenants('device "/dev/{sd,vd}?*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/nvme*", twoTenants('device "/dev/nvme*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/dm-*", twoTenants('device "/dev/dm-*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/dm-[0-9]*", twoTenants('device "/dev/dm-[0-9]*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/vfio/*", twoTenants('device "/dev/vfio/*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/vfio/[0-9]* (what virt-aa-helper writes)", twoTenants('device "/dev/vfio/[0-9]*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/mapper/*", twoTenants('volume "/dev/mapper/*" rw', 'volume "/srv/b"'), ["MOAT305", "MOAT307"]],
      ["/dev/disk/**", twoTenants('volume "/dev/disk/**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/disk/by-id/*", twoTenants('volume "/dev/disk/by-id/*" rw', 'volume "/srv/b"'), ["MOAT305", "MOAT307"]],
      ["/dev/disk/by-*/**", twoTenants('volume "/dev/disk/by-*/**" rw', 'volume "/srv/b"'), ["MOAT305", "MOAT307"]],
      ["/dev/bus/usb/**", twoTenants('device "/dev/bus/usb/**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/bus/usb/001/*", twoTenants('device "/dev/bus/usb/001/*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["a whole disk by its node", twoTenants('device "/dev/sdb" rw', 'volume "/srv/b"'), []],
      ["IOMMU groups one by one", twoTenants('device "/dev/vfio/{33,34}" rw', 'volume "/srv/b"'), []],
      ["a tenant's own LV naming scheme", twoTenants('volume "/dev/mapper/vg0-acme--*" rw', 'volume "/srv/b"'), ["MOAT307"]],
      ["@**", twoTenants('socket "@**"', 'volume "/srv/b"'), ["MOAT305"]],
      ["@*", twoTenants('socket "@*"', 'volume "/srv/b"'), ["MOAT305"]],
      ["@?*", twoTenants('socket "@?*"', 'volume "/srv/b"'), ["MOAT305"]],
      ["@{acme,*}", twoTenants('socket "@{acme,*}"', 'volume "/srv/b"'), ["MOAT305"]],
      ["@{,x}*", twoTenants('socket "@{,x}*"', 'volume "/srv/b"'), ["MOAT305"]],
      ["@acme-* starts with the tenant's own name", twoTenants('socket "@acme-*"', 'volume "/srv/b"'), []],
      ["@{acme,acme2}-*", twoTenants('socket "@{acme,acme2}-*"', 'volume "/srv/b"'), []],
    ],
    errorCodes,
  );
  it("says why and what to write instead", () => {
    const d = compileTexts({ "/p/host.iso": twoTenants('device "/dev/vfio/[0-9]*" rw', 'volume "/srv/b"') }).diagnostics[0]!;
    expect(d.message).toMatch(/^device "\/dev\/vfio\/\[0-9\]\*" is over-broad: a wildcard in it reaches any number of \/dev\/vfio\/\* nodes/);
    expect(d.message).toMatch(/every IOMMU group/);
    expect(d.hint).toMatch(/one by one/);
  });
});


describe("a write on a folder above what is not the workload's own (renaming moves it)", () => {
  table(
    [
      ["/etc/ above /etc/shadow", twoTenants('volume "/etc/" rw', 'volume "/srv/b"'), ["MOAT320"]],
      ["/root/", twoTenants('volume "/root/" rw', 'volume "/srv/b"'), ["MOAT320"]],
      ["/etc/sudoers.d/", twoTenants('volume "/etc/sudoers.d/" rw', 'volume "/srv/b"'), ["MOAT310", "MOAT320"]],
      ["/boot/", twoTenants('volume "/boot/" rw', 'volume "/srv/b"'), ["MOAT320"]],
      ["the root folder", twoTenants('volume "/" rw', 'volume "/srv/b"'), ["MOAT320"]],
      ["another tenant's folder", twoTenants('volume "/srv/globex/" rw', 'volume "/srv/globex/db.img"'), ["MOAT320"]],
      ["every folder under /srv", twoTenants('volume "/srv/**/" rw', 'volume "/srv/globex/db.img"'), ["MOAT305", "MOAT320"]],
      ["a device grant on a folder", twoTenants('device "/srv/" rw', 'volume "/srv/globex/db.img"'), ["MOAT320"]],
      ["a folder above another tenant's folder grant", twoTenants('volume "/srv/data/" rw', 'volume "/srv/data/globex/{,**}"'), ["MOAT320"]],
      ["read-only folders rename nothing", twoTenants('volume "/srv/globex/" ro', 'volume "/srv/globex/db.img" ro'), []],
      ["its own tenant's folder", oneTenant('volume "/srv/acme/" rw', 'volume "/srv/acme/db.img"'), []],
      ["a sibling folder", twoTenants('volume "/srv/acme/{,**}" rw', 'volume "/srv/globex/db.img"'), []],
    ],
    errorCodes,
  );
  it("names the path below and where it is granted", () => {
    const d = compileTexts({ "/p/host.iso": twoTenants('volume "/srv/globex/" rw', 'volume "/srv/globex/db.img"') }).diagnostics.find((x) => x.code === "MOAT320")!;
    expect(d.witness).toBe("/srv/globex/");
    expect(d.message).toMatch(/a folder above \/srv\/globex\/db\.img \(volume of globex\/two\)/);
    expect(d.related.map((r) => r.message)).toEqual(["volume of globex/two: /srv/globex/db.img"]);
  });
});

describe("what runs as root and the host's secrets, beyond the first list", () => {
  table(
    [
      ["/usr/lib64 (the loader on merged-/usr hosts)", twoTenants('volume "/usr/lib64/{,**}" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["/usr/local/bin", twoTenants('volume "/usr/local/bin/tool" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["root's crontab", twoTenants('volume "/var/spool/cron/crontabs/root" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["anacrontab", twoTenants('volume "/etc/anacrontab" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["a run-time unit", twoTenants('volume "/run/systemd/system/x.service" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["a maintainer script", twoTenants('volume "/var/lib/dpkg/info/x.postinst" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["a udev rule", twoTenants('volume "/etc/udev/rules.d/99-x.rules" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["PAM", twoTenants('volume "/etc/pam.d/sshd" ro', 'volume "/srv/b"'), ["MOAT310"]],
      ["any write under /etc", twoTenants('volume "/etc/nova/nova.conf" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["any write under /usr", twoTenants('volume "/usr/share/acme/data" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["reading service configuration is not owning root's", twoTenants('volume "/etc/nova/nova.conf" ro', 'volume "/srv/b"'), []],
      ["a name that only starts like cron", twoTenants('volume "/etc/cronos-agent/acme.conf" ro', 'volume "/srv/b"'), []],
      ["a name that only starts like lib", twoTenants('volume "/libvirt-images/acme/{,**}" rw', 'volume "/srv/b"'), []],
      ["Debian's daily copy of the hashes", twoTenants('volume "/var/backups/shadow.bak" ro', 'volume "/srv/b"'), ["MOAT304"]],
      ["shadow-utils' working copy", twoTenants('volume "/etc/gshadow+" ro', 'volume "/srv/b"'), ["MOAT304"]],
      ["old hashes", twoTenants('volume "/etc/security/opasswd" ro', 'volume "/srv/b"'), ["MOAT304", "MOAT310"]],
      ["a host key", twoTenants('volume "/etc/ssh/ssh_host_ed25519_key" ro', 'volume "/srv/b"'), ["MOAT304"]],
    ],
    errorCodes,
  );
});

describe("over-broad: names the grant does not fix", () => {
  table(
    [
      ["@/**", twoTenants('socket "@/**"', 'volume "/srv/b"'), ["MOAT305"]],
      ["@[a-zA-Z0-9_.-]**", twoTenants('socket "@[a-zA-Z0-9_.-]**"', 'volume "/srv/b"'), ["MOAT305"]],
      ["every X display", twoTenants('socket "@/tmp/.X11-unix/X*"', 'volume "/srv/b"'), ["MOAT305"]],
      ["containerd's shims", twoTenants('socket "@/containerd-shim/**"', 'volume "/srv/b"'), ["MOAT305"]],
      ["one X display", twoTenants('socket "@/tmp/.X11-unix/X5"', 'volume "/srv/b"'), []],
      ["/dev/vfio/1*", twoTenants('device "/dev/vfio/1*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/dm-1*", twoTenants('device "/dev/dm-1*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/bus/usb/0**", twoTenants('device "/dev/bus/usb/0**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/disk/b**", twoTenants('device "/dev/disk/b**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/nvme0*", twoTenants('device "/dev/nvme0*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/sdb* reaches /dev/sdba too", twoTenants('device "/dev/sdb*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/{sda,sdb}*", twoTenants('device "/dev/{sda,sdb}*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/ng*", twoTenants('device "/dev/ng*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/md*", twoTenants('device "/dev/md*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/zd*", twoTenants('device "/dev/zd*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/bsg/**", twoTenants('device "/dev/bsg/**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/vfio/devices/*", twoTenants('device "/dev/vfio/devices/*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/hugepages/**", twoTenants('volume "/dev/hugepages/**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/dev/shm/*", twoTenants('volume "/dev/shm/*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["/home/[a-z0-9]*/**", twoTenants('volume "/home/[a-z0-9]*/**" rw', 'volume "/opt/globex/b"'), ["MOAT304", "MOAT305", "MOAT310"]],
      ["/var/lib/[a-km-z]*/**", twoTenants('volume "/var/lib/[a-km-z]*/**" rw', 'volume "/opt/globex/b"'), ["MOAT304", "MOAT305", "MOAT310"]],
      ["/srv/[a-zA-Z0-9_.-]*{,/**}", twoTenants('volume "/srv/[a-zA-Z0-9_.-]*{,/**}" rw', 'volume "/opt/globex/b"'), ["MOAT305"]],
      ["/opt/{a,b,c,d}*/**", twoTenants('volume "/opt/{a,b,c,d}*/**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["every VM's saved memory and UEFI variables", twoTenants('volume "/var/lib/libvirt/qemu/{save,nvram}/{,**}" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["every image of libvirt's default pool", twoTenants('volume "/var/lib/libvirt/images/*.qcow2" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["one VM's UEFI variables", twoTenants('volume "/var/lib/libvirt/qemu/nvram/web01_VARS.fd" rw', 'volume "/srv/b"'), []],
      ["named folders of its own", twoTenants('volume "/srv/{acme,acme-archive}/**" rw', 'volume "/opt/globex/b"'), []],
      ["a naming scheme of its own", twoTenants('volume "/opt/acme-*/**" rw', 'volume "/srv/b"'), []],
      ["a short folder name of its own", twoTenants('volume "/srv/a/**" rw', 'volume "/opt/globex/b"'), []],
    ],
    errorCodes,
  );
});


describe("the second review's classes", () => {
  table(
    [
      ["every VM's huge-page memory", twoTenants('volume "/dev/hugepages/libvirt/qemu/*/**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["every VM's domain folder", twoTenants('volume "/var/lib/libvirt/qemu/domain-*/**" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["libvirt's run-time state", twoTenants('volume "/run/libvirt/qemu/*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["26 disks by a class", twoTenants('device "/dev/sd[a-z]" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["100 dm nodes by braces", twoTenants('device "/dev/dm-[0-9]{,[0-9]}" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["999 IOMMU groups", twoTenants('device "/dev/vfio/{1,2,3,4,5,6,7,8,9}{,[0-9]}{,[0-9]}" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["a few disks of a VM", twoTenants('device "/dev/sd{b,c,d}" rw', 'volume "/srv/b"'), []],
      ["GPUs", twoTenants('device "/dev/nvidia*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["terminals", twoTenants('device "/dev/tty*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["keyboards", twoTenants('device "/dev/input/*" rw', 'volume "/srv/b"'), ["MOAT305"]],
      ["Docker's socket", twoTenants('socket "/run/docker.sock"', 'volume "/srv/b"'), ["MOAT310"]],
      ["the system bus", twoTenants('socket "/run/dbus/system_bus_socket"', 'volume "/srv/b"'), ["MOAT310"]],
      ["compiled AppArmor profiles", twoTenants('volume "/var/cache/apparmor/{,**}" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["cloud-init's boot scripts", twoTenants('volume "/var/lib/cloud/scripts/per-boot/x" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["a user's start-up file", twoTenants('volume "/home/admin/.bashrc" rw', 'volume "/srv/b"'), ["MOAT310"]],
      ["a user's SSH key", twoTenants('read "/home/admin/.ssh/id_ed25519"', 'volume "/srv/b"'), ["MOAT304"]],
      ["TLS private keys", twoTenants('read "/etc/ssl/private/x.key"', 'volume "/srv/b"'), ["MOAT304"]],
      ["Ceph's admin key", twoTenants('read "/etc/ceph/ceph.client.admin.keyring"', 'volume "/srv/b"'), ["MOAT304"]],
    ],
    errorCodes,
  );
  it("MOAT320 sees an LVM volume under its other name", () => {
    expect(errorCodes(twoTenants('volume "/dev/vg0/{,acme-x}" rw', 'volume "/dev/mapper/vg0-globex--db" rw'))).toContain("MOAT320");
  });
});

describe("complain mode is said out loud", () => {
  it("warns at the mode line, for every kind of workload", () => {
    const policy = `tenant acme {\n  service one {\n    volume "/srv/a"\n    mode complain\n  }\n  vm web {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "/srv/w.img"\n    mode complain\n  }\n  service two {\n    volume "/srv/b"\n    mode enforce\n  }\n}\n`;
    const result = compileTexts({ "/p/host.iso": policy });
    const warnings = result.diagnostics.filter((d) => d.code === "MOAT311");
    expect(warnings.map((d) => d.message)).toEqual([
      "service acme/one is in complain mode: its isolation is logged, not enforced",
      "vm acme/web is in complain mode: its isolation is logged, not enforced",
    ]);
    expect(warnings.every((d) => d.severity === "warning")).toBe(true);
    expect(result.outputs.length).toBeGreaterThan(0);
  });
});

describe("undecidable is never isolated", () => {
  // Each side alone is small; deciding whether they meet needs more states than the budget allows.
  it("a protected-path comparison past its budget is an error", () => {
    const grant = `/srv/p/${"*a".repeat(300)}*x`;
    const guard = `/srv/p/${"*a*b".repeat(150)}*x`;
    const result = compileTexts({ "/p/host.iso": twoTenants(`volume "${grant}" ro`, 'volume "/opt/b"', `protect "${guard}"\n`) });
    const codesSeen = result.diagnostics.map((d) => d.code);
    expect(codesSeen).toContain("MOAT306");
    expect(result.outputs).toEqual([]);
  });
});
