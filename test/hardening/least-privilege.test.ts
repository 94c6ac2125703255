/**
 * Least privilege, audited from the outputs: every emitted profile is read back, and
 * - each allow rule traces to one declared resource of that workload (by the source line its comment
 *   names, with the permissions docs/language.md gives that kind and access), or to libvirt's implied rules for
 *   that very domain; each declared resource yields exactly its rules; includes are exactly the kind's
 *   abstraction and the declared ones;
 * - no profile's allow rule matches a path another tenant is granted (sampled from that tenant's own
 *   rules, matched with the independent AppArmor oracle of test/glob), except read-only through a
 *   `shared … ro with` listing both tenants, and the host-shared devices nobody owns.
 * Run on the bundled examples, a generated fleet and generated hostile policies.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CompileResult } from "../../src/api.js";
import { HOST_SHARED_DEVICES } from "../../src/model/builtin.js";
import type { Model, Workload } from "../../src/model/types.js";
import { getLocation } from "../../src/source.js";
import { generateFleet } from "../../bench/generate-fleet.js";
import { oracleMatches } from "../glob/oracle.js";
import { compileTexts } from "../support/memory.js";
import { REPO } from "./support/build.js";
import { isoText, policySpec } from "./support/hostile-policy.js";
import { readRules, samples, type ReadRule } from "./support/profile-reader.js";

/** The mount rules of LXC's lxc-container-default-cgns, the only allow rules of a container's profile (moat adds deny mount rules). */
const CONTAINER_MOUNTS = ["deny fstype=devpts", "fstype=cgroup -> /sys/fs/cgroup/**", "fstype=cgroup2 -> /sys/fs/cgroup/**", "fstype=overlay"];

/** The permissions each kind and access is granted (docs/language.md, "Workload items"). */
function declaredPerms(kind: string, access: string, namespace: string, run?: string): string[] {
  if (kind === "read") return ["r"];
  if (kind === "run") return [run === "own" ? "Px" : "ix"];
  // docs/security.md, "Unix sockets": peers of a socket at the name are unbound; unbound sockets reach the name.
  if (namespace === "abstract") return ["bind, listen addr=NAME", "accept, send, receive addr=NAME peer=none", "connect, send, receive addr=none peer=NAME"];
  if (kind === "socket") return ["rw"];
  if (kind === "device") return [access === "ro" ? "r" : "rw"];
  return access === "ro" ? ["rk", "deny w"] : ["rwk"];
}

const profilePath = (w: Workload): string => (w.kind === "vm" ? `apparmor.d/libvirt-${w.uuid}` : `apparmor.d/moat.${w.tenant}.${w.name}`);

/** The comment a read or a run sits under: they own nothing, and never clash with each other. */
const readsOnly = (rule: ReadRule): boolean => rule.type === "file" && /^# (read|run) /.test(rule.comment);

function lineOf(result: CompileResult, file: string, offset: number): string {
  const source = result.sources.find((s) => s.path === file)!;
  return `${path.posix.basename(file)}:${getLocation(source, offset).line}`;
}

function audit(result: CompileResult): void {
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const model = result.model as Model;
  const outputs = new Map(result.outputs.map((o) => [o.path, o.content]));
  const owned: { tenant: string; rule: ReadRule }[] = [];
  const profiles: { tenant: string; rules: ReadRule[] }[] = [];
  for (const tenant of model.tenants) {
    for (const w of tenant.workloads) {
      const content = outputs.get(profilePath(w));
      expect(content, profilePath(w)).toBeDefined();
      const rules = readRules(content!);
      // A container's profile: LXC's mount rules and its denies, no allow rule of moat's for its storage.
      if (w.kind === "container") {
        // Allow rules: exactly LXC's; deny rules: LXC's devpts one first, then moat's (they only take away).
        expect(rules.filter((r) => r.type === "mount" && !r.deny).map((r) => r.glob), profilePath(w)).toEqual(CONTAINER_MOUNTS.filter((m) => !m.startsWith("deny ")));
        expect(rules.filter((r) => r.type === "mount" && r.deny).map((r) => `deny ${r.glob}`)[0], profilePath(w)).toBe(CONTAINER_MOUNTS[0]);
        expect(rules.filter((r) => r.type !== "mount" && !r.deny), profilePath(w)).toEqual([]);
        for (const x of rules.filter((r) => r.deny && r.type === "file")) expect(x.perms).toBe("rwlkmx");
        const includes = content!.split("\n").filter((l) => /^\s+include </.test(l)).map((l) => l.trim());
        expect(includes).toEqual(["include <abstractions/lxc/container-base>"]);
        continue;
      }
      // Capability and network rules: one per declared name, under a comment naming its line.
      const kernelRules = rules.filter((r) => r.type === "capability" || r.type === "network");
      const declaredKernel = [
        ...(w.capabilities ?? []).map((c) => `capability ${c.name} # capability (${lineOf(result, c.span.file, c.span.start)})`),
        ...(w.networks ?? []).map((n) => `network ${n.family}${n.type === undefined ? "" : ` ${n.type}`} # network (${lineOf(result, n.span.file, n.span.start)})`),
      ];
      const comment = (x: ReadRule): string => x.comment.replace(/\(([^()]*\/)?([^()/]+:\d+)\)$/, "($2)");
      expect(kernelRules.map((x) => `${x.type} ${x.glob} ${comment(x)}`).sort(), profilePath(w)).toEqual(declaredKernel.sort());
      const allow = rules.filter((r) => !r.deny && (r.type === "file" || r.type === "unix"));
      // Every declared resource: its rules, under a comment naming its line, nothing else there.
      const declared = w.resources.filter((r) => r.kind !== "implied");
      const traced = new Set<ReadRule>();
      for (const r of declared) {
        const where = lineOf(result, r.path.span.file, r.path.span.start);
        const mine = rules.filter((x) => (x.comment.endsWith(`(${where})`) || x.comment.endsWith(`/${where})`)) && x.comment.startsWith(`# ${r.kind === "socket" ? "socket" : r.kind}`));
        expect(mine.map((x) => (x.deny ? `deny ${x.perms}` : x.perms)), `${profilePath(w)}: ${r.path.text}`).toEqual(declaredPerms(r.kind, r.access, r.namespace, r.run));
        for (const x of mine) traced.add(x);
      }
      // The rest of the allow rules: libvirt's implied rules for this domain, and only for a vm.
      for (const x of allow.filter((a) => !traced.has(a))) {
        expect(w.kind, `${profilePath(w)}: untraced rule ${x.glob} ${x.perms}`).toBe("vm");
        expect(x.comment, `${profilePath(w)}: untraced rule ${x.glob}`).toMatch(new RegExp(`: implied by libvirt for domain ${w.name} \\(`));
        const implied = w.resources.filter((r) => r.kind === "implied" && r.perms === x.perms);
        expect(implied.length, `${profilePath(w)}: ${x.glob}`).toBeGreaterThan(0);
      }
      // Deny rules are the protected paths and ro volumes' write denies: they never grant.
      for (const x of rules.filter((r) => r.deny)) expect(["rwlkmx", "w"]).toContain(x.perms);
      const includes = content!.split("\n").filter((l) => /^\s+include </.test(l)).map((l) => l.trim());
      const base = w.kind === "vm" ? "include <abstractions/libvirt-qemu>" : "include <abstractions/base>";
      expect(includes.sort()).toEqual([base, ...w.abstractions.map((a) => `include <abstractions/${a.name}>`)].sort());
      for (const rule of allow) owned.push({ tenant: tenant.name, rule });
      profiles.push({ tenant: tenant.name, rules: allow });
    }
  }
  // No profile reaches what another tenant is granted.
  const hostShared = new Set<string>(HOST_SHARED_DEVICES);
  const readOnly = (perms: string): boolean => !/[wa]/.test(perms) && !perms.includes("bind");
  const violations: string[] = [];
  for (const { tenant, rule } of owned) {
    for (const sample of samples(rule.glob)) {
      if (rule.type === "file" && hostShared.has(sample)) continue;
      for (const p of profiles) {
        if (p.tenant === tenant) continue;
        for (const mine of p.rules) {
          if (mine.type !== rule.type || !oracleMatches(mine.glob, sample)) continue;
          // Reads (and runs) of host files nobody owns never clash with each other.
          if (readsOnly(mine) && readsOnly(rule)) continue;
          const shared = model.shared.some(
            (s) => oracleMatches(s.path.text.replace(/\\([^*?[\]{},\\])/g, "$1"), sample) && [tenant, p.tenant].every((t) => s.tenants.some((n) => n.name === t)),
          );
          if (shared && readOnly(mine.perms) && readOnly(rule.perms)) continue;
          violations.push(`${p.tenant} may ${mine.perms} ${JSON.stringify(sample)}, which ${tenant} is granted (${rule.glob})`);
        }
      }
    }
  }
  expect(violations, violations.join("\n")).toEqual([]);
}

function projectFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(REPO, rel), { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${rel}/${e.name}`);
      else if (e.name.endsWith(".iso")) files[`/${rel}/${e.name}`] = fs.readFileSync(path.join(REPO, rel, e.name), "utf8");
    }
  };
  walk(dir);
  return files;
}

describe("every allow rule traces to its workload's declaration; no tenant reaches another's", () => {
  for (const example of ["examples/compute-01", "examples/control-01", "examples/openstack-ansible"]) {
    it(example, () => audit(compileTexts(projectFiles(example), [`/${example}/main.iso`])));
  }

  it("a generated fleet (zones of tenants sharing read-only golden images)", () => {
    const fleet = generateFleet({ resources: 250, seed: 7 });
    const files = Object.fromEntries([...fleet.files].map(([rel, text]) => [`/fleet/${rel}`, text]));
    audit(compileTexts(files, ["/fleet/main.iso"]));
  }, 60_000);

  it("generated policies with hostile text in every position", () => {
    for (const spec of fc.sample(policySpec, { seed: 11, numRuns: 40 })) audit(compileTexts({ "/p/main.iso": isoText(spec) }));
  }, 60_000);

  it("the audit can fail: an added rule, and a rule moved onto another tenant's disk, are each caught", () => {
    const result = compileTexts(projectFiles("examples/compute-01"), ["/examples/compute-01/main.iso"]);
    const globex = result.outputs.find((o) => o.path.startsWith("apparmor.d/libvirt-") && o.content.includes("of tenant globex"))!;
    const edited = (content: string): CompileResult => ({ ...result, outputs: result.outputs.map((o) => (o === globex ? { ...o, content } : o)) });
    const added = globex.content.replace(/\n}\n$/, '\n  "/var/lib/libvirt/images/acme/acme-web01.qcow2" rwk,\n}\n');
    expect(() => audit(edited(added))).toThrow(/untraced rule/);
    const moved = globex.content.replace(/"\/var\/lib\/libvirt\/images\/globex\/[^"]*" rwk,/, '"/var/lib/libvirt/images/acme/acme-web01.qcow2" rwk,');
    expect(moved).not.toBe(globex.content);
    expect(() => audit(edited(moved))).toThrow(/globex may rwk "\/var\/lib\/libvirt\/images\/acme\/acme-web01\.qcow2", which acme is granted/);
  });

  it("the audit can fail on unix rules: a peer address aimed at another tenant's abstract socket is caught", () => {
    const text = 'tenant acme {\n  service agent {\n    socket "@acme-backup"\n  }\n}\ntenant globex {\n  service db {\n    socket "@globex-db"\n  }\n}\n';
    const result = compileTexts({ "/u/main.iso": text });
    audit(result);
    const acme = result.outputs.find((o) => o.path === "apparmor.d/moat.acme.agent")!;
    const edited = (content: string): CompileResult => ({ ...result, outputs: result.outputs.map((o) => (o === acme ? { ...o, content } : o)) });
    const aimed = acme.content.replace('peer=(addr="@acme-backup")', 'peer=(addr="@globex-db")');
    expect(aimed).not.toBe(acme.content);
    expect(() => audit(edited(aimed))).toThrow(/acme may connect, send, receive addr=none peer=NAME "globex-db", which globex is granted/);
    // A rule that names no abstract address, or two, is not one moat writes: the reader refuses it.
    const anyPeer = acme.content.replace('addr=none peer=(addr="@acme-backup")', "addr=none");
    expect(() => audit(edited(anyPeer))).toThrow(/unknown line in profile|without exactly one abstract name/);
  });
});
