/**
 * `GET /api/events`: one sampler and one watch loop for the whole server, started with the first
 * client and stopped with the last, fanned out to every client as Server-Sent Events:
 *   event: snapshot  — what `top --once --json` prints, CPU% over the interval
 *   event: start     — a process started, as `watch --json` reports it
 *   event: exit      — a process exited, as `watch --exits --json` reports it
 * A client that cannot keep up misses snapshots (never start/exit events, which are small) instead
 * of making the server queue them; a client that goes away is dropped at once.
 */
import { randomUUID } from "node:crypto";
import { toJson } from "../cli/render/json.js";
import type { Snapshot } from "../model/process.js";
import type { ProcessContext } from "../model/reader.js";
import { redactSecrets } from "./respond.js";

export interface EventHubOptions {
  readonly intervalMs: number;
  /** How often the watch loop polls for starts and exits. */
  readonly watchIntervalMs?: number;
  /** Called for errors of the sampling loops (they go on). */
  readonly onError?: (error: unknown) => void;
}

type Send = (event: string, data: string, droppable: boolean) => void;

export interface EventHub {
  /** A new stream of events for one client; `reveal` skips the secret redaction. */
  stream(reveal: boolean, signal: AbortSignal): ReadableStream<Uint8Array>;
  readonly clients: number;
  close(): void;
}

const encoder = new TextEncoder();

/** An event's data for clients that see secrets and for those that do not, each made on first use. */
export interface EventData {
  readonly revealed: string;
  readonly redacted: string;
}

function lazyData(makeRevealed: () => string, makeRedacted: () => string): EventData {
  let revealed: string | undefined;
  let redacted: string | undefined;
  return {
    get revealed() {
      revealed ??= makeRevealed();
      return revealed;
    },
    get redacted() {
      redacted ??= makeRedacted();
      return redacted;
    },
  };
}

function eventData(value: unknown): EventData {
  const revealed = toJson(value, false).trimEnd();
  const safe = redactSecrets(value);
  return { revealed, redacted: safe.redacted ? toJson(safe.value, false).trimEnd() : revealed };
}

/**
 * Snapshot events made from the JSON of each process row, kept as long as the row: the sampler
 * hands back the same row for a process whose files read the same (most of them, each interval),
 * so only the rows that changed are serialized and searched for secrets again. The text is the
 * same as serializing the whole snapshot.
 */
export function createSnapshotSerializer(): (snapshot: Snapshot) => EventData {
  const rows = new WeakMap<object, EventData>();
  // Stands for the rows in the rest of the snapshot's JSON; no value there can hold it.
  const mark = `rows-${randomUUID()}`;
  const rowData = (row: object): EventData => {
    let data = rows.get(row);
    if (data === undefined) {
      data = eventData(row);
      rows.set(row, data);
    }
    return data;
  };
  return (snapshot) => {
    const head = eventData({ ...snapshot, processes: mark });
    const processes = snapshot.processes.map(rowData);
    const join = (headText: string, side: keyof EventData): string => {
      const at = headText.indexOf(`"${mark}"`);
      return `${headText.slice(0, at)}[${processes.map((row) => row[side]).join(",")}]${headText.slice(at + mark.length + 2)}`;
    };
    return lazyData(
      () => join(head.revealed, "revealed"),
      () => join(head.redacted, "redacted"),
    );
  };
}

function frame(event: string, data: string): Uint8Array {
  // data is compact JSON: no newlines inside.
  return encoder.encode(`event: ${event}\ndata: ${data}\n\n`);
}

export function createEventHub(contextOf: () => ProcessContext, options: EventHubOptions): EventHub {
  const clients = new Map<Send, boolean>();
  const ends = new Set<() => void>();
  let running: AbortController | null = null;
  let last: EventData | null = null;
  let closed = false;

  const broadcast = (event: string, data: EventData, droppable: boolean): void => {
    for (const [sendTo, reveal] of clients) sendTo(event, reveal ? data.revealed : data.redacted, droppable);
  };

  const start = (): void => {
    const controller = new AbortController();
    running = controller;
    const { signal } = controller;
    const context = contextOf();
    void (async () => {
      const { streamSamples } = await import("../live/sampler.js");
      const { topResult } = await import("../queries/live.js");
      const serialize = createSnapshotSerializer();
      try {
        for await (const snapshot of streamSamples(context, options.intervalMs, signal, { io: true })) {
          last = serialize(topResult(snapshot as Snapshot));
          broadcast("snapshot", last, true);
        }
      } catch (error) {
        if (!signal.aborted) options.onError?.(error);
      }
    })();
    void (async () => {
      const { watchProcesses } = await import("../live/watch.js");
      try {
        for await (const event of watchProcesses(context, { intervalMs: options.watchIntervalMs ?? 250, exits: true, signal })) {
          broadcast(event.event, eventData(event), false);
        }
      } catch (error) {
        if (!signal.aborted) options.onError?.(error);
      }
    })();
  };

  const stop = (): void => {
    running?.abort();
    running = null;
    last = null;
  };

  return {
    get clients() {
      return clients.size;
    },
    stream(reveal, signal) {
      let send: Send | undefined;
      const leave = (): void => {
        if (send === undefined) return;
        clients.delete(send);
        send = undefined;
        if (clients.size === 0) stop();
      };
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            if (closed) {
              controller.close();
              return;
            }
            send = (event, data, droppable) => {
              if (droppable && (controller.desiredSize ?? 1) <= 0) return;
              try {
                controller.enqueue(frame(event, data));
              } catch {
                leave();
              }
            };
            clients.set(send, reveal);
            // A comment line first, so the client knows the stream is open; then the last snapshot.
            controller.enqueue(encoder.encode(": procscope events\nretry: 2000\n\n"));
            if (last !== null) controller.enqueue(frame("snapshot", reveal ? last.revealed : last.redacted));
            if (running === null) start();
            const end = (): void => {
              ends.delete(end);
              leave();
              try {
                controller.close();
              } catch {
                // already closed
              }
            };
            ends.add(end);
            if (signal.aborted) end();
            else signal.addEventListener("abort", end, { once: true });
          },
          cancel() {
            leave();
          },
        },
        new CountQueuingStrategy({ highWaterMark: 8 }),
      );
    },
    close() {
      closed = true;
      for (const end of [...ends]) end();
      stop();
      clients.clear();
    },
  };
}
