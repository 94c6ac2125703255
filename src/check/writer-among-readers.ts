/**
 * A grant that a shared statement would allow but for its access (a golden image granted without `ro`,
 * beside other tenants' `ro` grants of it) meets every other tenant's grant of the image. Reported pair
 * by pair, one cause would be repeated once per reader, never saying what to write. It is reported once,
 * at the writable grant, naming the first readers it meets and counting the rest, with the fix: add `ro`.
 */
import { diagnostic, type Diagnostic, type RelatedInformation } from "../diagnostics/diagnostic.js";
import type { Resource } from "../model/types.js";
import { quote } from "../model/paths.js";
import type { Span } from "../source.js";
import { describeResource, type Grant } from "./grants.js";

/** How many readers a report names in notes; the others are counted in its hint. */
const NAMED_READERS = 3;

interface Entry {
  readonly index: number;
  readonly make: (partners: readonly RelatedInformation[], count: number) => Diagnostic;
  readonly partners: RelatedInformation[];
  count: number;
}

export class SharedWriterReports {
  private readonly entries = new Map<Resource, Entry>();
  constructor(private readonly diagnostics: Diagnostic[]) {}

  /** `writer` (rw) meets `reader` (ro) at `witness`, where `shared` would allow the pair if the writer were ro. */
  add(writer: Grant, reader: Grant, witness: string, shared: { readonly span: Span; readonly missing: string }): void {
    const note = { span: reader.resource.path.span, message: `${describeResource(reader.resource)} of ${reader.workload.tenant}/${reader.workload.name}: ${reader.resource.path.text}` };
    const known = this.entries.get(writer.resource);
    if (known !== undefined) {
      known.count++;
      if (known.partners.length < NAMED_READERS) known.partners.push(note);
      this.diagnostics[known.index] = known.make(known.partners, known.count);
      return;
    }
    const params = {
      kindA: describeResource(writer.resource),
      tenantA: writer.workload.tenant,
      workloadA: writer.workload.name,
      kindB: describeResource(reader.resource),
      tenantB: reader.workload.tenant,
      workloadB: reader.workload.name,
      witness: quote(witness),
      missing: shared.missing,
    };
    const fix = `add ro: a shared path is read-only for every tenant that uses it (${writer.resource.kind} ${quote(writer.resource.path.text)} ro)`;
    const make = (partners: readonly RelatedInformation[], count: number): Diagnostic => {
      const more = count > partners.length ? `; it meets ${count} read-only grants of other tenants in all, ${count - partners.length} not shown` : "";
      const related = [...partners, { span: shared.span, message: "the shared statement that reaches this path" }];
      return diagnostic("MOAT302", writer.resource.path.span, params, { related, witness, hint: `${fix}${more}` });
    };
    const entry: Entry = { index: this.diagnostics.length, make, partners: [note], count: 1 };
    this.entries.set(writer.resource, entry);
    this.diagnostics.push(make(entry.partners, 1));
  }
}
