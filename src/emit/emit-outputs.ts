/**
 * The last phase: a checked Model -> the files README's "What moat writes" lists. Every output is a pure function of
 * the model and the version: no time, no host, no absolute path, and the same bytes whatever the order
 * in which sources, tenants, workloads or items arrive.
 */
import type { OutputFile } from "./output-file.js";
import type { Model, Workload } from "../model/types.js";
import { aaName } from "./apparmor-text.js";
import { grantsFile, type ProfileOutput } from "./grants-file.js";
import { manifestFile, sha256 } from "./manifest.js";
import { novaOutputs } from "./nova-fragments.js";
import { containerProfileView, lxcConfView, profileView, protectedDenies } from "./profile-views.js";
import { renderContainerProfile, renderLxcConf, renderSeclabel, renderServiceProfile, renderVmProfile } from "./templates.js";

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

/** Outputs by path: two workloads may never write the same file. */
type Outputs = Map<string, Emitted>;

function add(out: Outputs, path: string, content: string): void {
  if (out.has(path)) throw new Error(`internal: two outputs at ${path}`);
  out.set(path, emitted(path, content));
}

function workloadOutputs(model: Model, workload: Workload, version: string, denies: ReturnType<typeof protectedDenies>, out: Outputs, profiles: ProfileOutput[]): void {
  if (workload.kind === "container") {
    // A container: its profile, and the LXC config lines that put the container under it.
    const container = containerProfileView(model, workload, version, denies);
    const path = `apparmor.d/${aaName(container.name)}`;
    add(out, path, renderContainerProfile(container));
    add(out, `lxc/${aaName(workload.tenant)}.${aaName(workload.name)}.conf`, renderLxcConf(lxcConfView(model, workload, version)));
    profiles.push({ path, profile: container.name, workload });
    return;
  }
  const view = profileView(model, workload, version, denies);
  if (workload.kind === "service") {
    const path = `apparmor.d/${aaName(view.name)}`;
    add(out, path, renderServiceProfile(view));
    profiles.push({ path, profile: view.name, workload });
    return;
  }
  const label = view.name;
  const path = `apparmor.d/${aaName(label)}`;
  const seclabel = `libvirt/${aaName(workload.tenant)}.${aaName(workload.name)}.seclabel.xml`;
  add(out, path, renderVmProfile(view));
  profiles.push({ path, profile: label, workload, seclabel });
  add(
    out,
    seclabel,
    renderSeclabel({
      version,
      source: view.source,
      tenant: workload.tenant,
      workload: workload.name,
      label,
    }),
  );
}

/**
 * Profiles, seclabel snippets, moat-grants.json (what `moat install` needs of the policy) and the
 * manifest, sorted by path; the manifest lists all the others.
 */
export function emitOutputs(model: Model, options: EmitOptions): OutputFile[] {
  const denies = protectedDenies(model);
  const all: Outputs = new Map();
  const profiles: ProfileOutput[] = [];
  for (const tenant of model.tenants) {
    for (const workload of tenant.workloads) workloadOutputs(model, workload, options.version, denies, all, profiles);
  }
  const grants = grantsFile(model, options.version, profiles);
  add(all, grants.path, grants.content);
  for (const file of novaOutputs(model, options.version, denies)) add(all, file.path, file.content);
  // The default sort orders strings by UTF-16 code units, as `<` does, without a callback per comparison.
  const paths = [...all.keys()].sort();
  const manifest = manifestFile(model, options.version, paths.map((path) => ({ path, sha256: all.get(path)!.sha256 })));
  const outputs = paths.map((path) => all.get(path)!.file);
  // The list is sorted already: the manifest goes where a sort would put it.
  let at = 0;
  while (at < outputs.length && outputs[at]!.path < manifest.path) at++;
  outputs.splice(at, 0, manifest);
  return outputs;
}
