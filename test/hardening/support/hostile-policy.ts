/**
 * Generated policies with hostile text in every position the grammar allows (paths, globs' literal
 * parts and alternation branches, exec attachments, abstract socket names, let values, protect globs),
 * and, computed from the generated structure alone (never from moat's model or emitter), the rules each
 * profile must hold. Every resource has its own folder, so the policies are isolated by construction
 * and compile; names are identifiers of random length, as the grammar requires. `.` is left out of the
 * hostile characters: moat's path-shape check (model/paths.ts) splits on every `,`, `{` and `}`, escaped
 * or not, so `h\,.` or `h{a,b}.` is refused as a '.' component (over-cautious, reported).
 */
import fc from "fast-check";

export type Piece =
  | { readonly lit: string }
  | { readonly op: "*" | "**" | "?" | "[0-9]" | "[a-f]" }
  | { readonly alt: readonly (readonly Piece[])[] }
  | { readonly letRef: true };

export type Access = "ro" | "rw" | undefined;

export interface GrantSpec {
  readonly kind: "volume" | "device" | "socket" | "abstract";
  readonly access: Access;
  /** After the resource's own folder (or `@h…-` for an abstract socket). */
  readonly pieces: readonly Piece[];
  readonly trailingSlash: boolean;
}

export interface WorkloadSpec {
  readonly kind: "vm" | "service";
  readonly name: string;
  readonly uuid: string;
  readonly exec: readonly Piece[] | undefined;
  readonly mode: "enforce" | "complain" | undefined;
  readonly abstractions: readonly string[];
  readonly grants: readonly GrantSpec[];
}

export interface PolicySpec {
  readonly name: string | undefined;
  /** The value of `let h`, used as `${h}` by letRef pieces. */
  readonly letValue: string;
  readonly protect: readonly (readonly Piece[])[];
  readonly tenants: readonly { readonly name: string; readonly workloads: readonly WorkloadSpec[] }[];
}

const HOSTILE = ['"', "\\", ",", "#", "@", "{", "}", "[", "]", "*", "?", " ", "\t", "$", "!", "^", "'", "%", "&", "(", ")", ";", "<", ">", "|", "~", "=", "+", ":", "`", "-", "_", "é", "日", "😀", "\u00a0", "\u202e", "a", "Z", "0"];
/** Let values hold no glob character and no backslash, whose meaning after insertion is the glob's. */
const LET_SAFE = HOSTILE.filter((c) => !'\\,{}[]*?$'.includes(c));
const GLOB_CHARS = new Set(["*", "?", "{", "}", "[", "]", ","]);

const literal = (alphabet: readonly string[]): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(""));

const identifier = (max: number): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), fc.array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789_-"), { maxLength: max - 1 }))
    .map(([first, rest]) => first + rest.join(""));

const simplePiece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 5, arbitrary: literal(HOSTILE).map((lit) => ({ lit })) },
  { weight: 2, arbitrary: fc.constantFrom("*", "**", "?", "[0-9]", "[a-f]").map((op) => ({ op }) as Piece) },
  { weight: 1, arbitrary: fc.constant({ letRef: true } as Piece) },
);
const piece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 4, arbitrary: simplePiece },
  { weight: 1, arbitrary: fc.array(fc.array(simplePiece, { maxLength: 2 }), { minLength: 2, maxLength: 3 }).map((alt) => ({ alt })) },
);
const pieces = fc.array(piece, { minLength: 1, maxLength: 5 });

const grant: fc.Arbitrary<GrantSpec> = fc.record({
  kind: fc.constantFrom("volume", "device", "socket", "abstract") as fc.Arbitrary<GrantSpec["kind"]>,
  access: fc.constantFrom("ro", "rw", undefined) as fc.Arbitrary<Access>,
  pieces,
  trailingSlash: fc.boolean(),
});

const hex = (n: number): fc.Arbitrary<string> => fc.array(fc.constantFrom(..."0123456789abcdefABCDEF"), { minLength: n, maxLength: n }).map((a) => a.join(""));
const uuid = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join("-"));

const workload: fc.Arbitrary<WorkloadSpec> = fc.record({
  kind: fc.constantFrom("vm", "service") as fc.Arbitrary<"vm" | "service">,
  name: identifier(64),
  uuid,
  exec: fc.option(pieces, { nil: undefined }),
  mode: fc.constantFrom("enforce", "complain", undefined) as fc.Arbitrary<WorkloadSpec["mode"]>,
  abstractions: fc.subarray(["nameservice", "openssl", "ssl_certs"]),
  grants: fc.array(grant, { minLength: 1, maxLength: 5 }),
});

export const policySpec: fc.Arbitrary<PolicySpec> = fc
  .record({
    name: fc.option(identifier(63).map((n) => `${n}0`), { nil: undefined }),
    letValue: literal(LET_SAFE),
    protect: fc.array(pieces, { maxLength: 2 }),
    tenants: fc.array(fc.record({ name: identifier(20), workloads: fc.array(workload, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 3 }),
  })
  // Names unique where the grammar requires it: tenants (merging is another test's subject), workloads
  // in a tenant, VM names and UUIDs across the policy (the suffix keeps them apart).
  .map((p) => ({
    ...p,
    tenants: p.tenants.map((t, ti) => ({
      name: `${t.name}${ti}`,
      workloads: t.workloads.map((w, wi) => ({ ...w, name: `${w.name.slice(0, 58)}-${ti}-${wi}`, uuid: `${w.uuid.slice(0, 24)}${String(ti * 100 + wi).padStart(12, "0")}` })),
    })),
  }));

// ---- the policy as .iso text ----

function isoPieces(ps: readonly Piece[]): string {
  let out = "";
  for (const p of ps) {
    if ("lit" in p) {
      for (const c of p.lit) out += c === '"' || c === "\\" || GLOB_CHARS.has(c) ? `\\${c}` : c;
      // `$` then `{` would start an interpolation; the grammar has no escape for `$`.
      if (p.lit.endsWith("$")) out += "x";
    } else if ("op" in p) out += p.op;
    else if ("alt" in p) out += `{${p.alt.map(isoPieces).join(",")}}`;
    else out += "${h}";
  }
  return out;
}

const folder = (kind: GrantSpec["kind"], id: string): string => (kind === "device" ? `/dev/h${id}/h` : kind === "socket" ? `/run/h${id}/h` : kind === "abstract" ? `@h${id}-` : `/srv/h${id}/h`);

export function isoText(p: PolicySpec): string {
  const lines: string[] = [];
  if (p.name !== undefined) lines.push(`policy ${p.name}`);
  lines.push(`let h = "${p.letValue.replace(/["\\]/g, (c) => `\\${c}`)}"`);
  p.protect.forEach((g, i) => lines.push(`protect "/prot${i}/h${isoPieces(g)}/**"  # hostile protect ${i}`));
  p.tenants.forEach((t, ti) => {
    lines.push(`tenant ${t.name} {`);
    t.workloads.forEach((w, wi) => {
      lines.push(`  ${w.kind} ${w.name} {`);
      if (w.kind === "vm") lines.push(`    uuid "${w.uuid}"`);
      if (w.kind === "service" && w.exec !== undefined) lines.push(`    exec "/opt/h${ti}x${wi}/h${isoPieces(w.exec)}"`);
      w.grants.forEach((g, gi) => {
        const text = folder(g.kind, `${ti}x${wi}x${gi}`) + isoPieces(g.pieces) + (g.trailingSlash && g.kind !== "abstract" ? "/" : "");
        const item = g.kind === "abstract" ? "socket" : g.kind;
        lines.push(`    ${item} "${text}"${g.kind === "volume" || g.kind === "device" ? (g.access === undefined ? "" : ` ${g.access}`) : ""}  # ${gi}`);
      });
      for (const a of w.abstractions) lines.push(`    abstraction "${a}"`);
      if (w.mode !== undefined) lines.push(`    mode ${w.mode}`);
      lines.push("  }");
    });
    lines.push("}");
  });
  return `${lines.join("\n")}\n`;
}

/** The same tenants and workloads with nothing declared: moat's output for it is the fixed base. */
export function skeletonText(p: PolicySpec): string {
  const lines: string[] = [];
  for (const t of p.tenants) {
    lines.push(`tenant ${t.name} {`);
    for (const w of t.workloads) lines.push(`  ${w.kind} ${w.name} {${w.kind === "vm" ? ` uuid "${w.uuid}"` : ""} }`);
    lines.push("}");
  }
  return `${lines.join("\n")}\n`;
}

// ---- the rules, as an independent AppArmor rendering ----

const SAFE = /^[A-Za-z0-9/._-]$/;

/** A quoted AppArmor string, as docs/security.md says: every byte outside [A-Za-z0-9/._-] as an octal escape. */
function aaLiteral(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE.test(c) ? c : `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return out;
}

function aaPieces(ps: readonly Piece[], letValue: string): string {
  let out = "";
  for (const p of ps) {
    if ("lit" in p) out += aaLiteral(p.lit.endsWith("$") ? `${p.lit}x` : p.lit);
    else if ("op" in p) out += p.op;
    else if ("alt" in p) out += `{${p.alt.map((b) => aaPieces(b, letValue)).join(",")}}`;
    else out += aaLiteral(letValue);
  }
  return out;
}

const quoted = (prefix: string, ps: readonly Piece[], letValue: string, suffix = ""): string => `"${aaLiteral(prefix)}${aaPieces(ps, letValue)}${suffix}"`;

export interface ExpectedProfile {
  /** The output file. */
  readonly path: string;
  readonly head: string;
  /** The declared rules (grants, then protect denies), one per line. */
  readonly rules: readonly string[];
  /** Abstractions the policy declares for this workload. */
  readonly abstractions: readonly string[];
  readonly tenant: string;
  readonly workload: WorkloadSpec;
}

export function expectedProfiles(p: PolicySpec): ExpectedProfile[] {
  const protect = p.protect.map((g, i) => `deny ${quoted(`/prot${i}/h`, g, p.letValue, "/**")} rwlkmx,`);
  return p.tenants.flatMap((t, ti) =>
    t.workloads.map((w, wi) => {
      const rules = w.grants.flatMap((g, gi) => {
        const prefix = folder(g.kind, `${ti}x${wi}x${gi}`);
        if (g.kind === "abstract") {
          const name = `"@${aaLiteral(prefix.slice(1))}${aaPieces(g.pieces, p.letValue)}"`;
          return [`unix (bind, listen) addr=${name},`, `unix (accept, send, receive) addr=${name} peer=(addr=none),`, `unix (connect, send, receive) addr=none peer=(addr=${name}),`];
        }
        const q = quoted(prefix, g.pieces, p.letValue, g.trailingSlash ? "/" : "");
        const access = g.access ?? "rw";
        if (g.kind === "socket") return [`${q} rw,`];
        if (g.kind === "device") return [`${q} ${access === "ro" ? "r" : "rw"},`];
        return access === "ro" ? [`${q} rk,`, `deny ${q} w,`] : [`${q} rwk,`];
      });
      const complain = w.mode === "complain";
      const head =
        w.kind === "vm"
          ? `profile libvirt-${w.uuid.toLowerCase()} flags=(attach_disconnected${complain ? ", complain" : ""}) {`
          : `profile moat.${t.name}.${w.name}${w.exec === undefined ? "" : ` ${quoted(`/opt/h${ti}x${wi}/h`, w.exec, p.letValue)}`}${complain ? " flags=(complain)" : ""} {`;
      const path = w.kind === "vm" ? `apparmor.d/libvirt-${w.uuid.toLowerCase()}` : `apparmor.d/moat.${t.name}.${w.name}`;
      return { path, head, rules: [...rules, ...protect], abstractions: w.abstractions, tenant: t.name, workload: w };
    }),
  );
}
