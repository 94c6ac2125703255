/**
 * The last phase: a checked Model -> the files of SPEC section 3. Every output is a pure function of
 * the model and the version: no time, no host, no absolute path, and the same bytes whatever the order
 * in which sources, tenants, workloads or items arrive.
 */
import type { OutputFile } from "../api.js";
import type { Model, Workload } from "../model/types.js";
import { aaName } from "./apparmor-text.js";
import { manifestFile, sha256 } from "./manifest.js";
import { profileView, protectedDenies } from "./profile-views.js";
import { renderSeclabel, renderServiceProfile, renderVmProfile } from "./templates.js";

export interface EmitOptions {
  readonly version: string;
}

/** An output and the hash the manifest lists for it. */
interface Emitted {
  readonly file: OutputFile;
  readonly sha256: string;
}

/**
 * Hashed as soon as it is rendered: a rendered profile is a rope of a few hundred string pieces, and
 * hashing flattens it while those pieces are still young garbage, so the collector never copies them.
 */
function emitted(path: string, content: string): Emitted {
  return { file: { path, content }, sha256: sha256(content) };
}

function byPath(a: Emitted, b: Emitted): number {
  return a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : 0;
}

function workloadOutputs(model: Model, workload: Workload, version: string, denies: ReturnType<typeof protectedDenies>, out: Emitted[]): void {
  const view = profileView(model, workload, version, denies);
  if (workload.kind === "service") {
    out.push(emitted(`apparmor.d/${aaName(view.name)}`, renderServiceProfile(view)));
    return;
  }
  const label = view.name;
  out.push(emitted(`apparmor.d/${aaName(label)}`, renderVmProfile(view)));
  out.push(
    emitted(
      `libvirt/${aaName(workload.tenant)}.${aaName(workload.name)}.seclabel.xml`,
      renderSeclabel({
        version,
        source: view.source,
        tenant: workload.tenant,
        workload: workload.name,
        label,
      }),
    ),
  );
}

/** Profiles, seclabel snippets and the manifest, sorted by path; the manifest lists all the others. */
export function emitOutputs(model: Model, options: EmitOptions): OutputFile[] {
  const denies = protectedDenies(model);
  const all: Emitted[] = [];
  for (const tenant of model.tenants) {
    for (const workload of tenant.workloads) workloadOutputs(model, workload, options.version, denies, all);
  }
  all.sort(byPath);
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.file.path === all[i - 1]!.file.path) throw new Error(`internal: two outputs at ${all[i]!.file.path}`);
  }
  const manifest = manifestFile(model, options.version, all.map((e) => ({ path: e.file.path, sha256: e.sha256 })));
  const outputs = all.map((e) => e.file);
  // The list is sorted already: the manifest goes where a sort would put it.
  let at = 0;
  while (at < outputs.length && outputs[at]!.path < manifest.path) at++;
  outputs.splice(at, 0, manifest);
  return outputs;
}
