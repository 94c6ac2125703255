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

process.exitCode = await cli.main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
