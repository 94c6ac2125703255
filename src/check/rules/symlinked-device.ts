/**
 * AppArmor mediates the path a symlink resolves to, not the link. LVM names (`/dev/VG/LV`,
 * `/dev/mapper/VG-LV`) and `/dev/disk/by-*` names are links to `/dev/dm-N` or `/dev/sdX`, whose name is
 * known only on the host at run time, so a rule on the link alone lets nothing through. This warns
 * where that happens, so that an operator is not surprised by a VM that cannot open its disk.
 */
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { fromBytes } from "../../glob/bytes.js";
import { literalPrefix } from "../../glob/text.js";
import type { Model } from "../../model/types.js";
import { quote } from "../../model/paths.js";
import { symlinkTarget } from "../host-links.js";
import { forEachResource } from "../resources.js";
import type { IsolationRule } from "../rule.js";

export const symlinkedDevice: IsolationRule = {
  name: "symlinked-device",
  check(model: Model): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    forEachResource(model, (resource) => {
      if (resource.namespace !== "path" || resource.kind === "implied" || resource.kind === "socket") return;
      // Every link symlinkTarget knows is under /dev/, and a path text that starts with /dev/ has a
      // literal prefix that does: most grants of a fleet are ruled out here without decoding anything.
      const prefixBytes = literalPrefix(resource.path.glob);
      if (!prefixBytes.startsWith("/dev/")) return;
      // Judge by the literal folder part: `/dev/vg0/acme-*` is as much an LVM link as `/dev/vg0/acme-web01`.
      const prefix = fromBytes(prefixBytes);
      const target = symlinkTarget(prefix.endsWith("/") ? prefix + "x" : resource.path.text);
      if (target === undefined) return;
      diagnostics.push(
        diagnostic("MOAT307", resource.path.span, { path: quote(resource.path.text), target }, {
          // dm-N numbers are handed out at activation, so no build-time profile can name the node.
          hint: "the resolved node must also be granted on the host, where it is known; where the disk has a node name that is not a link, grant that instead",
        }),
      );
    });
    return diagnostics;
  },
};
