/**
 * Models built by hand for the emitter tests, independent of the parser and resolver: each resource's
 * glob comes from parseGlob, spans point into a real source text so that line numbers are real.
 */
import type { Glob } from "../../src/glob/ast.js";
import { parseGlob } from "../../src/glob/parse.js";
import { impliedVmResources } from "../../src/model/implied.js";
import type { Access, Mode, Model, PathValue, Resource, Tenant, Workload } from "../../src/model/types.js";
import type { Source, Span } from "../../src/source.js";

export const ROOT = "/policies/site";

export function glob(source: string): Glob {
  const parsed = parseGlob(source);
  if (!parsed.ok) throw new Error(`test glob ${source} does not parse: ${parsed.reason}`);
  return parsed.glob;
}

/** Builds a source file line by line; `at(line)` gives a span on that (1-based) line. */
export class FakeSource {
  readonly lines: string[] = [];
  constructor(readonly path: string) {}

  line(text: string): Span {
    this.lines.push(text);
    const start = this.lines.slice(0, -1).reduce((n, l) => n + l.length + 1, 0);
    return { file: this.path, start, end: start + text.length };
  }

  source(): Source {
    return { path: this.path, text: this.lines.join("\n") + "\n" };
  }
}

export function pathValue(text: string, span: Span): PathValue {
  return { text, glob: glob(text), span };
}

export function volume(text: string, access: Access, span: Span): Resource {
  return { kind: "volume", access, namespace: "path", path: pathValue(text, span) };
}

export function device(text: string, access: Access, span: Span): Resource {
  return { kind: "device", access, namespace: "path", path: pathValue(text, span) };
}

export function socket(text: string, span: Span): Resource {
  if (text.startsWith("@")) {
    return { kind: "socket", access: "rw", namespace: "abstract", path: { text, glob: glob(text.slice(1)), span } };
  }
  return { kind: "socket", access: "rw", namespace: "path", path: pathValue(text, span) };
}

export interface WorkloadSpec {
  readonly tenant: string;
  readonly name: string;
  readonly span: Span;
  readonly uuid?: string;
  readonly exec?: string;
  readonly mode?: Mode;
  readonly abstractions?: readonly string[];
  readonly resources?: readonly Resource[];
}

export function vm(spec: WorkloadSpec): Workload {
  return {
    kind: "vm",
    tenant: spec.tenant,
    name: spec.name,
    span: spec.span,
    uuid: spec.uuid!,
    mode: spec.mode ?? "enforce",
    abstractions: (spec.abstractions ?? []).map((name) => ({ name, span: spec.span })),
    resources: [...(spec.resources ?? []), ...impliedVmResources(spec.name, spec.span)],
  };
}

export function service(spec: WorkloadSpec): Workload {
  const w: Workload = {
    kind: "service",
    tenant: spec.tenant,
    name: spec.name,
    span: spec.span,
    mode: spec.mode ?? "enforce",
    abstractions: (spec.abstractions ?? []).map((name) => ({ name, span: spec.span })),
    resources: [...(spec.resources ?? [])],
    ...(spec.exec === undefined ? {} : { exec: pathValue(spec.exec, spec.span) }),
  };
  return w;
}

export function model(parts: { sources: Source[]; workloads: Workload[]; protect?: PathValue[]; policy?: string }): Model {
  const tenants = new Map<string, Workload[]>();
  for (const w of parts.workloads) tenants.set(w.tenant, [...(tenants.get(w.tenant) ?? []), w]);
  const tenantList: Tenant[] = [...tenants.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, workloads]) => ({ name, spans: [workloads[0]!.span], workloads: [...workloads].sort((a, b) => (a.name < b.name ? -1 : 1)) }));
  const span = parts.workloads[0]?.span ?? { file: parts.sources[0]!.path, start: 0, end: 0 };
  return {
    ...(parts.policy === undefined ? {} : { policy: { name: parts.policy, span } }),
    protect: parts.protect ?? [],
    tenants: tenantList,
    shared: [],
    sources: [...parts.sources].sort((a, b) => (a.path < b.path ? -1 : 1)),
    root: ROOT,
  };
}

export const UUID_WEB = "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f";
export const UUID_CI = "0d6b9a8e-2f41-4c7e-8d3a-5b2e7f9c1a04";

/** A small compute-01 policy (two tenants, their VMs and a service), split over two files. */
export function computeExample(): Model {
  const main = new FakeSource(`${ROOT}/compute-01.iso`);
  main.line("policy compute-01");
  const protect = main.line('protect "/srv/backups/**"');
  main.line("tenant acme {");
  const web = main.line("  vm web01 {");
  main.line(`    uuid "${UUID_WEB}"`);
  const disk = main.line('    volume "/var/lib/libvirt/images/acme/web01.qcow2" rw');
  const base = main.line('    volume "/var/lib/libvirt/images/base/ubuntu-24.04.qcow2" ro');
  const lv = main.line('    volume "/dev/vg0/acme-web01" rw');
  const vfio = main.line('    device "/dev/vfio/12" rw');
  const sock = main.line('    socket "/run/libvirt/qemu/acme-web01.sock"');
  main.line("  }");
  const agent = main.line("  service backup-agent {");
  main.line('    exec "/usr/bin/backup-agent"');
  const srv = main.line('    volume "/srv/acme/{,**}" rw');
  const abs = main.line('    socket "@acme-backup"');
  main.line('    abstraction "nameservice"');
  main.line("    mode complain");
  main.line("  }");
  main.line("}");
  main.line('include "tenants/globex.iso"');

  const globexFile = new FakeSource(`${ROOT}/tenants/globex.iso`);
  globexFile.line("tenant globex {");
  const ci = globexFile.line("  vm ci01 {");
  globexFile.line(`    uuid "${UUID_CI}"`);
  const ciDisk = globexFile.line('    volume "/var/lib/libvirt/images/globex/ci01.qcow2" rw');
  const ciBase = globexFile.line('    volume "/var/lib/libvirt/images/base/ubuntu-24.04.qcow2" ro');
  globexFile.line("  }");
  globexFile.line("}");

  return model({
    policy: "compute-01",
    sources: [main.source(), globexFile.source()],
    protect: [pathValue("/srv/backups/**", protect)],
    workloads: [
      vm({
        tenant: "acme",
        name: "web01",
        span: web,
        uuid: UUID_WEB,
        resources: [
          volume("/var/lib/libvirt/images/acme/web01.qcow2", "rw", disk),
          volume("/var/lib/libvirt/images/base/ubuntu-24.04.qcow2", "ro", base),
          volume("/dev/vg0/acme-web01", "rw", lv),
          device("/dev/vfio/12", "rw", vfio),
          socket("/run/libvirt/qemu/acme-web01.sock", sock),
        ],
      }),
      service({
        tenant: "acme",
        name: "backup-agent",
        span: agent,
        exec: "/usr/bin/backup-agent",
        mode: "complain",
        abstractions: ["nameservice"],
        resources: [volume("/srv/acme/{,**}", "rw", srv), socket("@acme-backup", abs)],
      }),
      vm({
        tenant: "globex",
        name: "ci01",
        span: ci,
        uuid: UUID_CI,
        resources: [
          volume("/var/lib/libvirt/images/globex/ci01.qcow2", "rw", ciDisk),
          volume("/var/lib/libvirt/images/base/ubuntu-24.04.qcow2", "ro", ciBase),
        ],
      }),
    ],
  });
}
