/**
 * The output folder is committed to git, so a pull request can add a `.moat-tmp-*` working folder with a
 * journal of its own making. The next `moat compile` recovers working folders it finds; it must never be
 * led by one to delete, move or overwrite anything outside the output folder: a journal naming a path
 * moat cannot have written is refused whole (MOAT404, exit 2, the folder left as it is), and no journal
 * path is followed through a link. Every folder these tests make is removed after each test.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeOutputs } from "../../src/cli/outputs/write-outputs.js";
import { snapshot, withManifest, writeTree } from "./helpers.js";

const display = (p: string): string => p;
const v1 = withManifest({ "apparmor.d/libvirt-a": "profile a\n", "libvirt/t.a.seclabel.xml": "<seclabel/>\n" });
const WORK = ".moat-tmp-4206649-0a1b2c3d";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A compiled output folder `<tmp>/repo/generated`, and `<tmp>/outside` with files that must survive. */
function setUp(): { out: string; outside: string } {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "moat-journal-")));
  made.push(tmp);
  const out = path.join(tmp, "repo", "generated");
  expect(writeOutputs(out, v1, { display }).exitCode).toBe(0);
  const outside = path.join(tmp, "outside");
  writeTree(outside, { victim: "precious\n", "sub/.keep": "" });
  fs.rmSync(path.join(outside, "sub/.keep"));
  return { out, outside };
}

const plant = (out: string, journal: unknown, extra: Record<string, string> = {}): void =>
  writeTree(path.join(out, WORK), { "journal.json": JSON.stringify(journal), ...extra });

describe("a forged working folder in the output folder", () => {
  it("a journal naming a path outside the folder is refused whole: nothing outside or inside is touched", () => {
    for (const bad of ["../../outside/victim", "/etc/passwd", ".moat.lock", "a/../../x"]) {
      const { out, outside } = setUp();
      plant(out, { changes: [{ op: "create", path: bad }], createdDirs: [] });
      const before = snapshot(out);
      const report = writeOutputs(out, v1, { display });
      expect(report.exitCode, bad).toBe(2);
      expect(report.diagnostics.map((d) => d.code)).toEqual(["MOAT404"]);
      expect(report.diagnostics[0]!.message).toBe(
        `cannot recover ${out} from an interrupted compile: working folder ${WORK} holds a journal moat did not write (it names the path ${JSON.stringify(bad)}, which moat never writes); moat will not act on it: move that folder out of the output folder`,
      );
      expect(fs.readFileSync(path.join(outside, "victim"), "utf8")).toBe("precious\n");
      expect(snapshot(out)).toEqual(before);
    }
  });

  it("so is one with an unsafe folder to remove or a change moat does not make", () => {
    const { out, outside } = setUp();
    plant(out, { changes: [], createdDirs: ["../../outside/sub"] });
    expect(writeOutputs(out, v1, { display }).exitCode).toBe(2);
    expect(fs.existsSync(path.join(outside, "sub"))).toBe(true);
    fs.rmSync(path.join(out, WORK), { recursive: true });
    plant(out, { changes: [{ op: "chmod", path: "apparmor.d/libvirt-a" }], createdDirs: [] });
    const report = writeOutputs(out, v1, { display });
    expect(report.exitCode).toBe(2);
    expect(report.diagnostics[0]!.message).toContain("it names an entry that is no change moat makes");
  });

  it("a journal path through a link planted in the folder is not followed: the file outside keeps its content", () => {
    const { out, outside } = setUp();
    fs.symlinkSync(outside, path.join(out, "evil"));
    // "Put back" a backup over evil/victim, that is over outside/victim through the link.
    plant(out, { changes: [{ op: "delete", path: "evil/victim" }], createdDirs: [] }, { "old/0": "profile evil /** rwk,\n" });
    const report = writeOutputs(out, v1, { display });
    expect(report.exitCode).toBe(2);
    expect(report.diagnostics[0]!.message).toContain('the journal\'s path "evil/victim" leads through a link or a file');
    expect(fs.readFileSync(path.join(outside, "victim"), "utf8")).toBe("precious\n");
    // nor is a created file removed through it
    fs.rmSync(path.join(out, WORK), { recursive: true });
    plant(out, { changes: [{ op: "create", path: "evil/victim" }], createdDirs: [] });
    expect(writeOutputs(out, v1, { display }).exitCode).toBe(2);
    expect(fs.readFileSync(path.join(outside, "victim"), "utf8")).toBe("precious\n");
  });

  it("folders named by a journal are removed only inside the folder, never through a link", () => {
    const { out, outside } = setUp();
    fs.symlinkSync(outside, path.join(out, "evil"));
    plant(out, { changes: [], createdDirs: ["evil/sub"] });
    expect(writeOutputs(out, v1, { display }).exitCode).toBe(0); // a rollback of nothing; the working folder goes
    expect(fs.existsSync(path.join(outside, "sub"))).toBe(true);
    // A committed journal's deletions prune empty parents: not through the link either.
    plant(out, { changes: [{ op: "delete", path: "evil/sub/x" }], createdDirs: [] }, { COMMITTED: "" });
    expect(writeOutputs(out, v1, { display }).exitCode).toBe(0);
    expect(fs.existsSync(path.join(outside, "sub"))).toBe(true);
    expect(fs.existsSync(path.join(out, WORK))).toBe(false);
  });
});
