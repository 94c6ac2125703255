/**
 * A libvirt domain's seclabel, read and set with an XML parser (never by splicing text): whether the
 * domain XML (`virsh dumpxml`) already has moat's static AppArmor label, and the domain XML with the
 * snippet from the output folder in place of any AppArmor seclabel it had (a dynamic one, say: libvirt
 * refuses two for one model). Everything else in the domain, namespaced metadata such as Nova's
 * included, is kept as it was parsed.
 */
import { DOMParser, XMLSerializer, type Document, type Element } from "@xmldom/xmldom";

function parse(xml: string): Document | undefined {
  try {
    const doc = new DOMParser({ onError: (level) => { if (level !== "warning") throw new Error("malformed XML"); } }).parseFromString(xml, "text/xml");
    return doc.documentElement === null ? undefined : doc;
  } catch {
    return undefined;
  }
}

function children(parent: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name && (n as Element).namespaceURI === null) out.push(n as Element);
  }
  return out;
}

function text(e: Element | undefined): string | undefined {
  return e?.textContent?.trim();
}

export interface DomainFacts {
  readonly uuid: string | undefined;
  /** Whether it has `<seclabel type='static' model='apparmor'>` with `label` as its label. */
  readonly hasLabel: boolean;
}

/** What the domain XML says, or undefined when it is not a domain. */
export function domainFacts(domainXml: string, label: string): DomainFacts | undefined {
  const doc = parse(domainXml);
  const domain = doc?.documentElement;
  if (domain == null || domain.localName !== "domain") return undefined;
  const hasLabel = children(domain, "seclabel").some(
    (s) => s.getAttribute("model") === "apparmor" && s.getAttribute("type") === "static" && text(children(s, "label")[0]) === label,
  );
  return { uuid: text(children(domain, "uuid")[0])?.toLowerCase(), hasLabel };
}

/**
 * The domain XML with the snippet's `<seclabel>` as its only AppArmor seclabel; undefined when either
 * does not parse as what it should be.
 */
export function withSeclabel(domainXml: string, snippetXml: string): string | undefined {
  const doc = parse(domainXml);
  const snippet = parse(snippetXml);
  const domain = doc?.documentElement;
  const label = snippet?.documentElement;
  if (doc === undefined || domain == null || domain.localName !== "domain" || label == null || label.localName !== "seclabel" || label.getAttribute("model") !== "apparmor") return undefined;
  // A seclabel without a model applies to the first security driver: with the apparmor driver, that is this one.
  for (const s of children(domain, "seclabel")) {
    const model = s.getAttribute("model");
    if (model === "apparmor" || model === null || model === "") domain.removeChild(s);
  }
  domain.appendChild(doc.importNode(label, true));
  return new XMLSerializer().serializeToString(doc);
}
