import { defineConfig } from "vitest/config";

// Runs the one case file of this folder (spawned by test/kernel/sysctl.test.ts).
export default defineConfig({
  test: { dir: "test/kernel/sysctl-leak", include: ["*.case.ts"], pool: "forks", testTimeout: 30_000 },
});
