/**
 * `let` constants and `${name}` substitution. A let's value is glob source (see syntax/ast.ts), so
 * substitution is concatenation: escaped glob characters in a let stay literal where they are inserted.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import { quote } from "./paths.js";
import type { StringLiteral } from "../syntax/ast.js";

/**
 * No path the kernel accepts is longer than PATH_MAX (4096 bytes), and no let is useful beyond one.
 * The bound also stops lets that double each other from building a string of gigabytes.
 */
export const MAX_STRING_BYTES = 4096;

interface LetValue {
  readonly text: string;
  readonly span: Span;
  /** The value's string, where a problem of the value itself is reported. */
  readonly valueSpan: Span;
}

export class LetScope {
  private readonly values = new Map<string, LetValue>();
  /** Lets whose value was refused (and reported): a use of one is not reported again as undefined. */
  private readonly refused = new Set<string>();
  /** Lets reported for ending in '/' where a '/' follows them: reported once, at the let, not at each use. */
  private readonly doubled = new Set<string>();

  constructor(private readonly diagnostics: Diagnostic[]) {}

  define(name: string, nameSpan: Span, value: StringLiteral): void {
    const text = this.resolve(value);
    const previous = this.values.get(name);
    if (previous !== undefined) {
      this.diagnostics.push(
        diagnostic("MOAT202", nameSpan, { name }, { related: [{ span: previous.span, message: `${name} is first defined here` }] }),
      );
      return;
    }
    if (text !== undefined) this.values.set(name, { text, span: nameSpan, valueSpan: value.span });
    else this.refused.add(name);
  }

  /** The literal's glob source with lets substituted; undefined (and a diagnostic) when a name is unknown or the result too long. */
  resolve(literal: StringLiteral): string | undefined {
    let text = "";
    let ok = true;
    let complete = true;
    /** The let just inserted when its value ends in '/', and the first let followed by another '/'. */
    let endsInSlash: string | undefined;
    let doubledBy: string | undefined;
    const parts = literal.parts;
    if (parts.length === 1 && parts[0]!.kind === "Text" && parts[0]!.text.length <= MAX_STRING_BYTES / 4) {
      // Plain text short enough that even four UTF-8 bytes a unit stay in bound: most strings of a policy.
      return parts[0]!.text;
    }
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index]!;
      const piece = part.kind === "Text" ? part.text : this.values.get(part.name)?.text;
      if (endsInSlash !== undefined && piece?.startsWith("/") === true) doubledBy ??= endsInSlash;
      endsInSlash = part.kind !== "Text" && piece?.endsWith("/") === true ? part.name : undefined;
      if (part.kind === "Text") {
        text += part.text;
      } else {
        const value = this.values.get(part.name);
        if (value === undefined) {
          // A let refused for its own value was reported there; saying "not defined" at each use would
          // bury that one cause under a cascade of wrong ones.
          if (!this.refused.has(part.name)) this.diagnostics.push(diagnostic("MOAT201", part.span, { name: part.name }));
          ok = false;
        } else {
          text += value.text;
        }
      }
      // UTF-16 length is a lower bound of the UTF-8 one: past the bound, stop before the string grows more.
      if (text.length > MAX_STRING_BYTES && index < parts.length - 1) {
        complete = false;
        break;
      }
    }
    if (!ok) return undefined;
    if (doubledBy !== undefined && text.startsWith("/")) return this.reportDoubledSlash(doubledBy, literal.span);
    // A UTF-16 unit is at most three UTF-8 bytes (a surrogate pair, two units, is four): short text is in bound.
    if (text.length <= MAX_STRING_BYTES / 3) return text;
    const bytes = utf8Length(text);
    if (bytes > MAX_STRING_BYTES) {
      const shown = complete ? String(bytes) : `more than ${bytes}`;
      this.diagnostics.push(diagnostic("MOAT221", literal.span, { length: shown, max: MAX_STRING_BYTES }));
      return undefined;
    }
    return text;
  }

  /**
   * A let whose value ends in '/', inserted before a '/' (`let images = "/srv/images/"` then
   * `"${images}/a.qcow2"`), makes a '//' that no path may hold (MOAT214). The let is the cause: it is
   * reported there, once, and the strings that use it are refused without a report of their own.
   */
  private reportDoubledSlash(name: string, use: Span): undefined {
    if (this.doubled.has(name)) return undefined;
    this.doubled.add(name);
    const value = this.values.get(name)!;
    const reason = `let ${name} ends in '/' and is followed by '/' where it is used, which makes '//': a path may not contain '//'`;
    this.diagnostics.push(
      diagnostic("MOAT214", value.valueSpan, { path: quote(value.text), reason }, {
        related: [{ span: use, message: `\${${name}} is followed by '/' here` }],
        hint: /^\/+$/.test(value.text) ? `write \${${name}} without a '/' after it` : `drop the final '/' of the value: let ${name} = ${quote(value.text.replace(/\/+$/, ""))}`,
      }),
    );
    return undefined;
  }
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
