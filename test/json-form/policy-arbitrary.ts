/**
 * fast-check generator of valid, isolated .iso policies for round-trip properties: up to three tenants
 * with vms (valid uuids in either case), services (with reads, runs, capabilities and network rules)
 * and containers (with an LXC name or not), volumes, devices and sockets under per-tenant
 * paths, glob operators and escaped glob characters, lets used in strings, tenants split over several
 * blocks, items in any order, protect and shared statements. Warnings may occur (empty workloads,
 * writable overlaps within a tenant, symlinked LVM paths); errors must not.
 */
import fc from "fast-check";

interface PathSpec {
  /** A let whose value starts the path, or none. */
  readonly let?: "images" | "srv";
  /** The rest of the path, as glob source. */
  readonly rest: string;
}

interface ItemSpec {
  readonly keyword: "uuid" | "exec" | "mode" | "abstraction" | "volume" | "device" | "socket" | "lxc" | "read" | "run" | "capability" | "network";
  /** For capability and network: the names as written after the keyword. */
  readonly value: string | PathSpec;
  readonly access?: "ro" | "rw" | "inherit" | "own";
}

interface WorkloadSpec {
  readonly kind: "vm" | "service" | "container";
  readonly name: string;
  readonly items: readonly ItemSpec[];
}

interface TenantSpec {
  readonly name: string;
  readonly workloads: readonly WorkloadSpec[];
  /** Declared in two blocks, the second after every other tenant's first. */
  readonly split: boolean;
}

export interface PolicySpec {
  readonly policy?: string;
  readonly protect: readonly string[];
  readonly tenants: readonly TenantSpec[];
  readonly shared?: { readonly tenants: readonly string[] };
}

const LETS = { images: "/var/lib/libvirt/images", srv: "/srv" } as const;
const TENANTS = ["acme", "globex", "initech", "Umbrella_2"];
const ABSTRACTIONS = ["nameservice", "openssl", "ssl_certs", "user-tmp"];
/** Endings of file names: plain, glob operators, and literal glob characters, quote, space, non-ASCII. */
const ENDINGS = ["disk.qcow2", "{,**}", "data-[0-9].img", "*.raw", "log?", "odd\\*name", "back\\\\slash", 'quo"te', "spaced name é", "{a,b{,c}}.img"];

const hex = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), minLength: n, maxLength: n });
const uuid = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join("-"));

function resources(tenant: string, workload: string, shared: boolean): fc.Arbitrary<ItemSpec[]> {
  const own = `${tenant}/${workload}`;
  const access = fc.constantFrom<"ro" | "rw" | undefined>("ro", "rw", undefined);
  const options: fc.Arbitrary<ItemSpec>[] = [
    fc.record({ ending: fc.constantFrom(...ENDINGS), viaLet: fc.boolean(), access }).map(({ ending, viaLet, access }) =>
      volume(viaLet ? { let: "images", rest: `/${own}/${ending}` } : { rest: `${LETS.images}/${own}/${ending}` }, access),
    ),
    fc.record({ ending: fc.constantFrom(...ENDINGS), viaLet: fc.boolean(), access }).map(({ ending, viaLet, access }) =>
      volume(viaLet ? { let: "srv", rest: `/${own}/${ending}` } : { rest: `/srv/${own}/${ending}` }, access),
    ),
    // Within a tenant, workloads may reach the same folder (a warning when one writes it).
    access.map((a) => volume({ let: "srv", rest: `/${tenant}/common/**` }, a)),
    fc.record({ lv: fc.constantFrom("root", "data"), access }).map(({ lv, access }) => volume({ rest: `/dev/vg0/${tenant}-${workload}-${lv}` }, access)),
    fc.record({ n: fc.nat(3), access }).map(({ n, access }) => device({ rest: `/dev/moat/${own}/d${n}` }, access)),
    fc.constantFrom("/dev/kvm", "/dev/net/tun", "/dev/vfio/vfio").chain((p) => access.map((a) => device({ rest: p }, a))),
    fc.constantFrom(`/run/moat/${own}.sock`, `/run/moat/${own}/*.sock`, `@${tenant}-${workload}`, `@${tenant}-${workload}-[0-9]`).map(
      (p): ItemSpec => ({ keyword: "socket", value: { rest: p } }),
    ),
  ];
  if (shared) options.push(fc.nat(5).map((n) => volume({ rest: `/srv/shared/base/img${n}.qcow2` }, "ro")));
  return fc.array(fc.oneof(...options), { maxLength: 4 });
}

/** What only a service may hold, each under the tenant's or the workload's own names. */
const SERVICE_EXTRAS: readonly ((tenant: string, workload: string) => ItemSpec)[] = [
  (tenant, workload) => ({ keyword: "read", value: { rest: `/etc/${tenant}/${workload}/{,**}` } }),
  (_tenant, workload) => ({ keyword: "read", value: { rest: `/usr/share/${workload}/**` } }),
  (tenant, workload) => ({ keyword: "run", value: { rest: `/usr/lib/${tenant}/${workload}-helper` }, access: "inherit" }),
  () => ({ keyword: "capability", value: "net_admin, chown" }),
  () => ({ keyword: "capability", value: "sys_ptrace" }),
  () => ({ keyword: "network", value: "inet stream" }),
  () => ({ keyword: "network", value: "netlink" }),
];

const volume = (value: PathSpec, access?: "ro" | "rw"): ItemSpec => (access === undefined ? { keyword: "volume", value } : { keyword: "volume", value, access });
const device = (value: PathSpec, access?: "ro" | "rw"): ItemSpec => (access === undefined ? { keyword: "device", value } : { keyword: "device", value, access });

function workload(tenant: string, index: number, shared: boolean): fc.Arbitrary<WorkloadSpec> {
  return fc
    .record({
      kind: fc.constantFrom<"vm" | "service" | "container">("vm", "service", "container"),
      uuid,
      mode: fc.constantFrom("enforce", "complain", undefined),
      abstractions: fc.subarray(ABSTRACTIONS, { maxLength: 2 }),
      withExec: fc.boolean(),
      withLxc: fc.boolean(),
      extras: fc.subarray([...SERVICE_EXTRAS]),
    })
    .chain(({ kind, uuid, mode, abstractions, withExec, withLxc, extras }) => {
      const name = `${tenant.slice(0, 6)}-${kind === "vm" ? "vm" : kind === "service" ? "svc" : "ct"}${index}`;
      return resources(tenant, name, shared).chain((grants) => {
        // A container holds volumes and devices only (its host-side storage), and its LXC name.
        const owned = kind === "container" ? grants.filter((g) => g.keyword === "volume" || g.keyword === "device") : grants;
        const items: ItemSpec[] = [...owned, ...(kind === "container" ? [] : abstractions.map((a): ItemSpec => ({ keyword: "abstraction", value: a })))];
        if (kind === "vm") items.push({ keyword: "uuid", value: uuid });
        else if (kind === "container" && withLxc) items.push({ keyword: "lxc", value: `host1_${name}-container.1` });
        else if (kind === "service" && withExec) items.push({ keyword: "exec", value: { rest: `/usr/bin/${name}` } });
        if (kind === "service") items.push(...extras.map((e) => e(tenant, name)));
        if (mode !== undefined) items.push({ keyword: "mode", value: mode });
        // Any order of items: the model keeps resources in declared order whatever comes between them.
        return fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }).map((shuffled) => ({ kind, name, items: shuffled }));
      });
    });
}

export const policySpec: fc.Arbitrary<PolicySpec> = fc
  .record({
    names: fc.subarray(TENANTS, { minLength: 1, maxLength: 3 }),
    policy: fc.constantFrom("compute-01", "host_b", undefined),
    protect: fc.subarray(["/srv/secret/**", "/var/lib/vault/*.key", "/etc/moat/keys/{a,b}"]),
    sharedMask: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  })
  .chain(({ names, policy, protect, sharedMask }) => {
    const sharedTenants = names.filter((_, i) => sharedMask[i]);
    const tenants = names.map((name) =>
      fc.record({
        name: fc.constant(name),
        workloads: fc.integer({ min: 0, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => workload(name, i, sharedTenants.includes(name))))),
        split: fc.boolean(),
      }),
    );
    return fc.tuple(...tenants).map((ts): PolicySpec => {
      const spec: { -readonly [K in keyof PolicySpec]: PolicySpec[K] } = { protect, tenants: ts };
      if (policy !== undefined) spec.policy = policy;
      if (sharedTenants.length > 0) spec.shared = { tenants: sharedTenants };
      return spec;
    });
  });

/** A glob-source string as an .iso string literal: glob escapes are .iso escapes already; `"` needs one. */
function isoString(spec: PathSpec | string): string {
  const path: PathSpec = typeof spec === "string" ? { rest: spec } : spec;
  return `"${path.let === undefined ? "" : `\${${path.let}}`}${path.rest.replace(/"/g, '\\"')}"`;
}

function renderItem(item: ItemSpec): string {
  const access = item.access === undefined ? "" : ` ${item.access}`;
  if (item.keyword === "mode" || item.keyword === "capability" || item.keyword === "network") return `${item.keyword} ${item.value as string}`;
  return `${item.keyword} ${isoString(item.value)}${access}`;
}

function renderBlock(tenant: string, workloads: readonly WorkloadSpec[]): string {
  const body = workloads.map((w) => `  ${w.kind} ${w.name} {\n${w.items.map((i) => `    ${renderItem(i)}\n`).join("")}  }\n`).join("");
  return `tenant ${tenant} {\n${body}}\n`;
}

export function renderIso(spec: PolicySpec): string {
  const lines: string[] = [];
  if (spec.policy !== undefined) lines.push(`policy ${spec.policy}`);
  lines.push(`let images = ${isoString(LETS.images)}`, `let srv = ${isoString(LETS.srv)}`);
  for (const p of spec.protect) lines.push(`protect ${isoString(p)}`);
  const firsts: string[] = [];
  const seconds: string[] = [];
  for (const tenant of spec.tenants) {
    const cut = tenant.split ? Math.ceil(tenant.workloads.length / 2) : tenant.workloads.length;
    firsts.push(renderBlock(tenant.name, tenant.workloads.slice(0, cut)));
    if (tenant.split) seconds.push(renderBlock(tenant.name, tenant.workloads.slice(cut)));
  }
  lines.push(...firsts, ...seconds);
  if (spec.shared !== undefined) lines.push(`shared "\${srv}/shared/base/**" ro with ${spec.shared.tenants.join(", ")}`);
  return lines.join("\n") + "\n";
}
