/** Test helpers: parse an exposition, start the exporter binary, fetch a scrape. */
import { BIN } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";

export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the sample lines of a text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of one series, or undefined. */
export function seriesValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

export interface RunningExporterProcess {
  readonly process: LiveProcess;
  readonly url: string;
  scrape(accept?: string): Promise<string>;
}

/** Starts `procscope exporter --listen 127.0.0.1:0 ...args` and waits for its start line. */
export async function startExporter(args: readonly string[] = []): Promise<RunningExporterProcess> {
  const proc = await startProcess(process.execPath, [BIN, "exporter", "--listen", "127.0.0.1:0", ...args], {
    ready: /metrics at http:\/\/\S+\n/,
  });
  const url = (/metrics at (http:\/\/\S+)\n/.exec(proc.output()) as RegExpExecArray)[1] as string;
  return {
    process: proc,
    url,
    async scrape(accept) {
      const response = await fetch(url, accept ? { headers: { accept } } : {});
      if (response.status !== 200) throw new Error(`scrape: HTTP ${response.status}`);
      return response.text();
    },
  };
}
