export function extractHelp(markdown: string): Record<string, { when: string; fix: string }>;
export function renderHelpModule(help: Record<string, { when: string; fix: string }>): string;
