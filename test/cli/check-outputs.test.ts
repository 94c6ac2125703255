import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compareOutputs } from "../../src/cli/check-outputs.js";
import { nodeOutputFs } from "../../src/cli/outputs/fs-layer.js";
import { writeOutputs } from "../../src/cli/outputs/write-outputs.js";
import { snapshot, tempDir, withManifest, writeTree } from "./helpers.js";

const display = (p: string): string => p;
const show = (rel: string): string => `generated/${rel}`;
const v1 = withManifest({ "apparmor.d/libvirt-a": "profile a {\n  /x rw,\n}\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n" });

function folder(): string {
  const out = path.join(tempDir(), "generated");
  expect(writeOutputs(out, v1, { display }).exitCode).toBe(0);
  return out;
}

describe("compareOutputs", () => {
  it("finds nothing when the folder is what compile writes, ignoring files moat does not own", () => {
    const out = folder();
    writeTree(out, { "README.md": "ours\n", "apparmor.d/local-tweak": "x\n" });
    expect(compareOutputs(out, v1, nodeOutputFs, show)).toEqual([]);
  });

  it("reports a missing file, a different one with a diff, and a stale one, in path order", () => {
    const out = folder();
    fs.rmSync(path.join(out, "libvirt/t.a.seclabel.xml"));
    fs.writeFileSync(path.join(out, "apparmor.d/libvirt-a"), "profile a {\n  /y rw,\n}\n");
    const v2 = withManifest({ "apparmor.d/libvirt-a": "profile a {\n  /x rw,\n}\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n", "libvirt/new.xml": "<n/>\n" });
    const before = snapshot(out);
    // v1 listed libvirt/t.a…; v2b no longer produces apparmor.d/libvirt-a
    const v2b = v2.filter((o) => o.path !== "apparmor.d/libvirt-a");
    const findings = compareOutputs(out, v2b, nodeOutputFs, show);
    expect(findings.map((f) => [f.path, f.state])).toEqual([
      ["libvirt/new.xml", "missing"],
      ["libvirt/t.a.seclabel.xml", "missing"],
      ["moat-manifest.json", "different"],
      ["apparmor.d/libvirt-a", "stale"],
    ]);
    const withDiff = compareOutputs(out, v2, nodeOutputFs, show).find((f) => f.path === "apparmor.d/libvirt-a");
    expect(withDiff?.diff).toBe(
      [
        "--- generated/apparmor.d/libvirt-a (in the folder)",
        "+++ generated/apparmor.d/libvirt-a (from compile)",
        "@@ -1,3 +1,3 @@",
        " profile a {",
        "-  /y rw,",
        "+  /x rw,",
        " }",
        "",
      ].join("\n"),
    );
    expect(snapshot(out)).toEqual(before); // check reads only
  });

  it("reports an output that is a folder as different, without reading into it", () => {
    const out = folder();
    fs.rmSync(path.join(out, "libvirt/t.a.seclabel.xml"));
    fs.mkdirSync(path.join(out, "libvirt/t.a.seclabel.xml"));
    const [finding] = compareOutputs(out, v1, nodeOutputFs, show);
    expect(finding).toEqual({ path: "libvirt/t.a.seclabel.xml", state: "different", diff: "generated/libvirt/t.a.seclabel.xml is a folder, not a file\n" });
  });

  it("reports everything missing for a folder that does not exist", () => {
    const findings = compareOutputs(path.join(tempDir(), "nothing"), v1, nodeOutputFs, show);
    expect(findings.map((f) => f.state)).toEqual(["missing", "missing", "missing"]);
  });
});
