import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    dir: "test",
    // Unpacks the captured /proc trees (test/fixtures/*.tar.gz) into a temp dir for the run.
    globalSetup: ["test/global-setup.ts"],
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "fixtures/**", "**/fixtures/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
