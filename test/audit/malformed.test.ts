/**
 * Lines that are not whole records never throw: truncated lines, unbalanced quotes, binary junk, a
 * 1 MB line, AppArmor 2.0's free-text messages. And a property test (fast-check, the run's seed)
 * over random text, random mutations of real records and random records rendered the way the kernel
 * writes them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseLine, type ParseResult } from "../../src/audit/index.js";
import { KEYS, VALUE_FIELDS } from "../../src/audit/fields.js";
import { expectMalformed, hex, record } from "./helpers.js";
import { SEED } from "../support/seed.js";

const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED });

const LINE =
  'type=AVC msg=audit(1733533323.417:1042): apparmor="DENIED" operation="open" class="file" ' +
  'profile="libvirt-6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f" name="/var/lib/libvirt/images/globex/ci01.qcow2" pid=4242 ' +
  'comm="qemu-system-x86" requested_mask="r" denied_mask="r" fsuid=64055 ouid=64055';
const DBUS =
  "type=USER_AVC msg=audit(1733533323.417:1043): pid=811 uid=102 auid=4294967295 ses=4294967295 msg='apparmor=\"DENIED\" " +
  'operation="dbus_method_call" bus="system" path="/org/freedesktop/login1" interface="org.freedesktop.login1.Manager" ' +
  "member=\"PowerOff\" mask=\"send\" name=\"org.freedesktop.login1\" pid=4242 label=\"moat.acme.backup-agent\" exe=\"/usr/bin/dbus-daemon\" sauid=102 hostname=? addr=? terminal=?'";
const KERNEL = `Dec  7 01:02:03 compute-01 kernel: [ 8123.456789] audit: type=1400 audit(1733533323.417:1042): ${LINE.slice(LINE.indexOf("apparmor="))}`;

const KINDS = new Set(["record", "not-apparmor", "malformed"]);
const EVENTS = new Set(["AUDIT", "ALLOWED", "DENIED", "HINT", "STATUS", "ERROR", "KILLED"]);

/** What every result must look like, whatever the line. */
function wellFormed(result: ParseResult): boolean {
  if (!KINDS.has(result.kind)) return false;
  if (result.kind === "malformed") return typeof result.reason === "string" && result.reason !== "";
  if (result.kind === "record") return EVENTS.has(result.record.event);
  return true;
}

describe("malformed lines", () => {
  it("is malformed when the line is cut inside a quoted value", () => {
    const cut = LINE.slice(0, LINE.indexOf("/globex/"));
    expect(expectMalformed(cut).reason).toMatch(/unterminated quoted value of name=/);
  });

  it("never throws on any prefix of a record, and reads a prefix that ends between fields", () => {
    for (const line of [LINE, DBUS, KERNEL]) {
      for (let n = 0; n <= line.length; n++) {
        const result = parseLine(line.slice(0, n));
        expect(wellFormed(result), `${n}: ${JSON.stringify(result)}`).toBe(true);
      }
    }
    expect(record(LINE.slice(0, LINE.indexOf(" requested_mask"))).deniedMask).toBeUndefined();
  });

  it("is malformed on an unbalanced quote, a bad stamp, a number that is not one, text between fields", () => {
    expectMalformed(LINE.replace('comm="qemu-system-x86"', 'comm="qemu-system-x86'));
    expectMalformed(LINE.replace("operation=\"open\"", "operation='open"));
    expectMalformed(LINE.replace("audit(1733533323.417:1042)", "audit(1733533323===417:1042)"));
    expectMalformed(LINE.replace("audit(1733533323.417:1042)", "audit(1733533323.417)"));
    expect(expectMalformed(LINE.replace("pid=4242", "pid=42x2")).reason).toMatch(/pid= is not a number/);
    expect(expectMalformed(LINE.replace(" comm=", " oops comm=")).column).toBe(LINE.indexOf(" comm=") + 1);
    expect(expectMalformed(`audit.log:${LINE}`).column).toBe(0);
    expectMalformed(LINE.replace('apparmor="DENIED"', 'apparmor="SOMETIMES"'));
    expectMalformed("type=APPARMOR msg=audit(1733533323.417:1042): operation=\"open\" name=\"/x\"");
  });

  it("is malformed on AppArmor 2.0's free-text messages", () => {
    const r = expectMalformed("type=APPARMOR msg=audit(1157215966.604:46): REJECTING r access to /srv/x (sh(7902) profile /usr/sbin/httpd2-prefork active SYSINFO)");
    expect(r.reason).toMatch(/AppArmor 2\.0/);
    expectMalformed("type=UNKNOWN[1500] msg=audit(1167188680.127:54): PERMITTING rw access to /srv/x (bash(23415) profile /bin/x active /bin/x)");
  });

  it("does not throw on binary junk", () => {
    const junk = Array.from({ length: 4096 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join("");
    for (const line of [junk, `${junk}apparmor="DENIED"`, `apparmor="DENIED" ${junk}`, `${LINE}${junk}`, `\0\0\0${LINE}`, LINE.replace(/ /g, "\0")]) {
      expect(wellFormed(parseLine(line))).toBe(true);
    }
    // lone surrogates, a byte order mark, the separator in odd places
    for (const line of ["\ud800apparmor=\"DENIED\"", `\ufeff${LINE}`, `\x1d${LINE}`, `type=AVC\x1dmsg=audit(1.2:3): apparmor="DENIED"`]) {
      expect(wellFormed(parseLine(line))).toBe(true);
    }
  });

  it("reads a 1 MB line without throwing: a record with a huge name, and huge junk", () => {
    const big = `/srv/${"a".repeat(1 << 20)}`;
    expect(record(LINE.replace("/var/lib/libvirt/images/globex/ci01.qcow2", big)).name).toBe(big);
    expect(record(LINE.replace('"/var/lib/libvirt/images/globex/ci01.qcow2"', hex(`${big} x`))).name).toBe(`${big} x`);
    expect(wellFormed(parseLine(`apparmor="DENIED" ${"x ".repeat(1 << 19)}`))).toBe(true);
    expect(wellFormed(parseLine(`apparmor="DENIED" name="${"x".repeat(1 << 20)}`))).toBe(true);
    expect(wellFormed(parseLine("apparmor=".repeat(1 << 17)))).toBe(true);
  });

  it("returns not-apparmor for what is not a string", () => {
    expect(parseLine(undefined as unknown as string)).toEqual({ kind: "not-apparmor" });
    expect(parseLine(42 as unknown as string)).toEqual({ kind: "not-apparmor" });
  });
});

describe("parseLine never throws (fast-check)", () => {
  it("on random text", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 400 }),
      fc.string({ unit: "binary-ascii", maxLength: 400 }),
      fc.string({ unit: fc.constantFrom(..."apparmor=\"' \x1d()[]:.-_0123456789ABCDEFtype=AVCmsgaudit150"), maxLength: 200 }),
    );
    fc.assert(
      fc.property(text, (line) => wellFormed(parseLine(line))),
      params(3000),
    );
  });

  it("on real records with random cuts, insertions and replacements", () => {
    const edit = fc.record({
      line: fc.constantFrom(LINE, DBUS, KERNEL),
      at: fc.nat(),
      cut: fc.nat({ max: 40 }),
      insert: fc.string({ unit: fc.constantFrom('"', "'", " ", "=", "\x1d", "(", ")", ":", "\0", "\n", "a", "0", "F"), maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let line = edits[0]!.line;
        for (const e of edits) {
          const at = e.at % (line.length + 1);
          line = line.slice(0, at) + e.insert + line.slice(at + e.cut);
        }
        return wellFormed(parseLine(line));
      }),
      params(3000),
    );
  });

  it("reads back random records written the way the kernel writes them", () => {
    // the kernel quotes a value whose bytes are all within 0x21–0x7e but `"`, and hex-encodes any other
    const kernelValue = (v: string): string => (/^[\x21\x23-\x7e]+$/.test(v) ? `"${v}"` : hex(v));
    // (a leading NUL is an abstract socket's, read as `@`)
    const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).filter((v) => !v.startsWith("\0"));
    fc.assert(
      fc.property(text, text, text, fc.nat({ max: 4194304 }), fc.nat(), (profile, name, comm, pid, ouid) => {
        const line =
          `[ 12.000001] audit: type=1400 audit(1733533323.417:9): apparmor="DENIED" operation="open" class="file" ` +
          `profile=${kernelValue(profile)} name=${kernelValue(name)} pid=${pid} comm=${kernelValue(comm)} requested_mask="r" denied_mask="r" fsuid=0 ouid=${ouid}`;
        const r = record(line);
        expect([r.profile, r.name, r.comm, r.pid, r.ouid]).toEqual([profile, name, comm, pid, ouid]);
      }),
      params(1000),
    );
  });
});

describe("the record's shape", () => {
  it("has every field, in one order: the stamp and log fields, then VALUE_FIELDS", () => {
    expect(Object.keys(record(LINE))).toEqual(["event", "origin", "timestamp", "serial", "logTime", "host", ...VALUE_FIELDS]);
  });

  it("puts each key's value in its field, and in no other", () => {
    for (const [key, spec] of KEYS) {
      if (spec.field.startsWith("@")) continue;
      const r = record(`[ 1.000001] audit: type=1400 audit(1.5:2): apparmor="DENIED" ${key}="7"`) as unknown as Record<string, unknown>;
      const expected: Record<string, unknown> = { [spec.field]: spec.kind === "number" ? 7 : "7" };
      if (key === "capname") expected.name = "7"; // a capability's name is the record's name too
      if (key === "exe") expected.comm = "7"; // and an exe= without a comm= is the command
      const set = Object.fromEntries(VALUE_FIELDS.filter((f) => r[f] !== undefined).map((f) => [f, r[f]]));
      expect(set, key).toEqual(expected);
    }
  });
});

describe("malformed prefixes", () => {
  const fields = 'apparmor="DENIED" operation="open" profile="p" name="/x" pid=1 comm="c"';
  it.each([
    ["an RFC 5424 header without a time", `<4>1 yesterday host kernel - - - audit: type=1400 audit(1.2:3): ${fields}`],
    ["RFC 5424 structured data left open", `<4>1 2024-12-07T00:02:03Z host kernel - - [meta x="1" ${fields}`],
    ["a log time without a tag", `Dec  7 01:02:03 host kernel ${fields}`],
    ["an audit stamp without a serial", `type=AVC msg=audit(1733533323.417): ${fields}`],
  ])("%s", (_, line) => {
    expectMalformed(line);
  });
});
