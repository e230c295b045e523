/** The helpers that locate the repository and the shared peer data beside it. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, repoPath, sharedPeerData, sharedPeerDataBeside } from "./helpers/repo.js";

describe("repoPath()", () => {
  it("resolves from the repository root whatever the current directory", () => {
    expect(fs.existsSync(path.join(REPO_ROOT, "package.json"))).toBe(true);
    expect(repoPath("src", "errors.ts")).toBe(path.join(REPO_ROOT, "src", "errors.ts"));
  });
});

describe("sharedPeerData()", () => {
  it("finds ../shared/peer-data beside the repository", () => {
    expect(sharedPeerData("prometheus-procfs", "extract.py")).toBe(
      path.resolve(REPO_ROOT, "../shared/peer-data/prometheus-procfs/extract.py"),
    );
  });

  it("fails saying where to clone it when ../shared is absent", () => {
    const lonely = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-clone-"));
    try {
      const repo = path.join(lonely, "procscope");
      fs.mkdirSync(repo);
      expect(() => sharedPeerDataBeside(repo, "prometheus-procfs")).toThrow(
        /^\.\.\/shared\/peer-data not found beside the repository: clone it there/,
      );
      fs.mkdirSync(path.join(lonely, "shared", "peer-data"), { recursive: true });
      expect(() => sharedPeerDataBeside(repo, "prometheus-procfs")).toThrow(/prometheus-procfs is missing/);
    } finally {
      fs.rmSync(lonely, { recursive: true, force: true });
    }
  });
});
