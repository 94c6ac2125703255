/**
 * The last phase: a checked Model -> the files of SPEC section 3. Every output is a pure function of
 * the model and the version: no time, no host, no absolute path, and the same bytes whatever the order
 * in which sources, tenants, workloads or items arrive.
 */
import type { OutputFile } from "../api.js";
import type { Model, Workload } from "../model/types.js";
import { relativeToRoot } from "../model/load-files.js";
import { aaName } from "./apparmor-text.js";
import { manifestFile } from "./manifest.js";
import { profileView, protectedDenies, serviceProfileName, vmProfileName } from "./profile-views.js";
import { renderSeclabel, renderServiceProfile, renderVmProfile } from "./templates.js";

export interface EmitOptions {
  readonly version: string;
}

function byPath(a: OutputFile, b: OutputFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function workloadOutputs(model: Model, workload: Workload, version: string, denies: ReturnType<typeof protectedDenies>): OutputFile[] {
  const view = profileView(model, workload, version, denies);
  if (workload.kind === "service") {
    return [{ path: `apparmor.d/${aaName(serviceProfileName(workload))}`, content: renderServiceProfile(view) }];
  }
  const label = vmProfileName(workload);
  return [
    { path: `apparmor.d/${aaName(label)}`, content: renderVmProfile(view) },
    {
      path: `libvirt/${aaName(workload.tenant)}.${aaName(workload.name)}.seclabel.xml`,
      content: renderSeclabel({
        version,
        source: relativeToRoot(model.root, workload.span.file),
        tenant: workload.tenant,
        workload: workload.name,
        label,
      }),
    },
  ];
}

/** Profiles, seclabel snippets and the manifest, sorted by path; the manifest lists all the others. */
export function emitOutputs(model: Model, options: EmitOptions): OutputFile[] {
  const denies = protectedDenies(model);
  const outputs = model.tenants.flatMap((t) => t.workloads.flatMap((w) => workloadOutputs(model, w, options.version, denies)));
  outputs.sort(byPath);
  for (let i = 1; i < outputs.length; i++) {
    if (outputs[i]!.path === outputs[i - 1]!.path) throw new Error(`internal: two outputs at ${outputs[i]!.path}`);
  }
  return [...outputs, manifestFile(model, options.version, outputs)].sort(byPath);
}
