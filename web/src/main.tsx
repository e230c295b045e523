// procscope's web UI: the live process list (table or tree) with system graphs, and a properties
// view per process at /processes/PID@STARTTICKS?tab=NAME. Every string from a process is rendered
// as text by Preact (escaped); nothing here sets HTML.
import { render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api, commandText, humanBytes, type Process, type Session } from "./api.js";
import { Graph } from "./graph.js";
import { LiveStore, type Row } from "./live.js";
import { navigate } from "./nav.js";
import { Properties } from "./properties.js";
import "./style.css";

const store = new LiveStore();

interface Column {
  readonly id: string;
  readonly title: string;
  readonly numeric?: boolean;
  readonly value: (p: Process) => string | number | null;
  readonly text?: (p: Process) => string;
}

const COLUMNS: readonly Column[] = [
  { id: "pid", title: "PID", numeric: true, value: (p) => p.pid },
  { id: "ppid", title: "PPID", numeric: true, value: (p) => p.ppid },
  { id: "user", title: "User", value: (p) => p.user ?? String(p.uid ?? "") },
  { id: "state", title: "S", value: (p) => p.state },
  { id: "cpu", title: "CPU%", numeric: true, value: (p) => p.recentCpuPercent ?? null, text: (p) => fixed(p.recentCpuPercent) },
  { id: "rss", title: "Memory", numeric: true, value: (p) => p.rssBytes, text: (p) => humanBytes(p.rssBytes) },
  { id: "vsz", title: "Virtual", numeric: true, value: (p) => p.vszBytes, text: (p) => humanBytes(p.vszBytes) },
  {
    id: "io",
    title: "I/O /s",
    numeric: true,
    value: (p) => (p.readBytesPerSecond ?? 0) + (p.writeBytesPerSecond ?? 0),
    text: (p) => ioText(p),
  },
  { id: "threads", title: "Thr", numeric: true, value: (p) => p.threads },
  { id: "time", title: "CPU time", numeric: true, value: (p) => p.cpuSeconds, text: (p) => duration(p.cpuSeconds) },
  {
    id: "start",
    title: "Started",
    value: (p) => p.startTime,
    text: (p) => (p.startTime ? new Date(p.startTime).toLocaleTimeString() : "–"),
  },
  { id: "command", title: "Command", value: (p) => commandText(p) },
];
const DEFAULT_COLUMNS = ["pid", "user", "cpu", "rss", "io", "threads", "command"];

function fixed(v: number | null | undefined): string {
  return v === null || v === undefined ? "–" : v.toFixed(1);
}
function ioText(p: Process): string {
  const total = (p.readBytesPerSecond ?? 0) + (p.writeBytesPerSecond ?? 0);
  return p.readBytesPerSecond === null && p.writeBytesPerSecond === null ? "–" : total === 0 ? "0" : humanBytes(total);
}
function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}` : `${m}:${(seconds % 60).toFixed(2).padStart(5, "0")}`;
}

function useStore(): number {
  const [version, setVersion] = useState(store.state.version);
  useEffect(() => store.subscribe(() => setVersion(store.state.version)), []);
  return version;
}

/** The current location, updated by links this app makes (history.pushState) and Back/Forward. */
function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(location.href));
    addEventListener("popstate", update);
    addEventListener("procscope:navigate", update);
    return () => {
      removeEventListener("popstate", update);
      removeEventListener("procscope:navigate", update);
    };
  }, []);
  return url;
}

function App() {
  const url = useLocation();
  const [session, setSession] = useState<Session | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [theme, setTheme] = useState<string>(() => localStorage.getItem("procscope-theme") ?? "auto");

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("procscope-theme", theme);
  }, [theme]);

  useEffect(() => {
    api<Session>("/api/session")
      .then((s) => {
        setSession(s);
        store.start();
        return api<Process[]>("/api/processes").then((list) => store.seed(list));
      })
      .catch((error) => setFailure(error instanceof ApiError ? error : new ApiError(0, "network", String(error))));
    return () => store.stop();
  }, []);

  if (failure)
    return (
      <main class="message">
        <h1>procscope</h1>
        {failure.status === 401 ? (
          <p>
            This page needs the access token. Open the URL that <code>procscope serve</code> printed (it ends in <code>?token=…</code>).
          </p>
        ) : (
          <p role="alert">Cannot reach the server: {failure.message}</p>
        )}
      </main>
    );
  if (!session) return <main class="message">Loading…</main>;
  const match = /^\/processes\/([^/]+)$/.exec(url.pathname);
  return (
    <div class="app">
      <header class="topbar">
        <a
          href="/"
          class="brand"
          onClick={(e) => {
            e.preventDefault();
            navigate("/");
          }}
        >
          procscope
        </a>
        <SystemSummary />
        <span class="spacer" />
        {session.allowActions ? <span class="badge warn">actions allowed</span> : <span class="badge">read-only</span>}
        <label class="theme">
          Theme{" "}
          <select value={theme} onChange={(e) => setTheme((e.target as HTMLSelectElement).value)} aria-label="Theme">
            <option value="auto">auto</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
      </header>
      {match ? (
        <Properties
          refText={decodeURIComponent(match[1] as string)}
          tab={url.searchParams.get("tab") ?? "general"}
          session={session}
          store={store}
        />
      ) : (
        <ProcessList />
      )}
    </div>
  );
}

function SystemSummary() {
  useStore();
  const s = store.state.snapshot;
  if (!s) return <span class="summary">{store.state.connected ? "sampling…" : "connecting…"}</span>;
  return (
    <span class="summary">
      CPU {fixed(s.cpu?.busyPercent)}% · Mem {s.memory ? `${humanBytes(s.memory.usedBytes)} / ${humanBytes(s.memory.totalBytes)}` : "–"} ·
      Load {s.load ? s.load.load1.toFixed(2) : "–"} · {s.tasks.total} processes
    </span>
  );
}

function ProcessList() {
  useStore();
  const [filter, setFilter] = useState(() => new URL(location.href).searchParams.get("filter") ?? "");
  const [sort, setSort] = useState<{ id: string; descending: boolean }>({ id: "cpu", descending: true });
  const [view, setView] = useState<"table" | "tree">("table");
  const [columns, setColumns] = useState<string[]>(
    () => JSON.parse(localStorage.getItem("procscope-columns") ?? "null") ?? DEFAULT_COLUMNS,
  );
  const [chooser, setChooser] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const tableRef = useRef<HTMLTableElement>(null);

  useEffect(() => localStorage.setItem("procscope-columns", JSON.stringify(columns)), [columns]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "/" && document.activeElement !== filterRef.current) {
        e.preventDefault();
        filterRef.current?.focus();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const shown = COLUMNS.filter((c) => columns.includes(c.id));
  const rows = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    let list = [...store.state.rows.values()];
    if (needle !== "")
      list = list.filter((r) => {
        const p = r.process;
        return (
          String(p.pid) === needle ||
          p.comm.toLowerCase().includes(needle) ||
          commandText(p).toLowerCase().includes(needle) ||
          (p.user ?? "").toLowerCase() === needle
        );
      });
    const column = COLUMNS.find((c) => c.id === sort.id) ?? (COLUMNS[0] as Column);
    const direction = sort.descending ? -1 : 1;
    list.sort((a, b) => {
      const x = column.value(a.process);
      const y = column.value(b.process);
      if (x === y) return a.process.pid - b.process.pid;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * direction;
    });
    return view === "tree" && needle === "" ? treeOrder(list) : list.map((row) => ({ row, depth: 0 }));
  }, [store.state.version, filter, sort, view]);

  const open = (row: Row) => navigate(`/processes/${row.key}`);
  const onKeyDown = (e: KeyboardEvent) => {
    const index = rows.findIndex((r) => r.row.key === selected);
    if (e.key === "ArrowDown" || e.key === "ArrowUp" || e.key === "Home" || e.key === "End") {
      e.preventDefault();
      const next =
        e.key === "Home"
          ? 0
          : e.key === "End"
            ? rows.length - 1
            : Math.max(0, Math.min(rows.length - 1, index + (e.key === "ArrowDown" ? 1 : -1)));
      const key = rows[next]?.row.key ?? null;
      setSelected(key);
      tableRef.current?.querySelector<HTMLElement>(`tr[data-key="${key}"]`)?.scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter" && index >= 0) open((rows[index] as { row: Row }).row);
  };

  return (
    <main class="list-view">
      <section class="graphs" aria-label="System graphs">
        <Graph title="CPU" label="CPU" points={store.state.system} series="cpu" unit="%" max={100} />
        <Graph title="Memory used" label="Memory" points={store.state.system} series="mem" unit="%" max={100} />
      </section>
      <div class="toolbar">
        <input
          ref={filterRef}
          type="search"
          class="filter"
          placeholder="Filter (/): name, command, PID, user"
          aria-label="Filter processes"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setFilter("");
            if (e.key === "ArrowDown" || e.key === "Enter") {
              e.preventDefault();
              setSelected(rows[0]?.row.key ?? null);
              tableRef.current?.focus();
            }
          }}
        />
        <fieldset class="segmented" aria-label="View">
          <button type="button" aria-pressed={view === "table"} onClick={() => setView("table")}>
            Table
          </button>
          <button type="button" aria-pressed={view === "tree"} onClick={() => setView("tree")}>
            Tree
          </button>
        </fieldset>
        <button type="button" onClick={() => setChooser(!chooser)} aria-expanded={chooser}>
          Columns
        </button>
        <span class="count">{rows.length} shown</span>
      </div>
      {chooser && (
        <fieldset class="chooser">
          <legend>Columns</legend>
          {COLUMNS.map((c) => (
            <label key={c.id}>
              <input
                type="checkbox"
                checked={columns.includes(c.id)}
                onChange={() =>
                  setColumns(
                    columns.includes(c.id)
                      ? columns.filter((x) => x !== c.id)
                      : COLUMNS.filter((x) => x.id === c.id || columns.includes(x.id)).map((x) => x.id),
                  )
                }
              />{" "}
              {c.title}
            </label>
          ))}
        </fieldset>
      )}
      <div class="table-wrap">
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the table takes the arrow keys that move the selection */}
        <table ref={tableRef} class="processes" tabIndex={0} onKeyDown={onKeyDown} aria-label="Processes">
          <thead>
            <tr>
              {shown.map((c) => (
                <th
                  key={c.id}
                  class={c.numeric ? "num" : ""}
                  aria-sort={sort.id === c.id ? (sort.descending ? "descending" : "ascending") : "none"}
                >
                  <button
                    type="button"
                    onClick={() => setSort({ id: c.id, descending: sort.id === c.id ? !sort.descending : c.numeric === true })}
                  >
                    {c.title}
                    {sort.id === c.id ? (sort.descending ? " ▾" : " ▴") : ""}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(({ row, depth }) => (
              <tr
                key={row.key}
                data-key={row.key}
                data-pid={row.process.pid}
                class={`${row.newSince !== null ? "new" : ""} ${row.exitedAt !== null ? "exited" : ""} ${selected === row.key ? "selected" : ""}`}
                aria-selected={selected === row.key}
                onClick={() => setSelected(row.key)}
                onDblClick={() => open(row)}
              >
                {shown.map((c) => (
                  <td key={c.id} class={c.numeric ? "num" : c.id === "command" ? "command" : ""}>
                    {c.id === "command" ? (
                      <a
                        href={`/processes/${row.key}`}
                        style={depth > 0 ? { paddingLeft: `${depth}em` } : undefined}
                        onClick={(e) => {
                          e.preventDefault();
                          open(row);
                        }}
                      >
                        {depth > 0 ? "└ " : ""}
                        {commandText(row.process)}
                      </a>
                    ) : c.text ? (
                      c.text(row.process)
                    ) : (
                      String(c.value(row.process) ?? "–")
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}

/** Rows in tree order (children under their parent, siblings in the chosen sort), with depths. */
function treeOrder(sorted: Row[]): { row: Row; depth: number }[] {
  const byPid = new Map(sorted.map((r) => [r.process.pid, r]));
  const children = new Map<number, Row[]>();
  const roots: Row[] = [];
  for (const r of sorted) {
    const parent = byPid.get(r.process.ppid);
    if (parent && parent !== r) {
      const list = children.get(parent.process.pid) ?? [];
      list.push(r);
      children.set(parent.process.pid, list);
    } else roots.push(r);
  }
  const out: { row: Row; depth: number }[] = [];
  const visit = (r: Row, depth: number) => {
    out.push({ row: r, depth });
    for (const c of children.get(r.process.pid) ?? []) visit(c, depth + 1);
  };
  for (const r of roots) visit(r, 0);
  return out;
}

render(<App />, document.getElementById("app") as HTMLElement);
