/**
 * The exporter's HTTP face without a socket: a request (method, path, Accept) in, a response out.
 * Only GET /metrics reveals anything; everything else is a short pointer or an error.
 */

import { OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, wantsOpenMetrics } from "./render.js";
import type { Exporter } from "./scrape.js";

export interface ExporterRequest {
  readonly method: string;
  /** Path with optional query, e.g. "/metrics". */
  readonly url: string;
  readonly accept?: string | undefined;
}

export interface ExporterResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** True when answering it took a scrape. */
  readonly scraped?: boolean;
}

const COMMON_HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" };

/**
 * Answers one request.
 * handleExporterRequest(exporter, { method: "GET", url: "/metrics" }).status === 200
 */
export function handleExporterRequest(exporter: Exporter, request: ExporterRequest): ExporterResponse {
  const path = request.url.split("?")[0];
  if (path !== "/metrics" && path !== "/")
    return { status: 404, headers: { ...COMMON_HEADERS, "content-type": "text/plain; charset=utf-8" }, body: "not found: try /metrics\n" };
  if (request.method !== "GET" && request.method !== "HEAD")
    return {
      status: 405,
      headers: { ...COMMON_HEADERS, allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
      body: "method not allowed\n",
    };
  if (path === "/")
    return {
      status: 200,
      headers: { ...COMMON_HEADERS, "content-type": "text/html; charset=utf-8" },
      body: '<!doctype html><title>procscope exporter</title><p><a href="/metrics">/metrics</a></p>\n',
    };
  const openMetrics = wantsOpenMetrics(request.accept);
  const body = exporter.scrape(openMetrics);
  return {
    status: 200,
    headers: { ...COMMON_HEADERS, "content-type": openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE },
    body: request.method === "HEAD" ? "" : body,
    scraped: true,
  };
}
