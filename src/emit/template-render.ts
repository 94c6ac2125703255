/**
 * Rendering of the parsed templates. Handlebars parses them (its grammar and its standalone-line
 * whitespace rules), and this walks the parsed tree, appending every piece to one list that is joined
 * once per file: Handlebars' own runtime builds each file by `+=` (a rope of ~150 short strings that
 * must be flattened again before hashing or writing) and allocates an options object per helper call,
 * which at fleet scale cost more than everything else the emitter does.
 *
 * Only what the templates use is supported, and anything else is refused when the module loads, so a
 * template cannot silently render differently from Handlebars: content, `{{helper field}}` with one of
 * the escaping helpers and exactly one field (or `this`), `{{#each field}}` and `{{#if field}}` (with
 * Handlebars' truthiness: `[]`, `""`, `0`, `null` and `false` are false), and `{{> partial}}` at the
 * start of a line, rendered with the current context.
 */
import Handlebars from "handlebars";

export type Helper = (value: unknown) => string;

type Node = hbs.AST.Statement;

export interface Renderer {
  /** Renders `name` with `context`, appending to `out`. */
  readonly render: (name: string, context: unknown, out: string[]) => void;
}

function field(path: hbs.AST.Expression, where: string): string | null {
  if (path.type !== "PathExpression") throw new Error(`internal: template ${where}: only fields can be inserted`);
  const p = path as hbs.AST.PathExpression;
  if (p.data || p.depth !== 0) throw new Error(`internal: template ${where}: no @data or ../ paths`);
  if (p.original === "this" && p.parts.length === 0) return null;
  if (p.parts.length !== 1 || p.original !== p.parts[0]) throw new Error(`internal: template ${where}: only plain field names`);
  return p.parts[0]!;
}

/** A field of the context; a missing one is `undefined` here and an error where it is inserted. */
function lookup(context: unknown, name: string | null): unknown {
  if (name === null) return context;
  if (typeof context !== "object" || context === null || !Object.prototype.hasOwnProperty.call(context, name)) return undefined;
  return (context as Record<string, unknown>)[name];
}

type Compiled = (context: unknown, out: string[]) => void;

/**
 * Compiles each template once into nested closures. `partialHook` may replace a partial's rendering
 * (the emitter renders its shared protected block once per compile).
 */
export function createRenderer(
  sources: Readonly<Record<string, string>>,
  helpers: Readonly<Record<string, Helper>>,
  partialHook: (name: string, context: unknown, render: (context: unknown) => string) => string | undefined,
): Renderer {
  const compiled = new Map<string, Compiled>();
  const partialNames = new Set(Object.keys(sources).filter((n) => n.startsWith("_")));

  const program = (body: readonly Node[], where: string): Compiled => {
    const steps = body.map((node) => statement(node, where));
    return (context, out) => {
      for (const step of steps) step(context, out);
    };
  };

  const statement = (node: Node, where: string): Compiled => {
    const at = `${where}:${node.loc?.start.line ?? "?"}`;
    switch (node.type) {
      case "ContentStatement": {
        const text = (node as hbs.AST.ContentStatement).value;
        return (_context, out) => {
          if (text !== "") out.push(text);
        };
      }
      case "CommentStatement":
        return () => undefined;
      case "MustacheStatement": {
        const m = node as hbs.AST.MustacheStatement;
        const name = (m.path as hbs.AST.PathExpression).original;
        const helper = Object.prototype.hasOwnProperty.call(helpers, name) ? helpers[name] : undefined;
        if (helper === undefined || m.params.length !== 1 || (m.hash?.pairs.length ?? 0) !== 0) {
          throw new Error(`internal: template ${at}: a value must go through exactly one escaping helper`);
        }
        const key = field(m.params[0]!, at);
        return (context, out) => {
          const value = lookup(context, key);
          if (value === undefined) throw new Error(`internal: template ${at}: "${key}" not defined`);
          out.push(helper(value));
        };
      }
      case "BlockStatement": {
        const b = node as hbs.AST.BlockStatement;
        const kind = (b.path as hbs.AST.PathExpression).original;
        if ((kind !== "each" && kind !== "if") || b.params.length !== 1 || (b.hash?.pairs.length ?? 0) !== 0 || (b.program.blockParams?.length ?? 0) !== 0) {
          throw new Error(`internal: template ${at}: only {{#each field}} and {{#if field}} blocks`);
        }
        const key = field(b.params[0]!, at);
        const body = program(b.program.body, where);
        const inverse = b.inverse === undefined ? undefined : program(b.inverse.body, where);
        if (kind === "each") {
          return (context, out) => {
            const list = lookup(context, key);
            if (!Array.isArray(list)) throw new Error(`internal: #each needs a list, got ${typeof list}`);
            if (list.length === 0) inverse?.(context, out);
            for (const item of list) body(item, out);
          };
        }
        return (context, out) => {
          const condition = lookup(context, key);
          if (condition === undefined) throw new Error("internal: #if on a missing field");
          if (!condition || (Array.isArray(condition) && condition.length === 0)) inverse?.(context, out);
          else body(context, out);
        };
      }
      case "PartialStatement": {
        const p = node as hbs.AST.PartialStatement;
        const name = (p.name as hbs.AST.PathExpression).original;
        if (!partialNames.has(name) || p.params.length !== 0 || (p.hash?.pairs.length ?? 0) !== 0 || (p.indent ?? "") !== "") {
          throw new Error(`internal: template ${at}: only {{> _partial}} at the start of a line`);
        }
        return (context, out) => {
          const hooked = partialHook(name, context, (c) => renderToString(name, c));
          if (hooked !== undefined) out.push(hooked);
          else templateOf(name)(context, out);
        };
      }
      default:
        throw new Error(`internal: template ${at}: unsupported ${node.type}`);
    }
  };

  const templateOf = (name: string): Compiled => {
    const known = compiled.get(name);
    if (known !== undefined) return known;
    const source = sources[name];
    if (source === undefined) throw new Error(`internal: no template ${name}`);
    const made = program(Handlebars.parse(source).body, name);
    compiled.set(name, made);
    return made;
  };

  const renderToString = (name: string, context: unknown): string => {
    const out: string[] = [];
    templateOf(name)(context, out);
    return out.join("");
  };

  // Every template is checked now: an unsupported construct fails at load, not at the first render.
  for (const name of Object.keys(sources)) templateOf(name);
  return { render: (name, context, out) => templateOf(name)(context, out) };
}
