/**
 * Generated policies for the formatter's properties: a policy is a list of tokens, and a source is
 * those tokens joined by random blanks, line breaks (LF, CRLF), blank lines and comments.
 * `anyPolicy` is syntactically valid and otherwise random; `compilablePolicy` is also meant to
 * compile (distinct tenants, names, UUIDs and paths), so that outputs can be compared.
 */
import fc from "fast-check";

type Tokens = string[];

const NAMES = ["a", "b", "web-01", "x_y", "Z9", "vmx", "tenantA", "policy2", "images"];
const name = fc.constantFrom(...NAMES);

// Atomic pieces, so that no combination makes an invalid escape or a malformed ${...}.
const STRING_PIECES = [
  "a", "/", "b/c", ".", "-", "_", "\\\"", "\\\\", "\\*", "\\{", "\\,", "\\[", "*", "**", "?", "[0-9]",
  "{a,b}", "{,**}", "${a}", "${images}", " ", "#", "é", "😀", "'", ";", "}", "{",
];
const stringLiteral = fc.array(fc.constantFrom(...STRING_PIECES), { maxLength: 6 }).map((p) => `"${p.join("")}"`);
const access = fc.option(fc.constantFrom("ro", "rw"), { nil: undefined });

const kernelName = fc.constantFrom("net_admin", "chown", "inet", "unix", "stream", "raw", ...NAMES);

const item: fc.Arbitrary<Tokens> = fc.oneof(
  fc.tuple(fc.constantFrom("uuid", "exec", "socket", "abstraction", "lxc", "read"), stringLiteral).map(([k, s]) => [k, s]),
  fc.tuple(fc.constantFrom("volume", "device"), stringLiteral, access).map(([k, s, a]) => (a === undefined ? [k, s] : [k, s, a])),
  fc.constantFrom("enforce", "complain").map((m) => ["mode", m]),
  fc.tuple(stringLiteral, fc.constantFrom("inherit", "own")).map(([s, m]) => ["run", s, m]),
  fc.array(kernelName, { minLength: 1, maxLength: 3 }).map((ns) => ["capability", ...ns.flatMap((n, i) => (i === 0 ? [n] : [",", n]))]),
  fc.tuple(kernelName, fc.option(kernelName, { nil: undefined })).map(([f, t]) => (t === undefined ? ["network", f] : ["network", f, t])),
);

const workload: fc.Arbitrary<Tokens> = fc
  .tuple(fc.constantFrom("vm", "service", "container"), name, fc.array(item, { maxLength: 5 }))
  .map(([k, n, items]) => [k, n, "{", ...items.flat(), "}"]);

const statement: fc.Arbitrary<Tokens> = fc.oneof(
  name.map((n) => ["policy", n]),
  fc.tuple(name, stringLiteral).map(([n, s]) => ["let", n, "=", s]),
  fc.tuple(fc.constantFrom("include", "protect"), stringLiteral).map(([k, s]) => [k, s]),
  fc.tuple(stringLiteral, fc.array(name, { minLength: 1, maxLength: 3 })).map(([s, ts]) => ["shared", s, "ro", "with", ...ts.flatMap((t, i) => (i === 0 ? [t] : [",", t]))]),
  fc.tuple(name, fc.array(workload, { maxLength: 3 })).map(([n, ws]) => ["tenant", n, "{", ...ws.flat(), "}"]),
);

export const anyPolicy: fc.Arbitrary<Tokens> = fc.array(statement, { maxLength: 6 }).map((s) => s.flat());

const commentText = fc
  .string({ unit: fc.constantFrom("a", " ", "\t", "#", '"', "\\", "{", "}", "é", "😀", "x"), maxLength: 12 })
  .map((s) => `#${s}`);

/** What may stand between two tokens: never empty, and a comment always ends its line. */
const separator: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(" ", "  ", "\t", "\n", "\r\n", "\n\n", "\n  \n\n", "\n    ") },
      { weight: 1, arbitrary: fc.tuple(commentText, fc.constantFrom("\n", "\r\n")).map(([c, nl]) => ` ${c}${nl}`) },
      { weight: 1, arbitrary: fc.tuple(commentText, fc.constantFrom("\n", "\r\n", "\n\n")).map(([c, nl]) => `\n${c}${nl}`) },
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((parts) => parts.join(""));

/** The tokens written out with a random separator around and between them. */
export function noisy(tokens: fc.Arbitrary<Tokens>): fc.Arbitrary<string> {
  return tokens.chain((ts) =>
    fc.array(separator, { minLength: ts.length + 1, maxLength: ts.length + 1 }).map((seps) => seps[0] + ts.map((t, i) => t + seps[i + 1]).join("")),
  );
}

const hex = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), minLength: n, maxLength: n });
const uuid = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => `"${p.join("-")}"`);

/** A tenant's workloads with paths under the tenant's own folder, so tenants never overlap. */
function compilableTenant(tenant: string): fc.Arbitrary<Tokens> {
  const resource = (w: string, i: number): fc.Arbitrary<Tokens> =>
    fc.oneof<fc.Arbitrary<Tokens>[]>(
      fc.tuple(access, fc.constantFrom("qcow2", "img", "\\*raw")).map(([a, ext]) => ["volume", `"\${base}/${tenant}/${w}-${i}.${ext}"`, ...(a === undefined ? [] : [a])]),
      fc.constant<Tokens>(["volume", '"/srv/common/base.img"', "ro"]),
      access.map((a) => ["device", `"/dev/vg0/${tenant}-${w}-${i}"`, ...(a === undefined ? [] : [a])]),
      fc.constantFrom<Tokens>(["socket", `"@${tenant}-${w}-${i}"`], ["socket", `"/run/${tenant}/${w}-${i}.sock"`]),
      fc.constantFrom<Tokens>(["abstraction", '"nameservice"'], ["mode", "complain"], ["mode", "enforce"]),
    );
  // What only a service may hold: reads of its own configuration, a helper it runs, capabilities, network.
  const serviceExtras = (w: string): fc.Arbitrary<Tokens> =>
    fc.subarray<Tokens>([
      ["read", `"/etc/${tenant}/${w}/{,**}"`],
      ["run", `"/usr/lib/${tenant}/${w}-helper"`, "inherit"],
      ["capability", "net_admin", ",", "chown"],
      ["network", "inet", "stream"],
      ["network", "netlink"],
    ]).map((xs) => xs.flat());
  const workloadAt = (index: number): fc.Arbitrary<Tokens> =>
    fc.tuple(fc.constantFrom("vm", "service", "container"), uuid, fc.array(fc.nat(), { minLength: 1, maxLength: 4 })).chain(([kind, id, picks]) => {
      const w = `${tenant}-w${index}`;
      const head = kind === "vm" ? ["uuid", id] : kind === "service" ? ["exec", `"/usr/bin/${w}"`] : ["lxc", `"host1-${w}-container"`];
      const extras = kind === "service" ? serviceExtras(w) : fc.constant<Tokens>([]);
      return fc.tuple(extras, ...picks.map((_, i) => resource(w, i))).map(([more, ...rs]) => {
        // An item may be given once per workload (MOAT212): keep the first mode and abstraction. A
        // container takes only volumes, devices and a mode.
        const seen = new Set<string>();
        const items = rs
          .filter((r) => kind !== "container" || r[0] === "volume" || r[0] === "device" || r[0] === "mode")
          .filter((r) => (r[0] === "mode" || r[0] === "abstraction" ? !seen.has(r[0]) && seen.add(r[0]) !== undefined : true));
        return [kind, w, "{", ...head, ...items.flat(), ...more, "}"];
      });
    });
  return fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => workloadAt(i)))).map((ws) => ["tenant", tenant, "{", ...ws.flat(), "}"]);
}

export const compilablePolicy: fc.Arbitrary<Tokens> = fc
  .subarray(["acme", "globex", "initech"], { minLength: 1 })
  .chain((tenants) =>
    fc.tuple(...tenants.map(compilableTenant)).map((blocks) => [
      "policy", "generated",
      "let", "base", "=", '"/srv/tenants"',
      "protect", '"/srv/secret/**"',
      ...blocks.flat(),
      "shared", '"/srv/common/**"', "ro", "with", ...tenants.flatMap((t, i) => (i === 0 ? [t] : [",", t])),
    ]),
  );
