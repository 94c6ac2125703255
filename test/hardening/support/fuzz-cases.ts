/**
 * Hostile inputs for compile(): random bytes, random token streams, mutations of the bundled examples
 * and hand-made pathological shapes. A case is a set of in-memory files plus the entries to compile,
 * plain JSON so that it can be handed to a child process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { REPO } from "./build.js";

export interface FuzzCase {
  readonly label: string;
  readonly files: Record<string, string>;
  readonly entries: readonly string[];
}

const single = (label: string, text: string): FuzzCase => ({ label, files: { "/p/main.iso": text }, entries: ["/p/main.iso"] });

/** Every .iso file of the policy examples (the error corpus too), keyed by a root-relative POSIX path. */
export function exampleFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(REPO, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith(".iso") || e.name.endsWith(".iso.json")) files[`/${r}`] = fs.readFileSync(path.join(REPO, r), "utf8");
    }
  };
  walk("examples");
  return files;
}

/** The multi-file examples, each compiled from its main file; mutations pick one of their files. */
const PROJECTS = ["/examples/compute-01/main.iso", "/examples/control-01/main.iso"];

const FRAGMENTS = [
  "policy", "let", "include", "protect", "shared", "with", "tenant", "vm", "service", "uuid", "exec", "volume",
  "device", "socket", "abstraction", "mode", "enforce", "complain", "ro", "rw", "{", "}", "=", ",", "#c\n", "\n",
  '"/a"', '"/a/**"', '"${x}"', '"\\*"', '"${"', '"', "\\", "$", "acme", "web-01", "x", "\u0000", "\ufffd", "\ud800",
  '"6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"', '"@sock"', '"/dev/vg0/a-b"', '"/{a,b}{c,d}"', '"/[0-9]*"', '"nameservice"',
  '"../x.iso"', '"main.iso"', '"/srv/x/{,**}"', '"/a b"', '"/\\"/"', "let x =", "tenant t {", "vm v { uuid", "}}",
];

/** Splits a file into tokens and the separators between them, so that mutations keep the rest intact. */
function tokens(text: string): string[] {
  return text.match(/"(?:[^"\\\n]|\\.)*"|#[^\n]*|[A-Za-z0-9_.-]+|\s+|./gsu) ?? [];
}

function mutate(text: string, kind: number, a: number, b: number): string {
  const t = tokens(text);
  if (t.length === 0) return text;
  const i = a % t.length;
  const j = b % t.length;
  switch (kind) {
    case 0: // delete a token
      return [...t.slice(0, i), ...t.slice(i + 1)].join("");
    case 1: // duplicate a token
      return [...t.slice(0, i + 1), t[i]!, ...t.slice(i + 1)].join("");
    case 2: { // swap two tokens
      const u = [...t];
      [u[i], u[j]] = [u[j]!, u[i]!];
      return u.join("");
    }
    case 3: // truncate the file
      return text.slice(0, (a * 7919 + b) % (text.length + 1));
    case 4: // replace a token by a hostile fragment
      return [...t.slice(0, i), FRAGMENTS[b % FRAGMENTS.length]!, ...t.slice(i + 1)].join("");
    default: // move a token elsewhere
      return [...t.slice(0, i), ...t.slice(i + 1, j), t[i]!, ...t.slice(j)].join("");
  }
}

/** `count` random cases of each kind, reproducible from `seed`. */
export function randomCases(seed: number, count: number): FuzzCase[] {
  const examples = exampleFiles();
  const decoder = new TextDecoder("utf-8");
  const sample = <T>(arb: fc.Arbitrary<T>, n: number, offset: number): T[] => fc.sample(arb, { seed: seed + offset, numRuns: n });
  const cases: FuzzCase[] = [];
  for (const bytes of sample(fc.uint8Array({ maxLength: 400 }), count, 1)) cases.push(single("random bytes as UTF-8", decoder.decode(bytes)));
  for (const text of sample(fc.string({ unit: "binary", maxLength: 300 }), count, 2)) cases.push(single("random code points", text));
  for (const parts of sample(fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })), { maxLength: 80 }), count, 3)) {
    cases.push(single("random token stream", parts.join(" ")));
  }
  const mutation = fc.record({ project: fc.nat(), file: fc.nat(), steps: fc.array(fc.tuple(fc.nat(5), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }) });
  const names = Object.keys(examples);
  for (const m of sample(mutation, count * 3, 4)) {
    const entry = PROJECTS[m.project % PROJECTS.length]!;
    const dir = path.posix.dirname(entry);
    const own = names.filter((n) => n.startsWith(`${dir}/`));
    const target = own[m.file % own.length]!;
    const files = { ...examples };
    files[target] = m.steps.reduce((text, [kind, a, b]) => mutate(text, kind, a, b), files[target]!);
    cases.push({ label: `mutated ${target.slice(1)} (${m.steps.map((s) => s.join(":")).join(" ")})`, files, entries: [entry] });
  }
  // The error corpus, mutated too: policies that are already wrong, made wrong differently.
  const errors = names.filter((n) => n.startsWith("/examples/errors/") && n.endsWith(".iso"));
  for (const m of sample(mutation, count, 5)) {
    const target = errors[m.file % errors.length]!;
    const text = m.steps.reduce((t, [kind, a, b]) => mutate(t, kind, a, b), examples[target]!);
    cases.push({ label: `mutated ${target.slice(1)}`, files: { ...examples, [target]: text }, entries: [target] });
  }
  return cases;
}

const VM = (name: string, body: string): string => `tenant t {\n vm ${name} {\n  uuid "6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f"\n${body}\n }\n}\n`;

/** `let`s that each double the previous one: 16 × 2^60 bytes if moat expanded them naively. */
export function billionLaughs(): FuzzCase {
  const lets = ['let a0 = "xxxxxxxxxxxxxxxx"', ...Array.from({ length: 60 }, (_, i) => `let a${i + 1} = "\${a${i}}\${a${i}}"`)].join("\n");
  return single("interpolation doubling (a billion laughs)", `${lets}\n${VM("v", '  volume "/srv/${a60}" rw')}`);
}

/** Shapes no random generator finds quickly: depth, length, size, bytes a policy must never hold. */
export function pathologicalCases(): FuzzCase[] {
  const n = 100_000;
  const includeChain: Record<string, string> = {};
  for (let i = 0; i < 2000; i++) includeChain[`/p/f${i}.iso`] = `include "f${i + 1}.iso"\n`;
  includeChain["/p/f2000.iso"] = VM("deep", '  volume "/srv/deep/disk" rw');
  const fanout: Record<string, string> = { "/p/main.iso": Array.from({ length: 300 }, () => 'include "twice.iso"').join("\n") };
  fanout["/p/twice.iso"] = `${Array.from({ length: 300 }, () => 'include "leaf.iso"').join("\n")}\n`;
  fanout["/p/leaf.iso"] = 'protect "/srv/leaf/**"\n';
  return [
    single("nested tenant blocks", "tenant a { ".repeat(n)),
    single("nested braces", "{".repeat(n * 10)),
    single("closing braces", "}".repeat(n * 10)),
    single("deeply nested alternation", VM("v", `  volume "/srv/${"{a,".repeat(n)}b${"}".repeat(n)}" rw`)),
    single("deeply nested alternation, unbalanced", VM("v", `  volume "/srv/${"{a,".repeat(n)}b" rw`)),
    single("nested classes", VM("v", `  volume "/srv/${"[".repeat(n)}a${"]".repeat(n)}" rw`)),
    single("a 4 MB comment line", `# ${"a".repeat(4_000_000)}\n${VM("v", '  volume "/srv/x" rw')}`),
    single("a 100 KB path", VM("v", `  volume "/srv/${"a".repeat(100_000)}" rw`)),
    single("a path of 200,000 components", VM("v", `  volume "${"/ab".repeat(200_000)}" rw`)),
    single("an identifier of 1,000,000 characters", `tenant ${"t".repeat(1_000_000)} { }`),
    single("a vm name of 65 characters", VM("v".repeat(65), '  volume "/srv/x" rw')),
    single("many escapes", VM("v", `  volume "/srv/${"\\*\\{\\,\\\\\\\"".repeat(n)}" rw`)),
    single("a let used a million times", `let a = "/srv/x"\nprotect "${"${a}".repeat(1_000_000)}"\n`),
    single("NUL in a path", VM("v", '  volume "/srv/a\u0000b" rw')),
    single("NUL between tokens", `policy p\u0000\n${VM("v", '  volume "/srv/x" rw')}`),
    single("lone surrogates", VM("v", '  volume "/srv/\ud800\udfff\udc00" rw')),
    single("replacement characters (invalid UTF-8 read with replacement)", VM("v", '  volume "/srv/\ufffd\ufffd" rw')),
    single("byte order marks and bidi controls", `\ufeffpolicy p\n${VM("v", '  volume "/srv/\u202e\ufeff" rw')}`),
    single("CR line ends and form feeds", VM("v", '  volume "/srv/x" rw').replace(/\n/g, "\r\f")),
    { label: "a chain of 2000 includes", files: includeChain, entries: ["/p/f0.iso"] },
    { label: "90,000 includes of one file", files: fanout, entries: ["/p/main.iso"] },
    { label: "an include of itself", files: { "/p/main.iso": 'include "main.iso"\n' }, entries: ["/p/main.iso"] },
    { label: "an include of an absolute and an escaping path", files: { "/p/main.iso": 'include "/etc/shadow"\ninclude "../../../../etc/passwd"\ninclude ""\ninclude "."\n' }, entries: ["/p/main.iso"] },
    { label: "a JSON policy nested 100,000 deep", files: { "/p/p.iso.json": "[".repeat(n) + "]".repeat(n) }, entries: ["/p/p.iso.json"] },
    { label: "a JSON policy of hostile values", files: { "/p/p.iso.json": '{"tenants":[{"name":"a\\u0000","workloads":[{"kind":"vm","name":"__proto__","uuid":"x","resources":[{"kind":"volume","path":"/a\\"b","access":"rw"}]}]}],"__proto__":{"x":1},"constructor":null}' }, entries: ["/p/p.iso.json"] },
    { label: "no readable file", files: {}, entries: ["/p/missing.iso"] },
  ];
}
