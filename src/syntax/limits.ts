/** Identifiers (policy, tenant, workload and let names) have at most 64 characters. */
export const IDENTIFIER_MAX_LENGTH = 64;
