// The live process table, kept from the event stream: each snapshot updates the rows in place
// (keyed by PID@STARTTICKS), start events add rows at once, exit events grey them; new rows stay
// highlighted and exited ones greyed for a few seconds, as System Informer does, then go.
import { type Process, type ProcessEvent, refKey, type Snapshot } from "./api.js";

export const HIGHLIGHT_MS = 4000;
const HISTORY = 120;

export interface Row {
  readonly key: string;
  process: Process;
  /** Wall-clock ms when first seen, if after the first sample. */
  newSince: number | null;
  /** Wall-clock ms when seen gone. */
  exitedAt: number | null;
}

export interface Point {
  readonly t: number;
  readonly cpu: number | null;
  readonly mem: number | null;
}

export interface LiveState {
  rows: Map<string, Row>;
  system: Point[];
  /** CPU% and RSS per process, for the selected process's graphs. */
  perProcess: Map<string, Point[]>;
  snapshot: Snapshot | null;
  connected: boolean;
  version: number;
}

type Listener = () => void;

export class LiveStore {
  readonly state: LiveState = { rows: new Map(), system: [], perProcess: new Map(), snapshot: null, connected: false, version: 0 };
  private listeners = new Set<Listener>();
  private source: EventSource | null = null;
  private seeded = false;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.state.version++;
    for (const l of this.listeners) l();
  }

  /** The first listing (before the first snapshot arrives); never repeated. */
  seed(processes: Process[]): void {
    if (this.seeded) return;
    this.seeded = true;
    for (const p of processes) this.state.rows.set(refKey(p), { key: refKey(p), process: p, newSince: null, exitedAt: null });
    this.changed();
  }

  start(): void {
    if (this.source) return;
    const source = new EventSource("/api/events", { withCredentials: true });
    this.source = source;
    source.addEventListener("open", () => {
      this.state.connected = true;
      this.changed();
    });
    source.addEventListener("error", () => {
      this.state.connected = false;
      this.changed();
    });
    source.addEventListener("snapshot", (e) => this.onSnapshot(JSON.parse((e as MessageEvent<string>).data) as Snapshot));
    source.addEventListener("start", (e) => this.onEvent(JSON.parse((e as MessageEvent<string>).data) as ProcessEvent));
    source.addEventListener("exit", (e) => this.onEvent(JSON.parse((e as MessageEvent<string>).data) as ProcessEvent));
    this.sweeper = setInterval(() => this.sweep(), 1000);
  }

  stop(): void {
    this.source?.close();
    this.source = null;
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private onSnapshot(snapshot: Snapshot): void {
    const now = Date.now();
    const seen = new Set<string>();
    const first = !this.seeded;
    this.seeded = true;
    for (const p of snapshot.processes) {
      const key = refKey(p);
      seen.add(key);
      const row = this.state.rows.get(key);
      if (row) {
        row.process = p;
        row.exitedAt = null;
      } else this.state.rows.set(key, { key, process: p, newSince: first ? null : now, exitedAt: null });
      let points = this.state.perProcess.get(key);
      if (!points) {
        points = [];
        this.state.perProcess.set(key, points);
      }
      points.push({ t: now / 1000, cpu: p.recentCpuPercent ?? null, mem: p.rssBytes });
      if (points.length > HISTORY) points.shift();
    }
    for (const [key, row] of this.state.rows) if (!seen.has(key) && row.exitedAt === null) row.exitedAt = now;
    for (const key of this.state.perProcess.keys()) if (!this.state.rows.has(key)) this.state.perProcess.delete(key);
    const memory = snapshot.memory;
    this.state.system.push({
      t: now / 1000,
      cpu: snapshot.cpu?.busyPercent ?? null,
      mem: memory ? (memory.usedBytes / memory.totalBytes) * 100 : null,
    });
    if (this.state.system.length > HISTORY) this.state.system.shift();
    this.state.snapshot = snapshot;
    this.changed();
  }

  private onEvent(event: ProcessEvent): void {
    const key = refKey(event.process);
    const row = this.state.rows.get(key);
    if (event.event === "start") {
      if (!row) this.state.rows.set(key, { key, process: event.process, newSince: Date.now(), exitedAt: null });
    } else if (row && row.exitedAt === null) row.exitedAt = Date.now();
    else if (!row) return;
    this.changed();
  }

  /** Drops rows that have been greyed long enough, and ends highlights. */
  private sweep(): void {
    const now = Date.now();
    let any = false;
    for (const [key, row] of this.state.rows) {
      if (row.exitedAt !== null && now - row.exitedAt > HIGHLIGHT_MS) {
        this.state.rows.delete(key);
        any = true;
      } else if (row.newSince !== null && now - row.newSince > HIGHLIGHT_MS) {
        row.newSince = null;
        any = true;
      }
    }
    if (any) this.changed();
  }
}
