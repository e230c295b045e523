import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Fixture trees hold symlinks such as root -> / and cwd -> /usr: the test-file search must not
    // descend into them, or it walks the whole filesystem (and /proc, forever).
    dir: "test",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "fixtures/**", "**/fixtures/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
