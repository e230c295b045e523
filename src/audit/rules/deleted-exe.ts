/**
 * deleted-exe: the process runs an executable that was deleted (its exe link ends in " (deleted)").
 *
 * Rationale: malware often deletes its own binary after starting, so nothing is left on disk for a
 * scanner; `recover PID` can still copy it out of /proc/PID/exe.
 * Known false positives: package upgrades replace binaries of running daemons (the old inode is
 * "deleted", a new file with the same name exists): reported as low. Long-running builds that
 * delete their own tools, and test suites, look the same as the real thing.
 * The replacement check looks inside the process's own root (/proc/PID/root/...), so a container's
 * binary is compared with the container's file, not the host's.
 */
import { readCaptureRecord } from "../../access/captured.js";
import type { Finding } from "../../model/finding.js";
import { type AuditEnv, finding, type ProcessFacts, type Rule } from "../facts.js";

const DELETED = " (deleted)";

export function deletedExe(facts: ProcessFacts, env: Pick<AuditEnv, "procFs">): Finding[] {
  const p = facts.process;
  const exe = facts.exe();
  if (exe === null || !exe.endsWith(DELETED)) return [];
  const path = exe.slice(0, -DELETED.length);
  if (path.startsWith("/memfd:")) return []; // memfd-exe says it better
  // On a capture, the process's root is not there to look into: the capture kept the answer
  // (null from a capture made before it did).
  const replaced = env.procFs.isLive
    ? env.procFs.exists(`${p.pid}/root${path}`)
    : (readCaptureRecord(env.procFs, p.pid)?.exeReplacedByNewFile ?? null);
  const evidence = { path, replacedByNewFile: replaced, recover: `procscope recover ${p.pid} exe` };
  if (replaced === true)
    return [
      finding(
        p,
        "deleted-exe",
        "low",
        `runs "${path}", which was replaced by a new file after it started`,
        evidence,
        "Usually a package upgrade: restart the service to run the new binary. Compare the package's checksum if in doubt.",
      ),
    ];
  return [
    finding(
      p,
      "deleted-exe",
      "high",
      `runs "${path}", which was deleted${replaced === null ? "" : " and not replaced"}`,
      evidence,
      "A program that deletes its own file hides from disk scans. Copy it out (/proc/PID/exe) before killing the process.",
    ),
  ];
}

export const deletedExeRule: Rule = {
  id: "deleted-exe",
  description: "the executable was deleted after the process started (replaced: an upgrade; gone: suspicious)",
  process: deletedExe,
};
