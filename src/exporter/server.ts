/**
 * The one file of the exporter that binds a port. Each request is answered whole from one
 * synchronous scrape; a slow or vanished client only holds its own socket's buffered bytes, never
 * the next scrape.
 */
import http from "node:http";
import { Conflict, InvalidArgument } from "../errors.js";
import { handleExporterRequest } from "./app.js";
import type { Exporter } from "./scrape.js";

export const DEFAULT_LISTEN = ":9640";

export interface ListenAddress {
  /** "" for every interface. */
  readonly host: string;
  readonly port: number;
}

/**
 * Parses "HOST:PORT", ":PORT" or "[V6]:PORT".
 * parseListenAddress(":0") → { host: "", port: 0 }
 */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new InvalidArgument(`listen address must be HOST:PORT or :PORT (port 0-65535), got "${text}"`);
  return { host: m[1] ?? m[2] ?? "", port };
}

export interface RunningExporter {
  /** http://HOST:PORT/metrics with the port actually bound (HOST "[::]" or "0.0.0.0" when none was given). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface ExporterServerOptions {
  /** Called once each scrape's answer has been handed to the socket (the face collects garbage there). */
  readonly afterScrape?: () => void;
}

/** Binds the address and serves the exporter; rejects with Conflict when the port is taken. */
export function startExporterServer(
  exporter: Exporter,
  address: ListenAddress,
  options: ExporterServerOptions = {},
): Promise<RunningExporter> {
  const { afterScrape } = options;
  const server = http.createServer((req, res) => {
    let response: ReturnType<typeof handleExporterRequest>;
    try {
      response = handleExporterRequest(exporter, { method: req.method ?? "GET", url: req.url ?? "/", accept: req.headers.accept });
    } catch (error) {
      // A bug, not a process condition (those are counted in the scrape): say so, keep serving.
      response = {
        status: 500,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: `scrape failed: ${(error as Error).message}\n`,
      };
    }
    res.writeHead(response.status, { ...response.headers, "content-length": Buffer.byteLength(response.body) });
    res.end(response.body);
    if (response.scraped && afterScrape) setImmediate(afterScrape);
  });
  // A scraper that connects and never finishes its request is dropped, not waited for.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const where = `${address.host || "*"}:${address.port}`;
      if (error.code === "EADDRINUSE") reject(new Conflict(`cannot listen on ${where}: the port is in use`, { cause: error }));
      else if (error.code === "EACCES") reject(new Conflict(`cannot listen on ${where}: permission denied`, { cause: error }));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND")
        reject(new Conflict(`cannot listen on ${where}: no such local address`, { cause: error }));
      else reject(error);
    });
    const onListening = () => {
      const bound = server.address();
      const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
      // Without a host Node binds "::" (every IPv6 and, dual-stack, every IPv4 address) where the
      // kernel has IPv6, else "0.0.0.0": say the one it bound.
      const listening = address.host !== "" ? address.host : typeof bound === "object" && bound !== null ? bound.address : "0.0.0.0";
      const host = listening.includes(":") ? `[${listening}]` : listening;
      resolve({
        url: `http://${host}:${port}/metrics`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    };
    if (address.host === "") server.listen(address.port, onListening);
    else server.listen(address.port, address.host, onListening);
  });
}
