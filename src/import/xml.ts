/**
 * Reading a libvirt domain document for `moat import`: parsed with @xmldom/xmldom (never by hand), with
 * each element's position turned into a span of the source, so that a warning points at the element it
 * is about. Input that is not a plain XML document (no root, a syntax error, an unknown entity, a
 * DOCTYPE, which is where entity definitions would live) is refused before anything is read from it.
 */
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import type { Source, Span } from "../source.js";

/** A domain document larger than this is refused: `virsh dumpxml` of a large VM is a few tens of KiB. */
export const MAX_DOMAIN_XML_LENGTH = 4 * 1024 * 1024;

export type ParsedXml = { readonly doc: Document } | { readonly problem: string };

export function parseXml(text: string): ParsedXml {
  if (text.length > MAX_DOMAIN_XML_LENGTH) return { problem: `the file is ${text.length} characters long; a domain XML of more than ${MAX_DOMAIN_XML_LENGTH} is refused` };
  // A DOCTYPE is where entities are declared; libvirt writes none, and nothing here needs one.
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) return { problem: "the document has a DOCTYPE or an entity declaration, which libvirt never writes" };
  let problem: string | undefined;
  let doc: Document | undefined;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning" && problem === undefined) problem = message;
      },
    }).parseFromString(text, "text/xml");
  } catch (e) {
    problem ??= e instanceof Error ? e.message : String(e);
  }
  if (problem !== undefined || doc === undefined || doc.documentElement === null) return { problem: `not well-formed XML: ${firstLine(problem ?? "no root element")}` };
  return { doc };
}

function firstLine(text: string): string {
  const line = text.split("\n")[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** The element children of `parent` named `name` (no namespace), in order. */
export function childElements(parent: Element, name?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as Element;
    if (e.namespaceURI !== null) continue;
    if (name === undefined || e.localName === name) out.push(e);
  }
  return out;
}

export function childElement(parent: Element | undefined, name: string): Element | undefined {
  return parent === undefined ? undefined : childElements(parent, name)[0];
}

/** An attribute's value, or undefined when it is absent. */
export function attr(e: Element | undefined, name: string): string | undefined {
  if (e === undefined || !e.hasAttribute(name)) return undefined;
  return e.getAttribute(name) ?? undefined;
}

/** The element's own text, trimmed; undefined when empty. */
export function textOf(e: Element | undefined): string | undefined {
  const t = e?.textContent?.trim();
  return t === undefined || t === "" ? undefined : t;
}

/** Offsets of the starts of the lines of a text, for turning xmldom's line and column into a span. */
export class XmlSpans {
  private readonly starts: number[] = [0];

  constructor(private readonly source: Source) {
    const text = source.text;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  /** The span of an element's start tag name (`<disk`), or the whole file's first character when unknown. */
  of(e: Element): Span {
    const node = e as Element & { lineNumber?: number; columnNumber?: number };
    const line = node.lineNumber;
    const column = node.columnNumber;
    if (line === undefined || column === undefined || line < 1 || line > this.starts.length) return { file: this.source.path, start: 0, end: 0 };
    const start = Math.min(this.starts[line - 1]! + column - 1, this.source.text.length);
    return { file: this.source.path, start, end: Math.min(start + 1 + e.tagName.length, this.source.text.length) };
  }
}
