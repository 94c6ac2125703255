#!/usr/bin/env node
// The installed command: runs the compiled CLI, so `npm run build` must have produced dist/ first.
let cli;
try {
  cli = await import("../dist/src/cli/main.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write("moat: the compiled CLI is missing (dist/src/cli/main.js); run `npm run build` first\n");
  process.exit(2);
}

// runAsProcess sets the exit status; it also makes a reader that closes the pipe early
// (`moat check | head`) end moat quietly instead of with an EPIPE stack trace.
await cli.runAsProcess(process.argv.slice(2), process.env, process.cwd(), {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (code) => {
    process.exitCode = code;
  },
});
