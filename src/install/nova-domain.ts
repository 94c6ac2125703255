/**
 * What `moat nova-hook` reads of a domain XML on stdin, with an XML parser (never by hand), refusing
 * anything hostile before it is parsed or looked at: more than MAX_DOMAIN_XML bytes, a DOCTYPE or an
 * entity declaration (no entity is ever expanded), elements nested deeper than MAX_DEPTH, malformed XML.
 * Reads only the domain's own `<uuid>`, its domain-level `<seclabel>`s and Nova's
 * `<metadata><nova:instance><nova:owner><nova:project uuid="…">`; values are returned as written, for
 * the caller to validate.
 */
import { DOMParser, type Element, type Node } from "@xmldom/xmldom";

export const NOVA_NAMESPACE = "http://openstack.org/xmlns/libvirt/nova/1.1";
/** A Nova domain XML is a few kilobytes; a megabyte is far more than any real one. */
export const MAX_DOMAIN_XML = 1 << 20;
/** libvirt's schema nests a few levels; Nova's metadata five. */
export const MAX_DEPTH = 64;

export type DomainRead =
  | { readonly kind: "refused"; readonly reason: string }
  | {
      readonly kind: "domain";
      readonly name: string | undefined;
      readonly uuid: string | undefined;
      /** A domain-level AppArmor (or model-less) seclabel of type static or none: the domain is not labelled dynamically. */
      readonly notDynamic: boolean;
      /** The `uuid` attributes of Nova's `<nova:project>` elements (normally one); empty without Nova metadata. */
      readonly projects: readonly string[];
    };

function elementChildren(parent: Node): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

function plain(parent: Node, name: string): Element[] {
  return elementChildren(parent).filter((e) => e.localName === name && e.namespaceURI === null);
}

function nova(parent: Node, name: string): Element[] {
  return elementChildren(parent).filter((e) => e.localName === name && e.namespaceURI === NOVA_NAMESPACE);
}

/** The text directly inside an element (its text children only: no recursion into a hostile tree). */
function ownText(e: Element | undefined): string | undefined {
  if (e === undefined) return undefined;
  let out = "";
  for (let n = e.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 3 || n.nodeType === 4) out += n.nodeValue ?? "";
    else if (n.nodeType === 1) return undefined; // an element where a value should be
  }
  return out.trim();
}

/** The deepest element nesting, walked without recursion; stops counting past `limit`. */
function depthOver(root: Element, limit: number): boolean {
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    for (let n = node.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === 1) stack.push([n, depth + 1]);
  }
  return false;
}

/** A cheap bound on nesting before parsing: the count of `<` is an upper bound on the element count, the depth can only be at most that. */
function tagOpenings(xml: string): number {
  let count = 0;
  for (let i = xml.indexOf("<"); i !== -1; i = xml.indexOf("<", i + 1)) count++;
  return count;
}

export function readDomain(xml: string): DomainRead {
  if (xml.length > MAX_DOMAIN_XML) return { kind: "refused", reason: `the domain XML is longer than ${MAX_DOMAIN_XML} bytes` };
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) return { kind: "refused", reason: "the domain XML has a DOCTYPE or an entity declaration" };
  if (tagOpenings(xml) > 100_000) return { kind: "refused", reason: "the domain XML has too many elements" };
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level: string) => {
        if (level !== "warning") throw new Error("malformed");
      },
    }).parseFromString(xml, "text/xml");
    root = doc.documentElement;
  } catch {
    return { kind: "refused", reason: "the domain XML is not well-formed" };
  }
  if (root === null || root.localName !== "domain" || root.namespaceURI !== null) return { kind: "refused", reason: "stdin holds no <domain>" };
  if (depthOver(root, MAX_DEPTH)) return { kind: "refused", reason: `the domain XML nests elements more than ${MAX_DEPTH} deep` };
  const uuids = plain(root, "uuid");
  if (uuids.length > 1) return { kind: "refused", reason: "the domain has more than one <uuid>" };
  const names = plain(root, "name");
  const notDynamic = plain(root, "seclabel").some((s) => {
    const model = s.getAttribute("model");
    const type = s.getAttribute("type");
    return (model === "apparmor" || model === null || model === "") && (type === "static" || type === "none");
  });
  const projects: string[] = [];
  for (const metadata of plain(root, "metadata")) {
    for (const instance of nova(metadata, "instance")) {
      for (const owner of nova(instance, "owner")) {
        for (const project of nova(owner, "project")) projects.push(project.getAttribute("uuid") ?? "");
      }
    }
  }
  return { kind: "domain", name: ownText(names[0]), uuid: ownText(uuids[0]), notDynamic, projects };
}
