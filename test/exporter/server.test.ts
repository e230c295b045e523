/** The exporter's socket face in-process: the after-scrape hook runs once per scrape, never for other paths. */
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { parseExporterConfig } from "../../src/exporter/config.js";
import { createExporter } from "../../src/exporter/scrape.js";
import { type RunningExporter, startExporterServer } from "../../src/exporter/server.js";
import { createProcessContext } from "../../src/processes/context.js";

let server: RunningExporter;
const scrapesSeen: number[] = [];
let scrapes = 0;

beforeAll(async () => {
  const exporter = createExporter(createProcessContext(openProcFs()), {
    config: parseExporterConfig("process_names:\n  - name: all\n    cmdline: ['.*']\n"),
  });
  server = await startExporterServer(exporter, { host: "127.0.0.1", port: 0 }, { afterScrape: () => scrapesSeen.push(++scrapes) });
});
afterAll(() => server.close());

function waitForHook(count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (scrapesSeen.length >= count ? resolve() : setImmediate(check));
    check();
  });
}

describe("startExporterServer afterScrape", () => {
  it("runs after each /metrics answer, not for / or an unknown path", async () => {
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const first = await fetch(`${base}/metrics`);
    expect(await first.text()).toMatch(/^procscope_group_num_procs\{groupname="all"\} [1-9]/m);
    await waitForHook(1);
    await (await fetch(`${base}/metrics`)).text();
    await waitForHook(2);
    // One more non-scrape request after the second hook: still two.
    expect((await fetch(`${base}/other`)).status).toBe(404);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scrapesSeen).toEqual([1, 2]);
  });
});

describe("startExporterServer without a host", () => {
  it("prints the address it really bound: [::] (every IPv6 and IPv4 address) where the kernel has IPv6", async () => {
    const exporter = createExporter(createProcessContext(openProcFs()), {
      config: parseExporterConfig("process_names:\n  - name: all\n    cmdline: ['.*']\n"),
    });
    const any = await startExporterServer(exporter, { host: "", port: 0 });
    try {
      const host = new URL(any.url).hostname;
      const hasIpv6 = Object.values(os.networkInterfaces()).some((list) => list?.some((a) => a.family === "IPv6" && a.internal));
      expect(host).toBe(hasIpv6 ? "[::]" : "0.0.0.0");
      const reachable = hasIpv6 ? ["127.0.0.1", "[::1]"] : ["127.0.0.1"];
      for (const at of reachable) expect((await fetch(`http://${at}:${any.port}/metrics`)).status, at).toBe(200);
    } finally {
      await any.close();
    }
  });
});
