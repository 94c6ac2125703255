/**
 * One log line to one AppArmor audit record: the prefix (prefix.ts), then the record's key=value
 * fields, read by a hand-written scanner in one pass. Values are `"quoted"` (the kernel quotes a value
 * only when every byte is printable and none is a quote, so a quoted value holds no escapes), bare
 * (numbers, `?`, `none`), or hex-encoded (every other untrusted string). A D-Bus record (USER_AVC)
 * carries its fields inside `msg='…'`: those replace the fields of the message's sender. Reading stops
 * at auditd's 0x1d separator: the interpreted fields of its ENRICHED format after it are not needed.
 *
 * parseLine never throws: a line that is not a record is "not-apparmor" or "malformed".
 */
import { decodeHex, ENRICHED_SEPARATOR, isHexString, isKeyChar, isSpace, parseDecimal, skipSpaces } from "./chars.js";
import { eventOfType, EVENT_NAMES, isAppArmorType, KEYS, protocolName, VALUE_FIELDS, type ValueKind } from "./fields.js";
import { readPrefix, type Prefix } from "./prefix.js";
import type { AuditEvent, AuditRecord, ParseResult } from "./record.js";

/** What a key sets: a slot of `values` (an index of VALUE_FIELDS), or one of the special keys. */
const APPARMOR = -1;
const TYPE = -2;
const MSG = -3;

const SLOT = new Map<string, number>(VALUE_FIELDS.map((f, i) => [f, i]));
const PROTOCOL = SLOT.get("protocol")!;
const CAPABILITY = SLOT.get("capability")!;
const NAME = SLOT.get("name")!;
const COMM = SLOT.get("comm")!;
const EXE = SLOT.get("exe")!;

/**
 * KEYS by a hash of the key's characters, computed while the key is scanned, so that looking a key up
 * allocates nothing; a hit is confirmed by comparing the text.
 */
interface KeyEntry {
  readonly key: string;
  readonly slot: number;
  readonly kind: ValueKind;
  readonly next: KeyEntry | undefined;
}
const KEY_TABLE_SIZE = 512;
const keyTable: (KeyEntry | undefined)[] = new Array<KeyEntry | undefined>(KEY_TABLE_SIZE).fill(undefined);

function keyHash(h: number, c: number): number {
  return (Math.imul(h, 31) + c) | 0;
}

for (const [key, spec] of KEYS) {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = keyHash(h, key.charCodeAt(i));
  const slot = spec.field === "@apparmor" ? APPARMOR : spec.field === "@type" ? TYPE : spec.field === "@msg" ? MSG : SLOT.get(spec.field)!;
  const bucket = h & (KEY_TABLE_SIZE - 1);
  keyTable[bucket] = { key, slot, kind: spec.kind, next: keyTable[bucket] };
}

/** Whether s[from, to) is `key` (a loop: startsWith with a position is not optimized). */
function sameText(key: string, s: string, from: number, to: number): boolean {
  if (key.length !== to - from) return false;
  for (let k = 0; k < key.length; k++) if (key.charCodeAt(k) !== s.charCodeAt(from + k)) return false;
  return true;
}

function lookupKey(s: string, from: number, to: number, hash: number): KeyEntry | undefined {
  for (let e = keyTable[hash & (KEY_TABLE_SIZE - 1)]; e !== undefined; e = e.next) {
    if (sameText(e.key, s, from, to)) return e;
  }
  return undefined;
}

const NOT_APPARMOR: ParseResult = Object.freeze({ kind: "not-apparmor" });

/** The state of one line's scan (module-level: parseLine is synchronous and not re-entered). */
const values: (string | number | undefined)[] = new Array<string | number | undefined>(VALUE_FIELDS.length).fill(undefined);
let apparmor: string | undefined;
let apparmorEvent: AuditEvent | undefined;
let innerType: string | undefined;
let problem: string | undefined;
let problemAt = 0;
let junkAt = -1;

/** Forgets the previous line's values (a loop: Array.prototype.fill is slower on this array). */
function clearValues(): void {
  for (let i = 0; i < values.length; i++) values[i] = undefined;
}

function fail(reason: string, at: number): void {
  if (problem === undefined) {
    problem = reason;
    problemAt = at;
  }
}

/**
 * Whether the line can hold an AppArmor record at all: `apparmor` (the `apparmor=` field, D-Bus's
 * `msg='apparmor=…'`), `APPARMOR` (auditd's names of AppArmor's types) or a 150x type (`type=1503`,
 * auditd's `UNKNOWN[1503]`). Native substring searches, so that the lines of other subsystems cost
 * next to nothing.
 */
function mayBeAppArmor(s: string): boolean {
  return s.includes("apparmor") || s.includes("APPARMOR") || s.includes("type=150") || s.includes("[150");
}

/** Stores one field. `quoted` says the value was in quotes (so not hex, and not a protocol number). */
function store(entry: KeyEntry, s: string, from: number, to: number, quoted: boolean, at: number): void {
  const slot = entry.slot;
  if (slot < 0) {
    if (slot === APPARMOR) {
      apparmor = s.slice(from, to);
      apparmorEvent = undefined;
      for (const name of EVENT_NAMES) {
        if (sameText(name, s, from, to)) {
          apparmorEvent = name;
          break;
        }
      }
    } else if (slot === TYPE) innerType = s.slice(from, to);
    return;
  }
  if (entry.kind === "number") {
    const n = parseDecimal(s, from, to);
    if (n === undefined) fail(`${entry.key}= is not a number`, at);
    else values[slot] = n;
    return;
  }
  let value = s.slice(from, to);
  if (!quoted) {
    // `addr=none`, `hostname=?`: no value
    if (value === "?" || value === "none" || value === "") return;
    if (entry.kind === "text" && isHexString(value)) value = decodeHex(value);
    else if (slot === PROTOCOL) {
      const n = parseDecimal(s, from, to);
      if (n !== undefined) value = protocolName(n);
    }
  }
  // libapparmor reports a capability's name as the record's name
  if (slot === CAPABILITY) values[NAME] = value;
  values[slot] = value;
}

/**
 * Reads fields from i to end. Inside D-Bus's `msg='…'` (`nested`), a `'` where a key would start ends
 * the list, and bare values stop at one.
 */
function readFields(s: string, i: number, end: number, nested: boolean): void {
  for (;;) {
    i = skipSpaces(s, i, end);
    if (i >= end) return;
    const keyStart = i;
    let c = s.charCodeAt(i);
    if (nested && c === 0x27) return;
    let hash = 0;
    while (i < end && isKeyChar(c)) {
      hash = keyHash(hash, c);
      c = s.charCodeAt(++i);
    }
    if (i === keyStart || i >= end || c !== 0x3d) {
      // not a key=value: text AppArmor does not write (or another subsystem's)
      if (junkAt < 0) junkAt = keyStart;
      while (i < end && !isSpace(s.charCodeAt(i)) && !(nested && s.charCodeAt(i) === 0x27)) i++;
      continue;
    }
    const entry = lookupKey(s, keyStart, i, hash);
    const keyEnd = i;
    i++; // past '='
    c = i < end ? s.charCodeAt(i) : -1;
    if (c === 0x22 || c === 0x27) {
      if (c === 0x27 && entry !== undefined && entry.slot === MSG && !nested) {
        // a user-space record (D-Bus): its own fields replace those of the message's sender, and
        // nothing after the closing quote belongs to it. A line cut before the quote closes keeps
        // the fields it has, as libapparmor does.
        clearValues();
        readFields(s, i + 1, end, true);
        return;
      }
      const close = s.indexOf(c === 0x22 ? '"' : "'", i + 1);
      if (close < 0 || close >= end) {
        fail(`an unterminated quoted value of ${s.slice(keyStart, keyEnd)}=`, i);
        return;
      }
      if (entry !== undefined) store(entry, s, i + 1, close, true, keyStart);
      i = close + 1;
    } else {
      const valueStart = i;
      while (i < end) {
        const v = s.charCodeAt(i);
        if (isSpace(v) || (nested && v === 0x27)) break;
        i++;
      }
      if (entry !== undefined) store(entry, s, valueStart, i, false, keyStart);
    }
  }
}

function malformed(reason: string, column?: number): ParseResult {
  return column === undefined ? { kind: "malformed", reason } : { kind: "malformed", reason, column };
}

/**
 * The record. Every field is present, undefined when the line has none: one object shape for every
 * record keeps building and reading them fast (JSON.stringify leaves the undefined ones out). The
 * slots are VALUE_FIELDS' order (test/audit/parse-line.test.ts checks that they match).
 */
function build(event: AuditEvent, prefix: Prefix): AuditRecord {
  if (values[COMM] === undefined && values[EXE] !== undefined) values[COMM] = values[EXE];
  return {
    event,
    origin: prefix.origin,
    timestamp: prefix.timestamp,
    serial: prefix.serial,
    logTime: prefix.logTime,
    host: prefix.host,
    operation: values[0] as string | undefined,
    class: values[1] as string | undefined,
    profile: values[2] as string | undefined,
    name: values[3] as string | undefined,
    target: values[4] as string | undefined,
    requestedMask: values[5] as string | undefined,
    deniedMask: values[6] as string | undefined,
    pid: values[7] as number | undefined,
    parent: values[8] as number | undefined,
    comm: values[9] as string | undefined,
    exe: values[10] as string | undefined,
    fsuid: values[11] as number | undefined,
    ouid: values[12] as number | undefined,
    info: values[13] as string | undefined,
    error: values[14] as number | undefined,
    namespace: values[15] as string | undefined,
    capability: values[16] as string | undefined,
    capabilityNumber: values[17] as number | undefined,
    peer: values[18] as string | undefined,
    peerProfile: values[19] as string | undefined,
    peerPid: values[20] as number | undefined,
    addr: values[21] as string | undefined,
    peerAddr: values[22] as string | undefined,
    family: values[23] as string | undefined,
    sockType: values[24] as string | undefined,
    protocol: values[25] as string | undefined,
    localAddr: values[26] as string | undefined,
    localPort: values[27] as number | undefined,
    foreignAddr: values[28] as string | undefined,
    foreignPort: values[29] as number | undefined,
    signal: values[30] as string | undefined,
    fstype: values[31] as string | undefined,
    srcname: values[32] as string | undefined,
    flags: values[33] as string | undefined,
    dbusBus: values[34] as string | undefined,
    dbusPath: values[35] as string | undefined,
    dbusInterface: values[36] as string | undefined,
    dbusMember: values[37] as string | undefined,
    execpath: values[38] as string | undefined,
    attribute: values[39] as string | undefined,
    task: values[40] as number | undefined,
    magicToken: values[41] as number | undefined,
    peerInfo: values[42] as string | undefined,
  };
}

/** Reads one log line (without its line break; a `\r` or other trailing space is ignored). */
export function parseLine(line: string): ParseResult {
  if (typeof line !== "string" || !mayBeAppArmor(line)) return NOT_APPARMOR;
  let end = line.indexOf(ENRICHED_SEPARATOR);
  if (end < 0) end = line.length;

  clearValues();
  apparmor = undefined;
  innerType = undefined;
  problem = undefined;
  problemAt = 0;
  junkAt = -1;

  const prefix = readPrefix(line, end);
  if (prefix.problem !== undefined) fail(prefix.problem, prefix.problemAt ?? prefix.pos);
  readFields(line, prefix.pos, end, false);

  const outerType = prefix.type;
  const isAppArmor =
    apparmor !== undefined || (outerType !== undefined && isAppArmorType(outerType)) || (innerType !== undefined && isAppArmorType(innerType));
  if (!isAppArmor) return NOT_APPARMOR;
  if (problem !== undefined) return malformed(problem, problemAt);
  if (junkAt >= 0) {
    return malformed(
      prefix.pos === junkAt && apparmor === undefined
        ? "free text where the record's fields should be (AppArmor 2.0's messages are not read)"
        : "text that is not a key=value field",
      junkAt,
    );
  }

  let event: AuditEvent | undefined;
  if (apparmor !== undefined) {
    event = apparmorEvent;
    if (event === undefined) return malformed(`an unknown event apparmor="${apparmor}"`);
  } else {
    event = (outerType !== undefined ? eventOfType(outerType) : undefined) ?? (innerType !== undefined ? eventOfType(innerType) : undefined);
    if (event === undefined) return malformed("no event: neither an apparmor= field nor an AppArmor record type that names one");
  }
  return { kind: "record", record: build(event, prefix) };
}
