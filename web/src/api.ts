// The UI is a client of the API only. The token travels in the HttpOnly cookie that opening the
// printed URL set; this code never sees it.

export interface Process {
  pid: number;
  ppid: number;
  uid: number | null;
  user: string | null;
  state: string;
  comm: string;
  cmdline: string[] | null;
  exe: string | null;
  tty: string | null;
  threads: number;
  nice: number;
  priority: number;
  startTime: string | null;
  startTimeTicks: number;
  cpuSeconds: number;
  cpuPercent: number | null;
  rssBytes: number | null;
  vszBytes: number;
  kernelThread: boolean;
  errors: Record<string, string>;
  recentCpuPercent?: number | null;
  readBytesPerSecond?: number | null;
  writeBytesPerSecond?: number | null;
}

export interface Snapshot {
  time: string;
  intervalMs: number | null;
  uptimeSeconds: number;
  load: { load1: number; load5: number; load15: number } | null;
  cpu: { busyPercent: number } | null;
  cpuCount: number;
  memory: { totalBytes: number; usedBytes: number; availableBytes: number } | null;
  tasks: { total: number; running: number; threads: number };
  processes: Process[];
}

export interface ProcessEvent {
  event: "start" | "exit";
  time: string;
  process: Process;
}

export interface Session {
  version: string;
  allowActions: boolean;
  eventsIntervalMs: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { credentials: "same-origin", ...init });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, "bad-answer", `${response.status}: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const error = (body as { error?: { kind?: string; message?: string } }).error;
    throw new ApiError(response.status, error?.kind ?? "error", error?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return api<T>(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

/** "PID@TICKS": how the UI names a process, so a link never lands on a reused PID. */
export function refKey(p: { pid: number; startTimeTicks: number }): string {
  return `${p.pid}@${p.startTimeTicks}`;
}

export function humanBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "–";
  const units = ["B", "K", "M", "G", "T"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

export function commandText(p: Pick<Process, "cmdline" | "comm">): string {
  return p.cmdline && p.cmdline.length > 0 ? p.cmdline.join(" ") : `[${p.comm}]`;
}
