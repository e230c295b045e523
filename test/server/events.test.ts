/**
 * The event stream's snapshot text, made from the JSON of each row and kept while the sampler
 * hands back the same row, against serializing and redacting the whole snapshot at once.
 */
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { toJson } from "../../src/cli/render/json.js";
import { createSampler } from "../../src/live/sampler.js";
import { createProcessContext } from "../../src/processes/context.js";
import { topResult } from "../../src/queries/live.js";
import { createSnapshotSerializer } from "../../src/server/events.js";
import { redactSecrets } from "../../src/server/respond.js";
import { startProcess } from "../helpers/live.js";

describe("createSnapshotSerializer()", () => {
  it("gives, sample after sample, the text of the whole snapshot serialized, redacted and revealed", async () => {
    const secretive = await startProcess(
      "python3",
      ["-c", "import sys; print('ready', flush=True); sys.stdin.read()", "--password=hunter2", "postgres://u:pw@db/x"],
      { ready: "ready" },
    );
    const sampler = createSampler(createProcessContext(openProcFs()), { io: true });
    const serialize = createSnapshotSerializer();
    let rowsKept = 0;
    let previous = new Set<object>();
    for (let i = 0; i < 4; i++) {
      const snapshot = topResult(sampler.sample());
      const data = serialize(snapshot);
      expect(data.revealed).toBe(toJson(snapshot, false).trimEnd());
      expect(data.redacted).toBe(toJson(redactSecrets(snapshot).value, false).trimEnd());
      const row = JSON.parse(data.redacted).processes.find((p: { pid: number }) => p.pid === secretive.pid);
      expect(row.cmdline.slice(3)).toEqual(["--password=[redacted]", "postgres://u:[redacted]@db/x"]);
      expect(data.revealed).toContain("hunter2");
      rowsKept += snapshot.processes.filter((p) => previous.has(p)).length;
      previous = new Set(snapshot.processes);
    }
    // Rows handed back unchanged were there to be reused (else this would test nothing new).
    expect(rowsKept).toBeGreaterThan(0);
    await secretive.kill();
  });
});
