/** vitest globalSetup of the kernel suite: prepares what every boot needs, once (harness.ts, prepare). */
import { prepare } from "./harness.js";

export default async function setup(): Promise<void> {
  try {
    await prepare();
  } catch (e) {
    // The tests find out again, and say so: skipped, or failed under MOAT_REQUIRE_VALIDATORS=1.
    console.warn(`kernel suite: could not prepare a guest: ${(e as Error).message}`);
  }
}
