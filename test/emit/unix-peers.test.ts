/**
 * An owned abstract socket reaches its own peers only. The profile of the owner of `@acme-backup` is
 * compiled by the real apparmor_parser, abstractions included (base for a service, libvirt-qemu for a
 * vm), and its `-D rule-exprs` expressions are evaluated on the strings the kernel's af_unix mediation
 * matches (docs/security.md, "Unix sockets"): a socket at `@acme-backup` may not send to, receive from,
 * accept or connect to a peer at `@globex-db`, an unbound socket may not connect or send to
 * `@globex-db`, and `@globex-db` may not be bound or listened on; while the owner's own uses (bind,
 * listen, accept clients, connect to its name) are allowed, so the evaluation is not vacuous. The last
 * test plants the bug: the same rules without their peer conditions are caught.
 */
import { expect, it } from "vitest";
import { emitOutputs } from "../../src/emit/emit-outputs.js";
import type { Model } from "../../src/model/types.js";
import { describeWithValidators, ruleExprs } from "../support/validators.js";
import { FakeSource, model, ROOT, service, socket, UUID_CI, UUID_WEB, vm } from "./fixtures.js";

/** A compiled rule: the byte regex the parser built (its input expression) and the permission bits. */
interface CompiledRule {
  readonly regex: RegExp;
  readonly perms: number;
  readonly deny: boolean;
}

/**
 * Permission bits as the parser prints them for network rules (parser/network.h map_perms: send and
 * receive are the file write and read bits, connect the open bit, accept, bind and listen shifted down).
 */
const PERM = { send: 0x2, receive: 0x4, connect: 0x40, accept: 0x10000, bind: 0x20000, listen: 0x40000 } as const;
type Perm = keyof typeof PERM;

/** The parser's input expression (`\xHH`, `\OOO`, `\` + a literal, `.`, `[^…]`, `(…|…)`, `*`) as a JS RegExp over bytes. */
function byteRegExp(expr: string): RegExp {
  const hex = (code: number): string => "\\x" + code.toString(16).padStart(2, "0");
  let out = "";
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const rest = expr.slice(i + 1);
    const x = /^x([0-9a-fA-F]{2})/.exec(rest);
    const o = /^[0-7]{3}/.exec(rest);
    if (x !== null) {
      out += hex(parseInt(x[1]!, 16));
      i += 3;
    } else if (o !== null) {
      out += hex(parseInt(o[0], 8));
      i += 3;
    } else {
      out += hex(expr.charCodeAt(++i));
    }
  }
  return new RegExp(`^(?:${out})$`, "s");
}

const RULE = /^rule: (.*?)  ->  .* (deny )?\(0x([0-9a-f]+)\/[0-9a-f]+\)< 0x[0-9a-f]+>$/;

/**
 * The af_unix rules of `profile` as the parser compiled them: class 14 (the network class of the 3.0
 * ABI the profiles declare), address family 1 (AF_UNIX).
 */
function unixRules(profile: string): CompiledRule[] {
  const rules: CompiledRule[] = [];
  for (const line of ruleExprs(profile).raw.split("\n")) {
    const m = RULE.exec(line);
    if (m === null || !m[1]!.startsWith("\\x0e\\x00\\x01")) continue;
    rules.push({ regex: byteRegExp(m[1]!), perms: parseInt(m[3]!, 16), deny: m[2] !== undefined });
  }
  return rules;
}

/** What the DFA grants on `query`: every allow rule matching it, less every deny rule matching it. */
function granted(rules: readonly CompiledRule[], query: string): number {
  let allow = 0;
  let deny = 0;
  for (const r of rules) {
    if (!r.regex.test(query)) continue;
    if (r.deny) deny |= r.perms;
    else allow |= r.perms;
  }
  return allow & ~deny;
}

// The strings the kernel matches (security/apparmor/af_unix.c): class, family, type and protocol (16 bits
// each, big endian); the local address (an abstract one as `\0NAME`, an unbound socket as `\x01`) and a
// NUL; the local label, which the kernel does not match, and a NUL. Then a command: `\x02` and the
// backlog for listen; `\x01`, the peer's address, a NUL and the peer's label for a peer permission.
const be16 = (n: number): string => String.fromCharCode(n >> 8, n & 0xff);
const STREAM = 1;
const DGRAM = 2;
type Addr = string | null;
const address = (addr: Addr): string => (addr === null ? "\x01" : "\x00" + addr) + "\x00";
const local = (type: number, addr: Addr): string => "\x0e" + be16(1) + be16(type) + be16(0) + address(addr) + "\x00";
const listenQuery = (type: number, addr: Addr): string => local(type, addr) + "\x02" + be16(128);
const peerQuery = (type: number, addr: Addr, peer: Addr, label: string): string => local(type, addr) + "\x01" + address(peer) + label;

const show = (addr: Addr): string => (addr === null ? "unbound" : `@${addr}`);

/**
 * Everything the owner of `own` may do that involves `other`: as its local address or as a peer, from a
 * socket at `own`, at `other` or unbound, with peers of each label in `labels`. Empty when isolated.
 */
function reachesOther(rules: readonly CompiledRule[], own: string, other: string, labels: readonly string[]): string[] {
  const found: string[] = [];
  const check = (what: string, query: string, perms: readonly Perm[]): void => {
    const bits = granted(rules, query);
    const hits = perms.filter((p) => (bits & PERM[p]) !== 0);
    if (hits.length > 0) found.push(`${hits.join(", ")} ${what}`);
  };
  for (const type of [STREAM, DGRAM]) {
    const t = type === STREAM ? "stream" : "dgram";
    check(`on ${t} @${other} (bind)`, local(type, other), ["bind"]);
    check(`on ${t} @${other} (listen)`, listenQuery(type, other), ["listen"]);
    for (const label of labels) {
      // A socket at its own name, or unbound, towards the other address.
      for (const from of [own, null]) {
        check(`${t} from ${show(from)} to @${other} (peer ${label})`, peerQuery(type, from, other, label), ["send", "connect", "accept", "receive"]);
      }
      // The other address as the local end: a socket there, whatever its peer.
      for (const to of [own, null]) {
        check(`${t} from @${other} to ${show(to)} (peer ${label})`, peerQuery(type, other, to, label), ["send", "connect", "accept", "receive"]);
      }
    }
  }
  return found;
}

/** The owner's own uses that must stay allowed; the missing ones. */
function ownUsesMissing(rules: readonly CompiledRule[], own: string, label: string): string[] {
  const missing: string[] = [];
  const need = (what: string, query: string, perms: readonly Perm[]): void => {
    const bits = granted(rules, query);
    for (const p of perms) if ((bits & PERM[p]) === 0) missing.push(`${p} ${what}`);
  };
  for (const type of [STREAM, DGRAM]) {
    need(`@${own}`, local(type, own), ["bind", "accept"]);
    need(`listen @${own}`, listenQuery(type, own), ["listen"]);
    need(`at @${own} with an unbound ${label} peer`, peerQuery(type, own, null, label), ["accept", "send", "receive"]);
    need(`from an unbound socket to @${own} (${label})`, peerQuery(type, null, own, label), ["connect", "send", "receive"]);
  }
  return missing;
}

function profiles(m: Model): Map<string, string> {
  return new Map(emitOutputs(m, { version: "0.0.0-test" }).map((o) => [o.path, o.content]));
}

/** acme's service and vm each own an abstract name; globex's service owns `@globex-db`. */
function fleet(): Map<string, string> {
  const file = new FakeSource(`${ROOT}/unix.iso`);
  const agent = file.line('tenant acme { service backup-agent { socket "@acme-backup" } }');
  const web = file.line(`tenant acme { vm web01 { uuid "${UUID_WEB}" socket "@acme-web01-qmp" } }`);
  const db = file.line('tenant globex { service db { socket "@globex-db" } }');
  return profiles(
    model({
      sources: [file.source()],
      workloads: [
        service({ tenant: "acme", name: "backup-agent", span: agent, resources: [socket("@acme-backup", agent)] }),
        vm({ tenant: "acme", name: "web01", span: web, uuid: UUID_WEB, resources: [socket("@acme-web01-qmp", web)] }),
        service({ tenant: "globex", name: "db", span: db, resources: [socket("@globex-db", db)] }),
      ],
    }),
  );
}

/** Peer labels to try: other tenants' profiles (a service's, a vm's), and host processes. */
const TENANT_LABELS = ["moat.globex.db", `libvirt-${UUID_CI}`];
const HOST_LABELS = ["unconfined", "libvirtd", "virtqemud", "swtpm"];

/** The profile without its abstraction includes: moat's own rules only. */
const withoutAbstractions = (profile: string): string => profile.replace(/^ *include <abstractions\/[^>]+>\n/gm, "");

/**
 * What the included abstractions themselves allow towards any address, host peers only: Debian's
 * abstractions/base lets any socket receive from an unconfined peer; libvirt's abstractions/libvirt-qemu
 * lets QEMU's unbound stream sockets talk with libvirt's daemons and swtpm. Listed so that a change in
 * them shows here; moat's own rules add nothing to it (docs/security.md, "Unix sockets").
 */
function abstractionGrants(own: string, other: string, vmProfile: boolean): string[] {
  const out: string[] = [];
  for (const t of ["stream", "dgram"]) {
    out.push(
      `receive ${t} from @${own} to @${other} (peer unconfined)`,
      `receive ${t} from unbound to @${other} (peer unconfined)`,
      `receive ${t} from @${other} to @${own} (peer unconfined)`,
      `receive ${t} from @${other} to unbound (peer unconfined)`,
    );
    if (vmProfile && t === "stream") for (const daemon of ["libvirtd", "virtqemud", "swtpm"]) out.push(`send, receive stream from unbound to @${other} (peer ${daemon})`);
  }
  return out.sort();
}

describeWithValidators("owned abstract sockets reach their own peers only (apparmor_parser -D rule-exprs)", ["apparmor_parser", "libvirt-qemu-abstraction"], () => {
  const outputs = fleet();
  const agent = outputs.get("apparmor.d/moat.acme.backup-agent")!;
  const web = outputs.get(`apparmor.d/libvirt-${UUID_WEB}`)!;
  const cases = [
    { what: "the service owning @acme-backup", profile: agent, own: "acme-backup", vm: false },
    { what: "the vm owning @acme-web01-qmp", profile: web, own: "acme-web01-qmp", vm: true },
  ];

  for (const c of cases) {
    it(`${c.what}: its own rules reach nothing at @globex-db, whatever the peer; its own uses are allowed`, () => {
      const rules = unixRules(withoutAbstractions(c.profile));
      expect(rules.length).toBeGreaterThan(0);
      expect(reachesOther(rules, c.own, "globex-db", [...TENANT_LABELS, ...HOST_LABELS])).toEqual([]);
      for (const label of [...TENANT_LABELS, ...HOST_LABELS]) expect(ownUsesMissing(rules, c.own, label)).toEqual([]);
    });

    it(`${c.what}: with its abstractions, no other tenant at @globex-db; host peers only as the abstractions allow`, () => {
      const rules = unixRules(c.profile);
      expect(reachesOther(rules, c.own, "globex-db", TENANT_LABELS)).toEqual([]);
      expect(reachesOther(rules, c.own, "globex-db", HOST_LABELS).sort()).toEqual(abstractionGrants(c.own, "globex-db", c.vm));
    });
  }

  it("the check can fail: the rules without their peer conditions (or the old single rule) are caught", () => {
    expect(agent).toContain('  unix (accept, send, receive) addr="@acme-backup" peer=(addr=none),\n');
    expect(agent).toContain('  unix (connect, send, receive) addr=none peer=(addr="@acme-backup"),\n');
    const withoutServerPeer = agent.replace(' addr="@acme-backup" peer=(addr=none),', ' addr="@acme-backup",');
    const withoutClientPeer = agent.replace(' addr=none peer=(addr="@acme-backup"),', " addr=none,");
    const oldRule = agent.replace(/  unix [^\n]*\n/g, "").replace("  # protected", '  unix (bind, listen, accept, send, receive) addr="@acme-backup",\n\n  # protected');
    for (const edited of [withoutServerPeer, withoutClientPeer, oldRule]) expect(edited).not.toBe(agent);
    const found = (profile: string): string[] => reachesOther(unixRules(withoutAbstractions(profile)), "acme-backup", "globex-db", TENANT_LABELS);
    expect(found(withoutServerPeer)).toContain("send, accept, receive stream from @acme-backup to @globex-db (peer moat.globex.db)");
    expect(found(withoutClientPeer)).toContain("send, connect, receive dgram from unbound to @globex-db (peer moat.globex.db)");
    expect(found(oldRule)).toContain("send, accept, receive dgram from @acme-backup to @globex-db (peer moat.globex.db)");
  });
});
