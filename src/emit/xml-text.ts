/**
 * Text for the XML snippets. Escaping follows XML's own rules; characters XML 1.0 cannot hold at all
 * (most C0 controls, lone surrogates, U+FFFE/U+FFFF) have no escape, so meeting one is a bug in moat:
 * everything reaching a snippet has been checked by the grammar first.
 */

const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function checkXmlChars(text: string): void {
  if (NOT_XML_CHAR.test(text)) throw new Error(`internal: ${JSON.stringify(text)} holds a character XML cannot represent`);
}

/** Printable ASCII but `&`, `<` and `>`: text that xmlText keeps as it is (a profile name always is). */
const PLAIN_TEXT = /^[\x20-\x25\x27-\x3b\x3d\x3f-\x7e]*$/;

/** Element content. `>` is escaped too, so that `]]>` cannot appear. */
export function xmlText(text: string): string {
  if (PLAIN_TEXT.test(text)) return text;
  checkXmlChars(text);
  return text.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/** An attribute value for either quote style; whitespace is kept as character references. */
export function xmlAttr(text: string): string {
  checkXmlChars(text);
  return text.replace(/[&<>"'\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Printable ASCII without a backslash: the bytes xmlCommentText may keep. */
const PLAIN_COMMENT = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * Text inside `<!-- -->`: a comment may not hold `--` nor end with `-`, and has no escapes, so
 * non-printable or non-ASCII bytes, backslashes and the second `-` of a pair are written as `\xHH`.
 */
export function xmlCommentText(text: string): string {
  // The common case, printable ASCII without a backslash and no `-` pair or final `-`, is kept as it is.
  if (PLAIN_COMMENT.test(text) && !text.includes("--") && !text.endsWith("-")) return text;
  const bytes = new TextEncoder().encode(text);
  let out = "";
  for (const b of bytes) {
    const printable = b >= 0x20 && b < 0x7f && b !== 0x5c;
    const breaksPair = b === 0x2d && out.endsWith("-");
    out += printable && !breaksPair ? String.fromCharCode(b) : "\\x" + b.toString(16).padStart(2, "0");
  }
  return out.endsWith("-") ? out.slice(0, -1) + "\\x2d" : out;
}
