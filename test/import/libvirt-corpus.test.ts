/**
 * Drop-in coverage of virt-aa-helper, measured on libvirt's own test domains (tests/qemuxml2argvdata of
 * libvirt 9.0.0, Debian 12's source package): each domain is imported with `moat import`, compiled, and
 * every rule libvirt's virt-aa-helper writes for the same XML (a dry run, `-d -r -u libvirt-UUID`) is
 * checked against moat's profile with the glob engine (helper-rules.ts). A domain is covered when every
 * one of its helper rules is. The figure (covered / domains the helper accepts) may not go below
 * COVERAGE_FLOOR, and every domain that is not covered must fall in a class docs/libvirt-coverage.md
 * explains (GAPS below): a new kind of gap fails the test until it is explained or closed.
 *
 * The domains are LGPL test data, not in this repository: `.ci/setup-corpora.sh libvirt` unpacks them
 * into .cache/corpora/ the first time this test runs (MOAT_LIBVIRT_CORPUS=DIR takes another copy). The
 * helper is unpacked by .ci/setup-validators.sh. Without either, the test is skipped with a warning; it
 * fails instead under MOAT_REQUIRE_VALIDATORS=1 (unless the mirror lists libvirt's source and does not
 * serve it, a fact of the network), and always under MOAT_REQUIRE_CORPORA=1.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { DOMParser } from "@xmldom/xmldom";
import { describe, expect, it } from "vitest";
import { importDomains } from "../../src/import/index.js";
import { repositoryRoot } from "../support/repository.js";
import { compileTexts } from "../support/memory.js";
import { missingReason, virtAaHelperPaths } from "../support/validators.js";
import { abstractionFileRules, helperFileRules, missingPermissions, moatFileRules, type FileRule } from "./helper-rules.js";

const REPO = repositoryRoot();
const REQUIRED = process.env.MOAT_REQUIRE_VALIDATORS === "1";
const REQUIRE_CORPORA = process.env.MOAT_REQUIRE_CORPORA === "1";
const OVERRIDE = process.env.MOAT_LIBVIRT_CORPUS;
const CACHED = join(REPO, ".cache", "corpora", "libvirt-qemuxml2argvdata");
/** The helper's answers, by the sha256 of the domain XML: it takes ~80 ms a run, most of it loading libvirt. */
const HELPER_CACHE = join(REPO, ".cache", "corpora", "libvirt-qemuxml2argvdata.helper.json");
const ABSTRACTION = join(REPO, ".cache", "validators", "libvirt-daemon-system", "etc", "apparmor.d", "abstractions", "libvirt-qemu");

/** Domains fully covered, out of those the helper accepts: the figure docs/libvirt-coverage.md reports. */
export const COVERAGE_FLOOR = 952;

/**
 * Why a domain is not covered, by the first thing that is missing. `helper` matches a helper rule's
 * path; `compile` and `import` a diagnostic code of the imported policy. Each class is a section of
 * docs/libvirt-coverage.md.
 */
interface Gap {
  readonly id: string;
  readonly helper?: RegExp;
  readonly code?: string;
}
const GAPS: readonly Gap[] = [
  // Refused on purpose: every IOMMU group of the host; moat's pci item grants the device's own group.
  { id: "vfio-every-group", helper: /^\/dev\/vfio\/\[0-9\]\*$/ },
  // Refused on purpose: writes to a PCI device's sysfs files (s390x zPCI).
  { id: "zpci-sysfs-writes", helper: /^\/sys\/devices\// },
  // Not expressible: the GPU driver's libraries (mmap, `m`) and configuration for OpenGL.
  { id: "opengl-driver-files", helper: /\/dri\/|nvidia|drirc|glvnd|egl/ },
  // No item yet: swtpm's pid file and socket, named with the domain's id.
  { id: "swtpm-run-files", helper: /^\/run\/libvirt\/qemu\/swtpm\// },
  // Refused on purpose: a disk or file under a protected path (/root/**).
  { id: "protected-path", code: "MOAT304" },
];

interface Outcome {
  readonly file: string;
  /** undefined: the helper refused the domain (or it has no uuid to run it with). */
  readonly covered?: boolean;
  readonly gap?: string;
  readonly detail?: string;
}

function corpusDir(): { dir: string } | { missing: string; unserved: boolean } {
  if (OVERRIDE !== undefined) {
    return existsSync(OVERRIDE) ? { dir: OVERRIDE } : { missing: `MOAT_LIBVIRT_CORPUS=${OVERRIDE} does not exist`, unserved: false };
  }
  if (!existsSync(join(CACHED, "SOURCE"))) {
    const setup = spawnSync("sh", [join(REPO, ".ci", "setup-corpora.sh"), "libvirt"], { encoding: "utf8", timeout: 600_000 });
    if (!existsSync(join(CACHED, "SOURCE"))) {
      const why = `${setup.error?.message ?? ""}${setup.stderr ?? ""}`.trim().split("\n").slice(-3).join(" / ");
      return { missing: `.ci/setup-corpora.sh libvirt could not fetch libvirt's test domains (${why || `exit ${setup.status}`})`, unserved: setup.status === 3 };
    }
  }
  return { dir: CACHED };
}

type HelperCache = { readonly helper: string; readonly outputs: Record<string, string | null> };

/** The cache of helper outputs, valid for this helper binary only. */
function loadHelperCache(): HelperCache {
  const paths = virtAaHelperPaths()!;
  const st = statSync(paths.helper);
  const helper = `${st.size}:${st.mtimeMs}`;
  try {
    const cached = JSON.parse(readFileSync(HELPER_CACHE, "utf8")) as HelperCache;
    if (cached.helper === helper) return cached;
  } catch {
    // none yet, or unreadable: start afresh
  }
  return { helper, outputs: {} };
}

function saveHelperCache(cache: HelperCache): void {
  const temp = `${HELPER_CACHE}.${process.pid}`;
  writeFileSync(temp, JSON.stringify(cache));
  renameSync(temp, HELPER_CACHE);
}

/** virt-aa-helper's dry run on one domain (or its cached answer): its output, or undefined when it refuses the domain. */
async function helperOutput(cache: HelperCache, xml: string, uuid: string): Promise<string | undefined> {
  const key = createHash("sha256").update(uuid).update("\0").update(xml).digest("hex");
  if (!(key in cache.outputs)) cache.outputs[key] = (await runHelper(xml, uuid)) ?? null;
  return cache.outputs[key] ?? undefined;
}

function runHelper(xml: string, uuid: string): Promise<string | undefined> {
  const paths = virtAaHelperPaths()!;
  return new Promise((resolve, reject) => {
    const child = spawn(paths.helper, ["-d", "-r", "-u", `libvirt-${uuid}`], { env: { ...process.env, LD_LIBRARY_PATH: paths.libs } });
    let output = "";
    child.stdout.setEncoding("latin1").on("data", (s: string) => (output += s));
    child.stderr.setEncoding("latin1").on("data", (s: string) => (output += s));
    child.on("error", reject);
    child.on("close", (status) => resolve(status === 0 ? output : undefined));
    child.stdin.on("error", () => undefined); // the helper may exit before reading all of a refused domain
    child.stdin.end(xml);
  });
}

async function inPool<T, R>(items: readonly T[], width: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

function uuidOf(xml: string): string | undefined {
  try {
    const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, "text/xml");
    const uuid = doc.documentElement?.getElementsByTagName("uuid").item(0)?.textContent?.trim();
    return uuid === undefined || uuid === "" ? undefined : uuid;
  } catch {
    return undefined;
  }
}

function classify(kind: "helper" | "code", value: string): string {
  for (const gap of GAPS) {
    if (kind === "helper" && gap.helper?.test(value) === true) return gap.id;
    if (kind === "code" && gap.code === value) return gap.id;
  }
  return "unexplained";
}

async function judge(dir: string, file: string, abstraction: readonly FileRule[], cache: HelperCache): Promise<Outcome> {
  const xml = readFileSync(join(dir, file), "utf8");
  const uuid = uuidOf(xml);
  if (uuid === undefined) return { file };
  const output = await helperOutput(cache, xml, uuid);
  if (output === undefined) return { file };
  const imported = importDomains([{ path: file, text: xml }], { tenant: "corpus" });
  const refused = imported.diagnostics.find((d) => d.severity === "error");
  if (imported.text === undefined || refused !== undefined) {
    return { file, covered: false, gap: classify("code", refused?.code ?? "none"), detail: refused?.message ?? "not imported" };
  }
  const compiled = compileTexts({ "corpus.iso": imported.text });
  const error = compiled.diagnostics.find((d) => d.severity === "error");
  if (error !== undefined) return { file, covered: false, gap: classify("code", error.code), detail: `${error.code} ${error.message}` };
  const profile = compiled.outputs.find((o) => o.path === `apparmor.d/libvirt-${imported.domains[0]!.uuid}`);
  if (profile === undefined) return { file, covered: false, gap: "unexplained", detail: "no profile" };
  const rules = [...moatFileRules(profile.content), ...abstraction];
  for (const h of helperFileRules(output)) {
    if (h.deny) continue;
    const missing = missingPermissions(h, rules);
    if (missing.letters !== "") return { file, covered: false, gap: classify("helper", h.text), detail: `"${h.text}" ${h.perms}: ${missing.letters} not granted` };
  }
  return { file, covered: true };
}

const helperMissing = missingReason("virt-aa-helper");
const found = helperMissing === undefined ? corpusDir() : { missing: helperMissing, unserved: false };
const TITLE = "libvirt's test domains against virt-aa-helper";

if ("missing" in found) {
  if (REQUIRE_CORPORA || (REQUIRED && !found.unserved)) {
    describe(TITLE, () => {
      it("has the corpus and the helper it needs", () => {
        throw new Error(found.missing);
      });
    });
  } else {
    console.warn(`SKIPPED "${TITLE}": ${found.missing}`);
    describe.skip(TITLE, () => {
      it("needs the corpus and the helper", () => undefined);
    });
  }
} else {
  const dir = found.dir;
  describe(`${TITLE} (${readFileSync(join(dir, "SOURCE"), "utf8").trim()})`, () => {
    it(
      "covers every domain the helper accepts, or the gap is one the docs explain; never fewer than the floor",
      async () => {
        const files = readdirSync(dir).filter((f) => f.endsWith(".xml")).sort();
        const abstraction = abstractionFileRules(ABSTRACTION);
        const cache = loadHelperCache();
        const outcomes = await inPool(files, Math.max(8, cpus().length * 8), (f) => judge(dir, f, abstraction, cache));
        saveHelperCache(cache);
        const accepted = outcomes.filter((o) => o.covered !== undefined);
        const covered = accepted.filter((o) => o.covered === true);
        const byGap = new Map<string, Outcome[]>();
        for (const o of accepted) if (o.covered === false) byGap.set(o.gap!, [...(byGap.get(o.gap!) ?? []), o]);
        const report = [...byGap].map(([gap, list]) => `  ${gap}: ${list.length} (e.g. ${list[0]!.file}: ${list[0]!.detail})`).join("\n");
        console.log(`moat covers ${covered.length} of the ${accepted.length} domains virt-aa-helper accepts (of ${files.length}):\n${report}`);
        expect(byGap.get("unexplained")?.map((o) => `${o.file}: ${o.detail}`) ?? []).toEqual([]);
        expect(covered.length).toBeGreaterThanOrEqual(COVERAGE_FLOOR);
        // Each explained class still occurs: one that no longer does is closed, and leaves the docs.
        expect(GAPS.filter((g) => !byGap.has(g.id)).map((g) => g.id)).toEqual([]);
      },
      900_000,
    );
  });
}
