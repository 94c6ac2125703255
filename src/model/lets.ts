/**
 * `let` constants and `${name}` substitution. A let's value is glob source (see syntax/ast.ts), so
 * substitution is concatenation: escaped glob characters in a let stay literal where they are inserted.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { StringLiteral } from "../syntax/ast.js";

interface LetValue {
  readonly text: string;
  readonly span: Span;
}

export class LetScope {
  private readonly values = new Map<string, LetValue>();

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
    if (text !== undefined) this.values.set(name, { text, span: nameSpan });
  }

  /** The literal's glob source with lets substituted; undefined (and a diagnostic) when a name is unknown. */
  resolve(literal: StringLiteral): string | undefined {
    let text = "";
    let ok = true;
    for (const part of literal.parts) {
      if (part.kind === "Text") {
        text += part.text;
        continue;
      }
      const value = this.values.get(part.name);
      if (value === undefined) {
        this.diagnostics.push(diagnostic("MOAT201", part.span, { name: part.name }));
        ok = false;
      } else {
        text += value.text;
      }
    }
    return ok ? text : undefined;
  }
}
