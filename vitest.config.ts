import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/kernel/ boots real kernels: it runs in `npm run test:kernel` (vitest.kernel.config.ts), not here.
    exclude: ["dist/**", "node_modules/**", "test/kernel/**"],
  },
});
