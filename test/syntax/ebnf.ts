/**
 * Just enough of W3C EBNF to compare grammar/moat.ebnf with the parser: rules are split out, and the
 * bodies of syntactic rules are parsed into expressions and printed in one canonical form. Chevrotain's
 * serialized grammar is printed in the same form, so equal strings mean equal grammars.
 */
import type { ISerializedGast } from "chevrotain";

export type Expr =
  | { readonly t: "sym"; readonly name: string }
  | { readonly t: "seq"; readonly items: readonly Expr[] }
  | { readonly t: "alt"; readonly alts: readonly Expr[] }
  | { readonly t: "opt" | "star" | "plus"; readonly e: Expr }
  | { readonly t: "diff"; readonly a: Expr; readonly b: Expr };

/** Rule name -> rule body text, comments removed, in file order. */
export function splitRules(ebnf: string): Map<string, string> {
  const text = ebnf.replace(/\/\*[\s\S]*?\*\//g, " ");
  const rules = new Map<string, string>();
  const heads = [...text.matchAll(/^([A-Za-z][A-Za-z0-9]*)[ \t]*::=/gm)];
  heads.forEach((m, i) => {
    const from = m.index + m[0].length;
    const to = i + 1 < heads.length ? heads[i + 1]!.index : text.length;
    if (rules.has(m[1]!)) throw new Error(`rule ${m[1]} declared twice`);
    rules.set(m[1]!, text.slice(from, to).trim());
  });
  return rules;
}

const TOKEN = /\s*('[^']*'|"[^"]*"|\[[^\]]*\]|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*|[()|?*+-])/y;

export function parseExpr(body: string): Expr {
  const tokens: string[] = [];
  let at = 0;
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(body)) !== null) {
    tokens.push(m[1]!);
    at = TOKEN.lastIndex;
  }
  if (body.slice(at).trim() !== "") throw new Error(`cannot read ${body.slice(at)}`);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const alt = (): Expr => {
    const alts = [seq()];
    while (peek() === "|") {
      i++;
      alts.push(seq());
    }
    return alts.length === 1 ? alts[0]! : { t: "alt", alts };
  };
  const seq = (): Expr => {
    const items: Expr[] = [];
    while (i < tokens.length && peek() !== "|" && peek() !== ")") items.push(difference());
    return items.length === 1 ? items[0]! : { t: "seq", items };
  };
  const difference = (): Expr => {
    const a = postfix();
    if (peek() !== "-") return a;
    i++;
    return { t: "diff", a, b: postfix() };
  };
  const postfix = (): Expr => {
    let e = atom();
    for (;;) {
      const op = peek();
      if (op === "?") e = { t: "opt", e };
      else if (op === "*") e = { t: "star", e };
      else if (op === "+") e = { t: "plus", e };
      else return e;
      i++;
    }
  };
  const atom = (): Expr => {
    const tok = tokens[i++];
    if (tok === "(") {
      const e = alt();
      if (tokens[i++] !== ")") throw new Error(`missing ) in ${body}`);
      return e;
    }
    if (tok === undefined || /^[|)?*+-]$/.test(tok)) throw new Error(`unexpected ${tok} in ${body}`);
    return { t: "sym", name: tok.startsWith('"') ? `'${tok.slice(1, -1)}'` : tok };
  };
  const e = alt();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]} in ${body}`);
  return e;
}

/** Flattens nested sequences and choices, so that grouping that changes nothing does not count. */
export function normalize(e: Expr): Expr {
  switch (e.t) {
    case "sym":
      return e;
    case "diff":
      return { t: "diff", a: normalize(e.a), b: normalize(e.b) };
    case "seq": {
      const items = e.items.map(normalize).flatMap((x) => (x.t === "seq" ? x.items : [x]));
      return items.length === 1 ? items[0]! : { t: "seq", items };
    }
    case "alt": {
      const alts = e.alts.map(normalize).flatMap((x) => (x.t === "alt" ? x.alts : [x]));
      return alts.length === 1 ? alts[0]! : { t: "alt", alts };
    }
    default:
      return { t: e.t, e: normalize(e.e) };
  }
}

export function print(e: Expr): string {
  const group = (x: Expr): string => (x.t === "seq" || x.t === "alt" ? `( ${print(x)} )` : print(x));
  switch (e.t) {
    case "sym":
      return e.name;
    case "diff":
      return `${group(e.a)} - ${group(e.b)}`;
    case "seq":
      return e.items.map((x) => (x.t === "alt" ? group(x) : print(x))).join(" ");
    case "alt":
      return e.alts.map(print).join(" | ");
    case "opt":
      return `${group(e.e)}?`;
    case "star":
      return `${group(e.e)}*`;
    case "plus":
      return `${group(e.e)}+`;
  }
}

type Gast = ISerializedGast & { definition?: Gast[]; separator?: Gast; label?: string; name?: string };

/** chevrotain's serialized grammar as an Expr; a terminal is named by its token's label. */
export function fromGast(node: Gast): Expr {
  const seqOf = (defs: readonly Gast[] | undefined): Expr => ({ t: "seq", items: (defs ?? []).map(fromGast) });
  switch (node.type) {
    case "Rule":
    case "Alternative":
      return seqOf(node.definition);
    case "NonTerminal":
      return { t: "sym", name: node.name! };
    case "Terminal":
      return { t: "sym", name: node.label ?? node.name! };
    case "Alternation":
      return { t: "alt", alts: (node.definition ?? []).map(fromGast) };
    case "Option":
      return { t: "opt", e: seqOf(node.definition) };
    case "Repetition":
      return { t: "star", e: seqOf(node.definition) };
    case "RepetitionMandatory":
      return { t: "plus", e: seqOf(node.definition) };
    case "RepetitionMandatoryWithSeparator":
    case "RepetitionWithSeparator": {
      const body = seqOf(node.definition);
      const list: Expr = { t: "seq", items: [body, { t: "star", e: { t: "seq", items: [fromGast(node.separator!), body] } }] };
      return node.type === "RepetitionWithSeparator" ? { t: "opt", e: list } : list;
    }
    default:
      throw new Error(`unknown grammar node ${node.type}`);
  }
}

export function canonical(e: Expr): string {
  return print(normalize(e));
}
