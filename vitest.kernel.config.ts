import { defineConfig } from "vitest/config";

// The kernel suite (`npm run test:kernel`): tests that boot Debian's kernel under QEMU and check what it
// enforces (test/kernel/harness.ts). Kept out of `npm test`, which boots nothing.
export default defineConfig({
  test: {
    include: ["test/kernel/**/*.test.ts"],
    // Fetches the kernel, builds the probe and reads the guest's AppArmor features once, before the files run.
    globalSetup: ["test/kernel/global-setup.ts"],
    exclude: ["dist/**", "node_modules/**"],
    // A boot takes ~30 s without KVM (a guest is given up on after 300 s); each test file boots once.
    testTimeout: 600_000,
    // The files boot in parallel: the guests run in QEMU, one host core each, while vitest waits.
    maxWorkers: 2,
    hookTimeout: 600_000,
  },
});
