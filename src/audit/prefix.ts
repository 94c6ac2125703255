/**
 * The part of a log line before an audit record's fields: whatever the log added (a syslog or journal
 * header, an RFC 5424 header, a dmesg time), the kernel's `audit:` prefix, auditd's `node=` and
 * `type=`, and the audit stamp `audit(SECONDS.MILLIS:SERIAL):`. Shapes understood:
 *
 *   type=AVC msg=audit(1234.567:89): …                                  auditd (raw or enriched)
 *   node=host type=AVC msg=audit(…): …                                  auditd with name_format
 *   msg=audit(…): …                                                     audispd without a type
 *   [ 12.345678] audit: type=1400 audit(…): …                           dmesg
 *   <5>[ 12.345678] audit: …                                            dmesg -r
 *   Dec  7 01:02:03 host kernel: [ 12.345678] audit: type=1400 …       kern.log, syslog
 *   Dec 07 01:02:03.123456 host kernel: audit: type=1400 …             journalctl (short, -precise)
 *   2024-12-07T01:02:03.123456+01:00 host kernel: audit: …             ISO times (rsyslog, short-iso)
 *   Sat 2024-12-07 01:02:03 CET host kernel: audit: …                  journalctl -o short-full
 *   [   12.345678] host kernel: audit: …                               journalctl -o short-monotonic
 *   1733533323.123456 host kernel: audit: …                            journalctl -o short-unix
 *   <13>1 2024-12-07T01:02:03Z host kernel - - - audit: …              RFC 5424
 *   2021-09-11T20:57:41.91645 kern.notice: [ 469.18] audit: …          socklog
 *   Dec  7 01:02:03 host audit[1234]: AVC apparmor="DENIED" …          the journal's own audit lines
 *   Jul 31 17:10:35 host dbus-daemon[1692]: apparmor="DENIED" …        D-Bus through syslog
 */
import { isAlpha, isDigit, isSpace, parseDecimal, skipSpaces, skipToSpace } from "./chars.js";
import type { RecordOrigin } from "./record.js";

export interface Prefix {
  /** Where the record's fields start. */
  readonly pos: number;
  readonly origin: RecordOrigin;
  readonly logTime?: string;
  readonly host?: string;
  /** The record type as written (`AVC`, `1400`, `APPARMOR_DENIED`; `UNKNOWN[1503]` as `1503`). */
  readonly type?: string;
  readonly timestamp?: string;
  readonly serial?: number;
  /** Why the prefix could not be read, and where; the fields are still read from `pos`. */
  readonly problem?: string;
  readonly problemAt?: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const FULL_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Whether `word` is at s[i] (a loop: startsWith with a position is not optimized). */
function startsWithAt(s: string, i: number, word: string, end: number): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (word.charCodeAt(k) !== s.charCodeAt(i + k)) return false;
  return true;
}

/** The index after `count` digits at i, or -1. */
function digits(s: string, i: number, count: number, end: number): number {
  if (i + count > end) return -1;
  for (let k = 0; k < count; k++) if (!isDigit(s.charCodeAt(i + k))) return -1;
  return i + count;
}

/** The index after a run of at least one digit at i, or -1. */
function digitRun(s: string, i: number, end: number): number {
  const start = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  return i === start ? -1 : i;
}

/** `HH:MM:SS[.frac][Z|±HH:MM|±HHMM]` at i: the index after it, or -1. */
function time(s: string, i: number, end: number): number {
  i = digits(s, i, 2, end);
  if (i < 0 || s.charCodeAt(i) !== 0x3a) return -1;
  i = digits(s, i + 1, 2, end);
  if (i < 0 || s.charCodeAt(i) !== 0x3a) return -1;
  i = digits(s, i + 1, 2, end);
  if (i < 0) return -1;
  if (s.charCodeAt(i) === 0x2e) {
    const j = digitRun(s, i + 1, end);
    if (j < 0) return -1;
    i = j;
  }
  const c = s.charCodeAt(i);
  if (c === 0x5a) return i + 1; // Z
  if (c === 0x2b || c === 0x2d) {
    let j = digits(s, i + 1, 2, end);
    if (j < 0) return i;
    if (s.charCodeAt(j) === 0x3a) j = digits(s, j + 1, 2, end);
    else j = digits(s, j, 2, end);
    return j < 0 ? i : j;
  }
  return i;
}

/** `YYYY-MM-DD[T ]time` at i: the index after it, or -1. */
function isoDateTime(s: string, i: number, end: number): number {
  i = digits(s, i, 4, end);
  if (i < 0 || s.charCodeAt(i) !== 0x2d) return -1;
  i = digits(s, i + 1, 2, end);
  if (i < 0 || s.charCodeAt(i) !== 0x2d) return -1;
  i = digits(s, i + 1, 2, end);
  if (i < 0) return -1;
  const sep = s.charCodeAt(i);
  if (sep !== 0x54 && sep !== 0x20) return -1;
  return time(s, i + 1, end);
}

/** `Mon DD time` (the month spelled short or long) at i: the index after it, or -1. */
function monthDateTime(s: string, i: number, end: number): number {
  let j = -1;
  for (let m = 0; m < 12; m++) {
    if (startsWithAt(s, i, FULL_MONTHS[m]!, end)) {
      j = i + FULL_MONTHS[m]!.length;
      break;
    }
    if (startsWithAt(s, i, MONTHS[m]!, end)) {
      j = i + 3;
      break;
    }
  }
  if (j < 0 || !isSpace(s.charCodeAt(j))) return -1;
  j = skipSpaces(s, j, end);
  const day = digitRun(s, j, end);
  if (day < 0 || day - j > 2 || !isSpace(s.charCodeAt(day))) return -1;
  return time(s, skipSpaces(s, day, end), end);
}

/** A syslog or journal time at i: the index after it, or -1. */
function logDateTime(s: string, i: number, end: number): number {
  const c = s.charCodeAt(i);
  if (isDigit(c)) {
    const iso = isoDateTime(s, i, end);
    if (iso >= 0) return iso;
    // journalctl -o short-unix: seconds since the epoch, with a fraction
    const sec = digitRun(s, i, end);
    if (sec - i >= 9 && s.charCodeAt(sec) === 0x2e) {
      const frac = digitRun(s, sec + 1, end);
      if (frac > 0 && isSpace(s.charCodeAt(frac))) return frac;
    }
    return -1;
  }
  if (!isAlpha(c)) return -1;
  // a month or weekday name is a word of 3 to 9 letters followed by a space: most lines fail here
  let w = i + 1;
  while (w < end && w - i < 10 && isAlpha(s.charCodeAt(w))) w++;
  if (w - i < 3 || w - i > 9 || s.charCodeAt(w) !== 0x20) return -1;
  // journalctl -o short-full: a weekday, then an ISO date and time
  for (const day of WEEKDAYS) {
    if (startsWithAt(s, i, day, end) && s.charCodeAt(i + 3) === 0x20) {
      const iso = isoDateTime(s, i + 4, end);
      if (iso >= 0) return iso;
    }
  }
  return monthDateTime(s, i, end);
}

/**
 * A syslog tag at [from, to): `kernel:`, `kern.notice:`, `dbus-daemon[1692]:`, `audit[12]:`.
 */
function isTag(s: string, from: number, to: number): boolean {
  if (to - from < 2 || s.charCodeAt(to - 1) !== 0x3a) return false;
  let i = from;
  while (i < to - 1) {
    const c = s.charCodeAt(i);
    if (isAlpha(c) || isDigit(c) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x2f) i++;
    else break;
  }
  if (i === from) return false;
  if (i === to - 1) return true;
  if (s.charCodeAt(i) !== 0x5b) return false;
  const d = digitRun(s, i + 1, to);
  return d > 0 && d === to - 2 && s.charCodeAt(d) === 0x5d;
}

interface Tagged {
  /** After the tag and its spaces. */
  readonly pos: number;
  readonly host?: string;
  readonly tag: string;
}

/** Up to `max` words from i, the last a syslog tag: the host (the word before it) and the tag. */
function findTag(s: string, i: number, end: number, max: number): Tagged | undefined {
  let previous: string | undefined;
  for (let n = 0; n < max; n++) {
    i = skipSpaces(s, i, end);
    if (i >= end) return undefined;
    const to = skipToSpace(s, i, end);
    if (isTag(s, i, to)) return { pos: skipSpaces(s, to, end), host: previous, tag: s.slice(i, to - 1) };
    const word = s.slice(i, to);
    if (word.includes("=")) return undefined;
    previous = word;
    i = to;
  }
  return undefined;
}

/** An RFC 5424 structured-data part (`-` or `[id k="v"]…`) at i: the index after it, or -1. */
function structuredData(s: string, i: number, end: number): number {
  if (s.charCodeAt(i) === 0x2d) return i + 1;
  while (i < end && s.charCodeAt(i) === 0x5b) {
    i++;
    let quoted = false;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c === 0x5c) i += 2;
      else if (c === 0x22) {
        quoted = !quoted;
        i++;
      } else if (c === 0x5d && !quoted) break;
      else i++;
    }
    if (i >= end) return -1;
    i++;
  }
  return i;
}

/** A dmesg time in brackets at i (`[ 12.345678]`, dmesg -T's `[Sat Dec  7 01:02:03 2024]`): the index after it, or -1. */
function dmesgStamp(s: string, i: number, end: number): number {
  if (s.charCodeAt(i) !== 0x5b) return -1;
  const limit = Math.min(end, i + 48);
  for (let j = i + 1; j < limit; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5d) return j > i + 1 ? j + 1 : -1;
    if (c === 0x3d || c === 0x22 || c === 0x5b) return -1;
  }
  return -1;
}

/** A record type word at i (`AVC`, `USER_AVC`, `APPARMOR_DENIED`), followed by a space: the index after it, or -1. */
function typeWord(s: string, i: number, end: number): number {
  const start = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c === 0x5f || (i > start && isDigit(c))) i++;
    else break;
  }
  return i - start >= 3 && i < end && isSpace(s.charCodeAt(i)) ? i : -1;
}

/** `audit(SECONDS.FRACTION:SERIAL):` at i, with `audit(` already matched at i. */
function auditStamp(s: string, i: number, end: number): { pos: number; timestamp: string; serial: number } | undefined {
  const open = i + 6;
  const sec = digitRun(s, open, end);
  if (sec < 0) return undefined;
  let stampEnd = sec;
  if (s.charCodeAt(sec) === 0x2e) {
    stampEnd = digitRun(s, sec + 1, end);
    if (stampEnd < 0) return undefined;
  }
  if (s.charCodeAt(stampEnd) !== 0x3a) return undefined;
  const serialEnd = digitRun(s, stampEnd + 1, end);
  if (serialEnd < 0 || s.charCodeAt(serialEnd) !== 0x29) return undefined;
  const serial = parseDecimal(s, stampEnd + 1, serialEnd);
  if (serial === undefined) return undefined;
  let pos = serialEnd + 1;
  if (s.charCodeAt(pos) === 0x3a) pos++;
  return { pos, timestamp: s.slice(open, stampEnd), serial };
}

/** Reads the prefix of line `s` up to `end` (the end of the line, or of its raw part). */
export function readPrefix(s: string, end: number): Prefix {
  let i = skipSpaces(s, 0, end);
  let logTime: string | undefined;
  let host: string | undefined;
  let tagged = false;
  let problem: string | undefined;
  let problemAt: number | undefined;

  // <PRI>, and RFC 5424's version, time, host, app, procid, msgid and structured data
  if (s.charCodeAt(i) === 0x3c) {
    const pri = digitRun(s, i + 1, end);
    if (pri > 0 && pri - i <= 4 && s.charCodeAt(pri) === 0x3e) {
      i = pri + 1;
      if (s.charCodeAt(i) === 0x31 && s.charCodeAt(i + 1) === 0x20) {
        i += 2;
        const t = s.charCodeAt(i) === 0x2d ? i + 1 : isoDateTime(s, i, end);
        if (t < 0) return { pos: i, origin: "kernel", problem: "an RFC 5424 header without a time", problemAt: i };
        if (t > i + 1) logTime = s.slice(i, t);
        i = t;
        const words: string[] = [];
        for (let n = 0; n < 4; n++) {
          i = skipSpaces(s, i, end);
          const to = skipToSpace(s, i, end);
          words.push(s.slice(i, to));
          i = to;
        }
        if (words[0] !== "-" && words[0] !== "") host = words[0];
        i = skipSpaces(s, i, end);
        const sd = structuredData(s, i, end);
        if (sd < 0) return { pos: i, origin: "kernel", problem: "an RFC 5424 header with unbalanced structured data", problemAt: i };
        i = skipSpaces(s, sd, end);
        if (s.charCodeAt(i) === 0xfeff) i++;
        tagged = true;
      }
    }
  }

  // a syslog or journal time, then the host and the tag
  if (!tagged) {
    const t = logDateTime(s, i, end);
    if (t >= 0) {
      logTime = s.slice(i, t);
      const tag = findTag(s, t, end, 3);
      if (tag === undefined) {
        problem = "a log time without a syslog tag (such as `kernel:`) after it";
        problemAt = skipSpaces(s, t, end);
        i = problemAt;
      } else {
        host = tag.host;
        i = tag.pos;
        tagged = true;
      }
    }
  }

  // a dmesg time, which journalctl -o short-monotonic follows with the host and the tag
  const stamp = dmesgStamp(s, i, end);
  if (stamp >= 0) {
    i = skipSpaces(s, stamp, end);
    if (!tagged) {
      const first = skipToSpace(s, i, end);
      if (first > i && s.charCodeAt(first - 1) !== 0x3a) {
        const tag = findTag(s, first, end, 1);
        if (tag !== undefined) {
          host = s.slice(i, first);
          i = tag.pos;
        }
      }
    }
  }

  // the kernel's printk prefix
  if (startsWithAt(s, i, "audit:", end) && (i + 6 === end || isSpace(s.charCodeAt(i + 6)))) i = skipSpaces(s, i + 6, end);

  // auditd's node=, then type=
  let type: string | undefined;
  if (startsWithAt(s, i, "node=", end)) {
    const to = skipToSpace(s, i, end);
    const next = skipSpaces(s, to, end);
    if (startsWithAt(s, next, "type=", end)) i = next;
  }
  if (startsWithAt(s, i, "type=", end)) {
    const to = skipToSpace(s, i + 5, end);
    type = s.slice(i + 5, to);
    i = skipSpaces(s, to, end);
  } else if (tagged) {
    // the journal writes an audit record's type as a bare word: `audit[1234]: AVC apparmor=…`
    const w = typeWord(s, i, end);
    if (w >= 0) {
      type = s.slice(i, w);
      i = skipSpaces(s, w, end);
    }
  }
  if (type !== undefined && type.startsWith("UNKNOWN[") && type.endsWith("]")) type = type.slice(8, -1);

  // the audit stamp
  let origin: RecordOrigin = type !== undefined || !tagged ? "auditd" : "userspace";
  let timestamp: string | undefined;
  let serial: number | undefined;
  let at = -1;
  if (startsWithAt(s, i, "msg=audit(", end)) {
    at = i + 4;
    origin = "auditd";
  } else if (startsWithAt(s, i, "audit(", end)) {
    at = i;
    origin = "kernel";
  }
  if (at >= 0) {
    const id = auditStamp(s, at, end);
    if (id === undefined) {
      problem ??= "a malformed audit stamp (expected audit(SECONDS.MILLIS:SERIAL):)";
      problemAt ??= at;
      i = skipSpaces(s, skipToSpace(s, at, end), end);
    } else {
      timestamp = id.timestamp;
      serial = id.serial;
      i = skipSpaces(s, id.pos, end);
    }
  } else if (type !== undefined && tagged && origin === "auditd") {
    // the journal's audit lines carry no stamp; they are the kernel's records all the same
    origin = "kernel";
  }

  const prefix: { -readonly [K in keyof Prefix]: Prefix[K] } = { pos: i, origin };
  if (logTime !== undefined) prefix.logTime = logTime;
  if (host !== undefined) prefix.host = host;
  if (type !== undefined) prefix.type = type;
  if (timestamp !== undefined) prefix.timestamp = timestamp;
  if (serial !== undefined) prefix.serial = serial;
  if (problem !== undefined) {
    prefix.problem = problem;
    prefix.problemAt = problemAt;
  }
  return prefix;
}
