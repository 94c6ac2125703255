/**
 * The record parser of `moat audit`: AppArmor's audit records read back from log lines (auditd's
 * audit.log, dmesg, kern.log/syslog, the journal, D-Bus's USER_AVC), one line at a time. Pure: the
 * caller reads the files and feeds the text in (see docs/audit.md).
 */
export { parseLine } from "./parse-line.js";
export { LineSplitter, parseChunks, parseText, DEFAULT_MAX_LINE_LENGTH, type LineResult, type LineSplitterOptions } from "./lines.js";
export type { AuditEvent, AuditRecord, ParseResult, RecordOrigin } from "./record.js";
