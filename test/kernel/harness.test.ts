/**
 * The harness's own parts that need no kernel: the plan the guest carries out, the parsing of its
 * console, the test paths derived from globs, the audit records and the fixtures' selection.
 */
import { describe, expect, it } from "vitest";
import { parseRecord, selectForFixture, shapeOf, stable } from "./audit-records.js";
import { mismatches, parseConsole, planText, type Check } from "./harness.js";
import { witnessPath } from "./policy-checks.js";

const hex = (s: string): string => Buffer.from(s).toString("hex");

const CHECKS: Check[] = [
  { id: "a", op: "read", path: "/srv/a", profile: "p1", expect: "allow" },
  { id: "b", op: "write", path: "/dev/x", profile: "p1", expect: "deny" },
  { id: "c", op: "label", exec: "/opt/s/bin/s", expect: "moat.t.s (enforce)" },
  { id: "d", op: "lock", path: "/srv/a", exec: "/opt/s/bin/s", expect: "allow" },
];

describe("the kernel suite's harness", () => {
  it("plans files, exec copies and one group per profile and exec path", () => {
    const plan = planText({ checks: CHECKS }).trim().split("\n");
    expect(plan).toEqual([
      `F\t${hex("/srv/a")}`,
      `C\t${hex("/dev/x")}\t1\t3`,
      `X\t${hex("/opt/s/bin/s")}`,
      `G\tp1\t${hex("/bin/moat-probe")}`,
      `K\t0\tread\t${hex("/srv/a")}`,
      `K\t1\twrite\t${hex("/dev/x")}`,
      "E",
      `G\t-\t${hex("/opt/s/bin/s")}`,
      `K\t2\tlabel\t${hex("/")}`,
      `K\t3\tlock\t${hex("/srv/a")}`,
      "E",
    ]);
  });

  it("numbers a later stage's checks after the earlier stages', and hands mount and socket operands to the probe", () => {
    const later: Check[] = [
      { id: "m", op: "mount", path: "/mnt/pts", mount: { source: "devpts", fstype: "devpts" }, profile: "p2", expect: "deny" },
      { id: "s", op: "socket", socket: { family: "inet", type: "raw" }, profile: "p2", expect: "allow" },
      { id: "g", op: "read", path: "/dev/dm-0", profile: "p2", expect: "allow" },
    ];
    const plan = planText({ checks: later, files: [{ path: "/dev/dm-0", kind: "given" }] }, 4).trim().split("\n");
    expect(plan).toEqual([
      `D\t${hex("/mnt/pts")}`,
      `G\tp2\t${hex("/bin/moat-probe")}`,
      `K\t4\tmount\t${hex("/mnt/pts\ndevpts\ndevpts")}`,
      `K\t5\tsocket\t${hex("inet\nraw")}`,
      `K\t6\tread\t${hex("/dev/dm-0")}`,
      "E",
    ]);
    // Groups are numbered from 0 again in each stage: labels are told apart by the stage.
    const console = [
      "MOAT-GUEST 6.1.0-50-amd64 Y",
      "MOAT-STAGE 0",
      `MOAT-GROUP 0 ${hex("p1 (enforce)")}`,
      "MOAT-RESULT 0 deny open",
      "MOAT-STAGE 1",
      "MOAT-SETUP-EXIT 3",
      `MOAT-GROUP 0 ${hex("p2 (enforce)")}`,
      "MOAT-RESULT 1 allow label",
      "MOAT-DONE 4.0",
    ].join("\n");
    const parsed = parseConsole(
      { profiles: [], checks: [{ id: "r", op: "read", path: "/a", profile: "p1", expect: "deny" }], then: [{ checks: [{ id: "l", op: "label", profile: "p2", expect: "p2 (enforce)" }] }] },
      console,
    );
    expect(parsed.results.map((r) => [r.id, r.observed])).toEqual([
      ["r", "deny"],
      ["l", "p2 (enforce)"],
    ]);
    expect(parsed.setup.exit).toBe(3);
    expect(parsed.problems).toEqual(["the setup lines of stage 1 exited with 3"]);
  });

  it("reads results, labels and records from the console, firmware noise and all", () => {
    const console = [
      "Booting from ROM..\x1bc\x1b[?7lMOAT-GUEST 6.1.0-50-amd64 Y",
      "MOAT-PARSER-EXIT 0",
      "MOAT-LOADED moat.t.s (enforce)",
      "MOAT-LOADED p1 (complain)",
      `MOAT-GROUP 0 ${hex("p1 (complain)")}`,
      "MOAT-RESULT 0 allow open",
      "MOAT-RESULT 1 allow open",
      "MOAT-GROUP-END 0 0",
      `MOAT-GROUP 1 ${hex("moat.t.s (enforce)")}`,
      "MOAT-RESULT 2 allow label",
      "MOAT-GROUP-END 1 0",
      "MOAT-AUDIT-BEGIN 3.0",
      'audit: type=1400 audit(1796609180.713:4): apparmor="ALLOWED" operation="open" profile="p1" name="/dev/x" pid=93 comm="moat-probe" requested_mask="w" denied_mask="w" fsuid=0 ouid=0',
      "MOAT-AUDIT-END",
      "MOAT-DONE 4.0",
    ].join("\n");
    const parsed = parseConsole({ profiles: [], checks: CHECKS }, console);
    expect(parsed.kernel).toBe("6.1.0-50-amd64");
    expect(parsed.loaded).toEqual([
      { name: "moat.t.s", mode: "enforce" },
      { name: "p1", mode: "complain" },
    ]);
    expect(parsed.results.map((r) => [r.id, r.observed])).toEqual([
      ["a", "allow"],
      ["b", "allow"],
      ["c", "moat.t.s (enforce)"],
      ["d", "missing"],
    ]);
    expect(mismatches(parsed.results).map((r) => r.id)).toEqual(["b", "d"]);
    expect(parsed.audit).toHaveLength(1);
  });

  it("derives a file the kernel can present from each glob", () => {
    expect(witnessPath("/srv/a/{,**}")).toBe("/srv/a/x");
    expect(witnessPath("/dev/vg0/db-{data,wal}")).toBe("/dev/vg0/db-wal"); // the shortest
    expect(witnessPath("/dev/flt-x-disk[0-9]")).toBe("/dev/flt-x-disk0");
    expect(witnessPath("/var/log/libvirt/**/web.log")).toBe("/var/log/libvirt/x/web.log");
  });

  it("parses records, their shapes, and selects the same fixture lines from any run", () => {
    const line = (serial: number, pid: number, name: string, mask: string): string =>
      `audit: type=1400 audit(17966091${serial}.713:${serial}): apparmor="DENIED" operation="open" profile="p" name=${name} pid=${pid} comm="moat-probe" requested_mask="${mask}" denied_mask="${mask}" fsuid=0 ouid=0`;
    const r = parseRecord(line(1, 9, `2F7372762F6120622F63`, "r"))!;
    expect(r.fields.get("name")).toBe("/srv/a b/c");
    expect(shapeOf(r)).toBe("apparmor=DENIED operation=open profile name pid comm requested_mask=r denied_mask=r fsuid ouid");
    const one = [line(1, 9, '"/b"', "r"), line(2, 9, '"/a"', "r"), line(3, 9, '"/c"', "r"), line(4, 9, '"/a"', "w")];
    const two = [line(7, 12, '"/c"', "r"), line(5, 12, '"/a"', "w"), line(6, 12, '"/a"', "r"), line(8, 12, '"/b"', "r")];
    expect(selectForFixture(one).map(stable)).toEqual(selectForFixture(two).map(stable));
    expect(selectForFixture(one, 2).map((l) => parseRecord(l)!.fields.get("name"))).toEqual(["/a", "/b", "/a"]);
  });
});
