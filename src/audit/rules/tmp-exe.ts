/**
 * tmp-exe: the executable lives in a world-writable scratch directory (/tmp, /var/tmp, /dev/shm)
 * or under a hidden directory (a path component starting with "."): where droppers put payloads.
 *
 * Known false positives: installers and self-extracting archives unpacking into /tmp; test suites
 * (they compile helpers into temporary directories); tools installed under ~/.local, ~/.cargo,
 * ~/.nvm or similar hidden directories (reported as low).
 */
import type { Finding } from "../../model/finding.js";
import { finding, type ProcessFacts, type Rule } from "../facts.js";

const SCRATCH = ["/tmp/", "/var/tmp/", "/dev/shm/"];

export function tmpExe(facts: ProcessFacts): Finding[] {
  const p = facts.process;
  const exe = facts.exe();
  if (exe === null) return [];
  const path = exe.replace(/ \(deleted\)$/, "");
  if (!path.startsWith("/") || path.startsWith("/memfd:")) return [];
  const scratch = SCRATCH.find((dir) => path.startsWith(dir));
  const hidden = path
    .split("/")
    .slice(1, -1)
    .find((part) => part.startsWith(".") && part !== "." && part !== "..");
  if (scratch === undefined && hidden === undefined) return [];
  const where = scratch !== undefined ? `the scratch directory ${scratch}` : `the hidden directory "${hidden}"`;
  return [
    finding(
      p,
      "tmp-exe",
      scratch !== undefined ? "medium" : "low",
      `runs "${path}" from ${where}`,
      { path, directory: scratch ?? null, hiddenComponent: hidden ?? null },
      "Payloads are dropped where anyone can write. Installers and test suites run from /tmp too; tools under ~/.local and the like sit in hidden directories.",
    ),
  ];
}

export const tmpExeRule: Rule = {
  id: "tmp-exe",
  description: "the executable is in /tmp, /var/tmp, /dev/shm or a hidden directory",
  process: tmpExe,
};
