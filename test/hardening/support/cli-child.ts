/** moat's command line in a child process (the built sources' main()), killed when its budget is spent. */
import { runScript, type ChildRun } from "./child.js";

const CLI = `
import { main } from "@moat/src/cli/main.js";
const code = await main(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
`;

export function runCli(argv: readonly string[], cwd: string, budgetMs: number, env: NodeJS.ProcessEnv = process.env): Promise<ChildRun> {
  return runScript("moat-cli", CLI, { args: argv, cwd, budgetMs, env, heapMb: 1024 });
}
