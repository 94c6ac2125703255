/**
 * `moat install` plans its changes again once it holds the lock: a file another moat (or anyone) put
 * in /etc/apparmor.d between this run's first look and the lock is seen, not overwritten unseen.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { wrappedFs } from "../cli/helpers.js";
import { cleanUp, compileInto, fakeParser, run, stage, temp } from "./host-tree.js";

afterEach(cleanUp);

const UUID = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
const POLICY = `tenant acme {\n  vm web01 {\n    uuid "${UUID}"\n    volume "/srv/acme/web01.img" rw\n  }\n}\n`;

it("a file that appears in /etc/apparmor.d before the lock is taken is refused (MOAT401) and left as it is", async () => {
  const dir = temp();
  await compileInto(dir, { "main.iso": POLICY });
  const root = temp("moat-root-");
  stage(root, { "/srv/acme/web01.img": "" });
  const target = path.join(root, "etc", "apparmor.d", `libvirt-${UUID}`);
  let planted = false;
  // Just before the lock is linked into place: the first plan saw no file there.
  const outputFs = wrappedFs((op, args, real) => {
    if (op === "link" && !planted && String(args[1]).endsWith("/.moat.lock")) {
      planted = true;
      fs.writeFileSync(target, "# another program's profile\n");
    }
    return real(args);
  });
  const parser = fakeParser(dir);
  const r = await run(dir, ["install", "--root", root], { MOAT_APPARMOR_PARSER: parser.program }, { outputFs });
  expect(planted).toBe(true);
  expect(r.code).toBe(1);
  expect(r.err).toContain("error MOAT401: ");
  expect(fs.readFileSync(target, "utf8")).toBe("# another program's profile\n");
  expect(parser.calls()).toEqual([]);
  expect(fs.existsSync(path.join(root, "var", "lib", "moat", "installed.json"))).toBe(false);
});
