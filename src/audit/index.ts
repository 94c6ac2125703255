/**
 * The record parser of `moat audit`: AppArmor's audit records read back from log lines (auditd's
 * audit.log, dmesg, kern.log/syslog, the journal, D-Bus's USER_AVC), one line at a time. Pure: the
 * caller reads the files and feeds the text in (see docs/audit.md).
 */
export { parseLine } from "./parse-line.js";
export { LineSplitter, parseChunks, parseText, DEFAULT_MAX_LINE_LENGTH, type LineResult, type LineSplitterOptions } from "./lines.js";
export type { AuditEvent, AuditRecord, ParseResult, RecordOrigin } from "./record.js";
export { auditPolicy, emptyPolicy, grantText, type AuditPolicy, type AuditWorkload, type PathEntry, type PolicyLine, type ProtectedEntry } from "./policy.js";
export { installedNodes, type InstalledNode } from "./installed-nodes.js";
export { judge, profileOf, type Concern, type Judgement, type OwnerView, type Suggestion, type Verdict } from "./judge.js";
export { AuditSummary, MAX_KEYS, VERDICTS } from "./summary.js";
export { SuggestionCollector, COLLAPSE_MIN, type SuggestionReport, type WorkloadSuggestions } from "./suggest.js";
export { recordJson, renderRecordLine, renderSuggestions, renderSummary } from "./render.js";
export { CachedJudge } from "./judge-cache.js";
