/**
 * Every request's signal is let go once its answer is out, and an event stream's once its client
 * goes: a server that runs for weeks must not keep anything per request (AbortSignal.any, used
 * before, kept ~2 KB per request for the server's life on Node 20).
 */
import { afterAll, describe, expect, it } from "vitest";
import { type Listening, listen } from "../../src/server/listen.js";
import { createTestApp } from "../helpers/serve.js";
import { waitUntil } from "../helpers/wait.js";

const TOKEN = "t0ken-of-the-request-test-0123456789abcdef";
const server = createTestApp(TOKEN, { eventsIntervalMs: 200 });
let listening: Listening | undefined;
afterAll(async () => {
  server.close();
  await listening?.close();
});

describe("requests in progress", () => {
  it("are none once answers are out, and an event stream counts until its client goes", async () => {
    listening = await listen(server.app, { host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${listening.port}`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    for (const url of ["/api/session", "/api/system", "/api/processes/1", "/api/processes/notapid"]) {
      for (let i = 0; i < 10; i++) await (await fetch(`${base}${url}`, { headers })).arrayBuffer();
    }
    await waitUntil("the answered requests to be let go", () => server.requestsInProgress() === 0);

    const client = new AbortController();
    const response = await fetch(`${base}/api/events`, { headers, signal: client.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^(event|data|:)/m);
    expect(server.requestsInProgress()).toBe(1);
    client.abort();
    await waitUntil("the event stream to be let go after its client left", () => server.requestsInProgress() === 0);
  });
});
