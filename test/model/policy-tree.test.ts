/**
 * The library keeps a compilation inside its policy tree (CompileInput.root, by default the deepest
 * folder holding every entry) without touching the disk: an include whose path climbs above the tree,
 * or is absolute, is refused (MOAT222) before readFile is called, and a file the host refuses (a link
 * out of the tree, a folder, a device) is MOAT222 with nothing of it read. A file that does not read as
 * policy at all keeps its text for positions only (Source.hideText): no frame, no quoted token.
 */
import { describe, expect, it } from "vitest";
import type { ReadResult } from "../../src/api.js";
import { renderDiagnosticsText } from "../../src/diagnostics/render-text.js";
import { compile } from "../../src/index.js";
import { describe as describeDiagnostic } from "../support/memory.js";

const MARKER = "MOAT-SECRET-MARKER-5b0d";
const VM = 'tenant acme {\n  vm web01 {\n    uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n    volume "/var/lib/libvirt/images/acme/web01.qcow2" rw\n  }\n}\n';

/** Compiles in-memory files, recording every path readFile is asked for; any path may be "readable". */
function compileRecording(files: Readonly<Record<string, string>>, entries: readonly string[], options: { root?: string; read?: (path: string) => ReadResult | undefined } = {}) {
  const asked: string[] = [];
  const result = compile({
    entries,
    ...(options.root === undefined ? {} : { root: options.root }),
    readFile: (path) => {
      asked.push(path);
      const special = options.read?.(path);
      if (special !== undefined) return special;
      return Object.hasOwn(files, path) ? { text: files[path]! } : { error: "no such file" };
    },
  });
  const located = result.diagnostics.map((d) => describeDiagnostic(d, result.sources));
  const text = renderDiagnosticsText(result.diagnostics, { sources: result.sources, displayPath: (f) => f });
  return { result, asked, located, text };
}

describe("an include stays inside the policy tree (library)", () => {
  it("refuses an include that climbs above the tree, without calling readFile for it", () => {
    // The "secret" is readable to the callback: only the library's own check can keep it out.
    const r = compileRecording({ "/ci/repo/p/main.iso": 'include "../../../../proc/self/environ"\ninclude "../x.iso"\n', "/proc/self/environ": MARKER, "/ci/repo/x.iso": MARKER }, ["/ci/repo/p/main.iso"]);
    expect(r.located).toEqual(["MOAT222@/ci/repo/p/main.iso:1:9", "MOAT222@/ci/repo/p/main.iso:2:9"]);
    expect(r.asked).toEqual(["/ci/repo/p/main.iso"]);
    expect(r.result.diagnostics[0]!.message).toBe(
      'included file "../../../../proc/self/environ" is outside the policy tree: includes stay inside the folder moat compiles; move the file into the policy folder and include it from there, or compile from a folder that holds it',
    );
    expect(r.text).not.toContain(MARKER);
    expect(r.result.outputs).toEqual([]);
  });

  it("refuses an absolute include, without calling readFile (it is not read relative to the folder either)", () => {
    const r = compileRecording({ "/p/main.iso": 'include "/etc/passwd"\n', "/etc/passwd": MARKER, "/p/etc/passwd": MARKER }, ["/p/main.iso"]);
    expect(r.located).toEqual(["MOAT222@/p/main.iso:1:9"]);
    expect(r.asked).toEqual(["/p/main.iso"]);
    expect(r.result.diagnostics[0]!.message).toContain('included file "/etc/passwd" is an absolute path');
    expect(r.text).not.toContain(MARKER);
  });

  it("is fixed by the entries (or the caller's root), never widened by what the files include", () => {
    // Default: the deepest folder holding every entry, /p here. An include may go up and down inside it.
    const files = { "/p/a/main.iso": 'include "../b/lets.iso"\ninclude "../../q/x.iso"\n', "/p/b/n.iso": VM, "/p/b/lets.iso": 'let x = "/srv/x"\n', "/q/x.iso": MARKER };
    const byDefault = compileRecording(files, ["/p/a/main.iso", "/p/b/n.iso"]);
    expect(byDefault.located).toEqual(["MOAT222@/p/a/main.iso:2:9"]);
    expect(byDefault.asked.sort()).toEqual(["/p/a/main.iso", "/p/b/lets.iso", "/p/b/n.iso"]);
    // One entry alone: its folder is the tree, and ../b is already outside it.
    const alone = compileRecording(files, ["/p/a/main.iso"]);
    expect(alone.located).toEqual(["MOAT222@/p/a/main.iso:1:9", "MOAT222@/p/a/main.iso:2:9"]);
    expect(alone.asked).toEqual(["/p/a/main.iso"]);
    // The caller's root (the CLI passes the folder the operator named) admits ../b, still not /q.
    const rooted = compileRecording(files, ["/p/a/main.iso"], { root: "/p" });
    expect(rooted.located).toEqual(["MOAT222@/p/a/main.iso:2:9"]);
    expect(rooted.asked).toEqual(["/p/a/main.iso", "/p/b/lets.iso"]);
  });

  it("refuses an entry outside the caller's root, at the file, without reading it", () => {
    const r = compileRecording({ "/p/main.iso": VM, "/etc/shadow": MARKER }, ["/p/main.iso", "/etc/shadow"], { root: "/p" });
    expect(r.located).toEqual(["MOAT222@/etc/shadow"]);
    expect(r.asked).toEqual(["/p/main.iso"]);
    expect(r.result.diagnostics[0]!.message).toBe("this file is outside the policy tree moat was given; compile from a folder that holds it");
    expect(r.text).toContain("/etc/shadow: error MOAT222: ");
  });

  it("keeps relative paths (the in-memory scheme) inside '.' too", () => {
    const r = compileRecording({ "main.iso": 'include "../x.iso"\ninclude "a/../../y.iso"\ninclude "t/a.iso"\n', "t/a.iso": VM, "../x.iso": MARKER, "../y.iso": MARKER }, ["main.iso"]);
    expect(r.located).toEqual(["MOAT222@main.iso:1:9", "MOAT222@main.iso:2:9"]);
    expect(r.asked).toEqual(["main.iso", "t/a.iso"]);
  });

  it("reports a file the host refuses as MOAT222 naming what it is, and reads none of it", () => {
    const refused: Record<string, ReadResult> = { "/p/link.iso": { refused: "outside" }, "/p/entry.iso": { refused: "outside" }, "/p/sub": { refused: "folder" }, "/p/fifo.iso": { refused: "special" } };
    const r = compileRecording({ "/p/main.iso": 'include "link.iso"\ninclude "sub"\ninclude "fifo.iso"\n' }, ["/p/main.iso", "/p/entry.iso"], { read: (p) => refused[p] });
    expect(r.result.diagnostics.map((d) => `${describeDiagnostic(d, r.result.sources)} ${d.message}`)).toEqual([
      "MOAT222@/p/entry.iso this file leads outside the policy tree through a link: moat reads nothing outside the folder it compiles; move the file into the policy folder, or compile from a folder that holds it",
      'MOAT222@/p/main.iso:1:9 included file "link.iso" leads outside the policy tree through a link: moat reads nothing outside the folder it compiles; move the file into the policy folder and include it from there, or compile from a folder that holds it',
      'MOAT222@/p/main.iso:2:9 included file "sub" is a folder, not a regular file: include a policy file',
      'MOAT222@/p/main.iso:3:9 included file "fifo.iso" is a device, pipe or socket, not a regular file: include a policy file',
    ]);
    expect(r.result.sources.map((s) => s.path)).toEqual(["/p/main.iso"]);
  });

  it("names sources in outputs relative to the folder holding them, not to the policy tree", () => {
    const r = compileRecording({ "/p/hosts/main.iso": `policy h\ninclude "t/acme.iso"\n`, "/p/hosts/t/acme.iso": VM }, ["/p/hosts/main.iso"], { root: "/p" });
    expect(r.located).toEqual([]);
    expect(r.result.model!.root).toBe("/p/hosts");
    const manifest = JSON.parse(r.result.outputs.find((o) => o.path === "moat-manifest.json")!.content) as { inputs: { path: string }[] };
    expect(manifest.inputs.map((i) => i.path)).toEqual(["main.iso", "t/acme.iso"]);
  });
});

describe("a file that does not read as policy is never shown (library)", () => {
  const render = (files: Record<string, string>, entries: string[]) => compileRecording(files, entries).text;

  it("text that is not policy: position and message, no frame, no quoted name or string", () => {
    for (const secret of [`AWS_SECRET_ACCESS_KEY=${MARKER}`, `${MARKER}`, `"${MARKER}"`, `root:x:0:0:${MARKER}:/root:/bin/bash`, `\u0000${MARKER}`, `[core]\n\t${MARKER}`]) {
      const r = compileRecording({ "/p/main.iso": 'policy p\ninclude "creds.env"\n', "/p/creds.env": secret }, ["/p/main.iso"]);
      expect(r.result.diagnostics.map((d) => d.code)).toHaveLength(1);
      expect(r.text, secret).toMatch(/^\/p\/creds\.env:1:\d+: error MOAT1\d\d: /);
      expect(r.text, secret).not.toContain(MARKER);
      expect(r.text.split("\n").filter((l) => /^\s*\d+ \|/.test(l)), secret).toEqual([]);
      expect(r.result.sources.find((s) => s.path === "/p/creds.env")?.hideText).toBe(true);
    }
  });

  it("a JSON file that is not policy (no policy key first): no frame, nothing of its values", () => {
    const text = render({ "/p/key.iso.json": `{\n  "type": "service_account",\n  "private_key": "${MARKER}"\n}\n` }, ["/p/key.iso.json"]);
    expect(text).toContain("/p/key.iso.json:");
    expect(text).not.toContain(MARKER);
    expect(text).not.toMatch(/^\s*\d+ \|/m);
  });

  it("a policy with a syntax error keeps its frame, and its message quotes the offending token", () => {
    const text = render({ "/p/main.iso": 'tenant acme {\n  vm web01 {\n    volume "/srv/x" rx\n  }\n}\n' }, ["/p/main.iso"]);
    expect(text).toContain("/p/main.iso:3:21: error MOAT102: expected an item (uuid, exec, lxc, volume, device, socket, read, run, capability, network, abstraction or mode) or '}' to close vm web01, found 'rx'");
    expect(text).toContain('3 |     volume "/srv/x" rx\n  |                     ^~');
    expect(text).toContain("2 |   vm web01 {");
    // One line, and an error right after the first token: still policy.
    expect(render({ "/p/one.iso": "policy p }\n" }, ["/p/one.iso"])).toContain("1 | policy p }");
    // A stray byte further down a real policy is shown where it is.
    expect(render({ "/p/l.iso": 'policy p\nprotect "/srv/caf\ufffd"\n' }, ["/p/l.iso"])).toContain('2 | protect "/srv/caf\ufffd"');
  });

  it("a JSON policy with a schema error keeps its frame", () => {
    const text = render({ "/p/p.iso.json": '{\n  "policy": "p",\n  "tenants": [ { "name": "acme", "workloads": 3 } ]\n}\n' }, ["/p/p.iso.json"]);
    expect(text).toContain("/p/p.iso.json:3:");
    expect(text).toContain('3 |   "tenants": [ { "name": "acme", "workloads": 3 } ]');
  });
});
