/**
 * Compiles small C programs for live tests. Binaries are cached by source hash under .tmp/cbin so
 * a suite compiles each once. Without gcc the test fails saying what to install.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { repoPath } from "./repo.js";

const CACHE = repoPath(".tmp/cbin");

export function compileC(name: string, source: string, flags: readonly string[] = []): string {
  const hash = createHash("sha256").update(source).update(flags.join(" ")).digest("hex").slice(0, 12);
  const binary = path.join(CACHE, `${name}-${hash}`);
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, `${name}-${hash}.c`);
  fs.writeFileSync(file, source);
  try {
    execFileSync("gcc", ["-O1", "-o", `${binary}.tmp`, file, ...flags], { stdio: "pipe" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error("gcc is not installed: run `apt-get install -y gcc` (as root)");
    throw new Error(`gcc failed for ${name}: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
  }
  fs.renameSync(`${binary}.tmp`, binary);
  return binary;
}
