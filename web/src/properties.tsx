// The properties of one process, in tabs as System Informer shows them. The process is named by
// PID@STARTTICKS: when it has exited (or its PID now belongs to another process) the API answers
// 410 and this view says so instead of showing the other process.
import { type ComponentChildren, Fragment } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api, commandText, humanBytes, post, type Session } from "./api.js";
import { Graph } from "./graph.js";
import type { LiveStore } from "./live.js";
import { navigate } from "./nav.js";

const TABS = [
  ["general", "General"],
  ["statistics", "Statistics"],
  ["memory", "Memory"],
  ["files", "Files"],
  ["network", "Network"],
  ["threads", "Threads"],
  ["environment", "Environment"],
  ["security", "Security"],
] as const;

// biome-ignore lint/suspicious/noExplicitAny: the details shape is shown field by field
type Details = Record<string, any>;

function useApi<T>(path: string | null): { data: T | null; error: ApiError | null; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null }>({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState({ data: null, error: null });
    api<T>(path)
      .then((data) => live && setState({ data, error: null }))
      .catch(
        (error) => live && setState({ data: null, error: error instanceof ApiError ? error : new ApiError(0, "network", String(error)) }),
      );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return { ...state, reload: () => setTick(tick + 1) };
}

/** A table's header row; the `numeric` columns are right-aligned. */
function TableHead(props: { columns: readonly string[]; numeric?: readonly string[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((name) => (
          <th key={name} class={props.numeric?.includes(name) ? "num" : undefined}>
            {name}
          </th>
        ))}
      </tr>
    </thead>
  );
}

function ErrorLine(props: { error: ApiError }) {
  return (
    <p class="error" role="alert">
      {props.error.message}
    </p>
  );
}

export function Properties(props: { refText: string; tab: string; session: Session; store: LiveStore }) {
  const ref = props.refText;
  const details = useApi<Details>(`/api/processes/${encodeURIComponent(ref)}`);
  const tab = TABS.some(([id]) => id === props.tab) ? props.tab : "general";
  const tabList = useRef<HTMLDivElement>(null);
  const setTab = (id: string) => navigate(`/processes/${encodeURIComponent(ref)}?tab=${id}`, true);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !(document.activeElement instanceof HTMLInputElement)) navigate("/");
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  if (details.error) {
    const gone = details.error.status === 410 || details.error.status === 404;
    return (
      <main class="properties">
        <BackLink />
        <h1>Process {ref}</h1>
        <p class={gone ? "gone" : "error"} role="alert">
          {details.error.status === 410 ? `This process has exited: ${details.error.message}.` : details.error.message}
        </p>
      </main>
    );
  }
  const d = details.data;
  if (!d) return <main class="properties">Loading…</main>;
  const key = `${d.pid}@${d.startTimeTicks}`;
  const row = props.store.state.rows.get(key);
  return (
    <main class="properties">
      <BackLink />
      <h1>
        {d.comm} <span class="muted">PID {d.pid}</span>
        {row?.exitedAt ? <span class="badge">exited</span> : null}
      </h1>
      <p class="cmdline">{commandText(d as never)}</p>
      {props.session.allowActions ? <Actions pid={d.pid} startTimeTicks={d.startTimeTicks} comm={d.comm} /> : null}
      <div
        class="tabs"
        role="tablist"
        ref={tabList}
        onKeyDown={(e) => {
          const index = TABS.findIndex(([id]) => id === tab);
          if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
            const next = TABS[(index + (e.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length] as (typeof TABS)[number];
            setTab(next[0]);
            setTimeout(() => tabList.current?.querySelector<HTMLElement>(`[data-tab="${next[0]}"]`)?.focus(), 0);
          }
        }}
      >
        {TABS.map(([id, title]) => (
          <button
            type="button"
            role="tab"
            key={id}
            data-tab={id}
            aria-selected={tab === id}
            tabIndex={tab === id ? 0 : -1}
            onClick={() => setTab(id)}
          >
            {title}
          </button>
        ))}
      </div>
      <section role="tabpanel" class="panel">
        {tab === "general" && <General d={d} />}
        {tab === "statistics" && <Statistics d={d} store={props.store} refKey={key} />}
        {tab === "memory" && <Memory refText={key} allowActions={props.session.allowActions} />}
        {tab === "files" && <Files refText={key} />}
        {tab === "network" && <Network pid={d.pid} />}
        {tab === "threads" && <Threads refText={key} />}
        {tab === "environment" && <Environment refText={key} />}
        {tab === "security" && <Security d={d} />}
      </section>
    </main>
  );
}

function BackLink() {
  return (
    <a
      href="/"
      class="back"
      onClick={(e) => {
        e.preventDefault();
        navigate("/");
      }}
    >
      ← Processes
    </a>
  );
}

function Fields(props: { rows: [string, unknown][] }) {
  return (
    <dl class="fields">
      {props.rows.map(([name, value]) => (
        <Fragment key={name}>
          <dt>{name}</dt>
          <dd>
            {value === null || value === undefined || value === ""
              ? "–"
              : typeof value === "object"
                ? JSON.stringify(value)
                : String(value)}
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}

function General(props: { d: Details }) {
  const d = props.d;
  return (
    <Fields
      rows={[
        ["Command line", commandText(d as never)],
        ["Executable", `${d.exe ?? "–"}${d.exeDeleted ? " (deleted)" : ""}`],
        ["Working directory", d.cwd],
        ["Root", d.root],
        ["Parent", d.ppid],
        ["User", `${d.user ?? "?"} (uid ${d.uid ?? "?"})`],
        ["Started", d.startTime ? new Date(d.startTime).toLocaleString() : null],
        ["State", d.state],
        ["Terminal", d.tty],
        ["Nice / priority", `${d.nice} / ${d.priority}`],
        ["Container", d.container ? `${d.container.runtime ?? ""} ${d.container.id ?? ""}`.trim() : "none"],
        ["Cgroup", (d.cgroups ?? []).map((c: { path: string }) => c.path).find((p: string) => p !== "/") ?? "/"],
        [
          "Unreadable",
          Object.entries(d.errors ?? {})
            .map(([k, v]) => `${k}: ${v}`)
            .join("; "),
        ],
      ]}
    />
  );
}

function Statistics(props: { d: Details; store: LiveStore; refKey: string }) {
  const d = props.d;
  const [, setVersion] = useState(0);
  useEffect(() => props.store.subscribe(() => setVersion(props.store.state.version)), []);
  const points = props.store.state.perProcess.get(props.refKey) ?? [];
  const s = d.status ?? {};
  const io = d.io ?? {};
  return (
    <div>
      <div class="graphs">
        <Graph title="CPU" label="CPU" points={points} series="cpu" unit="%" />
        <Graph title="Resident memory" label="RSS" points={points} series="mem" unit="bytes" />
      </div>
      <Fields
        rows={[
          ["CPU time", `${d.cpuSeconds}s`],
          ["CPU (lifetime)", d.cpuPercent === null ? null : `${d.cpuPercent}%`],
          ["Resident", humanBytes(d.rssBytes)],
          ["Virtual", humanBytes(d.vszBytes)],
          ["Peak virtual", humanBytes(s.vmPeakBytes)],
          ["Peak resident", humanBytes(s.vmHwmBytes)],
          ["Swap", humanBytes(s.vmSwapBytes)],
          ["Threads", d.threads],
          ["Voluntary context switches", s.voluntaryCtxSwitches],
          ["Involuntary context switches", s.nonvoluntaryCtxSwitches],
          ["I/O read (storage)", humanBytes(io.readBytes)],
          ["I/O written (storage)", humanBytes(io.writeBytes)],
          ["read() bytes", humanBytes(io.rcharBytes)],
          ["write() bytes", humanBytes(io.wcharBytes)],
          ["Read / write calls", io.syscr === undefined ? null : `${io.syscr} / ${io.syscw}`],
          ["OOM score (adj)", `${d.oomScore ?? "–"} (${d.oomScoreAdj ?? "–"})`],
        ]}
      />
    </div>
  );
}

interface Region {
  start: string;
  end: string;
  perms: string;
  kind: string;
  path: string | null;
  size?: number;
}

function Memory(props: { refText: string; allowActions: boolean }) {
  const maps = useApi<{ regions: Region[] }>(`/api/processes/${props.refText}/maps`);
  const [view, setView] = useState<{ start: bigint; end: bigint } | null>(null);
  const [pattern, setPattern] = useState("");
  const [search, setSearch] = useState<string | null>(null);
  const [stringsFilter, setStringsFilter] = useState("");
  const [showStrings, setShowStrings] = useState(false);
  const groups = useMemo(() => {
    const out = new Map<string, Region[]>();
    for (const r of maps.data?.regions ?? []) {
      const list = out.get(r.kind) ?? [];
      list.push(r);
      out.set(r.kind, list);
    }
    return out;
  }, [maps.data]);
  if (maps.error) return <ErrorLine error={maps.error} />;
  if (!maps.data) return <p>Loading…</p>;
  return (
    <div class="memory">
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(pattern);
        }}
      >
        <SearchBox label="Search memory" placeholder="Search memory for text" value={pattern} onInput={setPattern} />
        <button type="submit">Search</button>
        <button type="button" onClick={() => setShowStrings(!showStrings)} aria-pressed={showStrings}>
          Strings
        </button>
      </form>
      {search ? (
        <SearchResults refText={props.refText} pattern={search} onOpen={(address) => setView({ start: address, end: address + 0x1000n })} />
      ) : null}
      {showStrings ? (
        <div class="strings-box">
          <SearchBox label="Filter strings" value={stringsFilter} onInput={setStringsFilter} />
          <Strings refText={props.refText} filter={stringsFilter} />
        </div>
      ) : null}
      {props.allowActions ? <Replace refText={props.refText} /> : null}
      {view ? <HexView refText={props.refText} start={view.start} end={view.end} /> : null}
      <table class="regions">
        <TableHead columns={["Kind", "Start", "Size", "Perms", "Path"]} numeric={["Size"]} />
        {[...groups.entries()].map(([kind, regions]) => (
          <tbody key={kind}>
            <tr class="group">
              <th colSpan={5}>
                {kind} — {regions.length} regions, {humanBytes(regions.reduce((a, r) => a + Number(BigInt(r.end) - BigInt(r.start)), 0))}
              </th>
            </tr>
            {regions.map((r) => (
              <tr key={r.start}>
                <td>{r.kind}</td>
                <td>
                  <button
                    type="button"
                    class="link"
                    disabled={!r.perms.startsWith("r")}
                    onClick={() => setView({ start: BigInt(r.start), end: BigInt(r.end) })}
                  >
                    {r.start}
                  </button>
                </td>
                <td class="num">{humanBytes(Number(BigInt(r.end) - BigInt(r.start)))}</td>
                <td>{r.perms}</td>
                <td>{r.path ?? ""}</td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

function SearchBox(props: { label: string; placeholder?: string; value: string; onInput: (text: string) => void }) {
  return (
    <input
      type="search"
      value={props.value}
      placeholder={props.placeholder ?? props.label}
      aria-label={props.label}
      onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
    />
  );
}

const PAGE = 0x400n;

/** A hex viewer that pages through a region, 1 KiB at a time. */
function HexView(props: { refText: string; start: bigint; end: bigint }) {
  const [offset, setOffset] = useState(props.start - (props.start % 16n));
  useEffect(() => setOffset(props.start - (props.start % 16n)), [props.start]);
  const length = offset + PAGE > props.end ? props.end - offset : PAGE;
  const read = useApi<{ address: string; hex: string; holes: { address: string; length: number }[] }>(
    length > 0n ? `/api/processes/${props.refText}/memory?address=0x${offset.toString(16)}&length=${length}` : null,
  );
  const lines: { address: string; hex: string; ascii: string }[] = [];
  if (read.data) {
    const bytes = read.data.hex.match(/../g) ?? [];
    for (let i = 0; i < bytes.length; i += 16) {
      const chunk = bytes.slice(i, i + 16);
      lines.push({
        address: (offset + BigInt(i)).toString(16).padStart(12, "0"),
        hex: chunk.join(" "),
        ascii: chunk
          .map((b) => {
            const c = Number.parseInt(b, 16);
            return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".";
          })
          .join(""),
      });
    }
  }
  return (
    <section class="hexview" aria-label="Hex view">
      <div class="hex-nav">
        <button
          type="button"
          disabled={offset <= props.start}
          onClick={() => setOffset(offset - PAGE < props.start ? props.start : offset - PAGE)}
        >
          ◀ Previous
        </button>
        <span>
          0x{offset.toString(16)} – 0x{(offset + length).toString(16)} of 0x{props.start.toString(16)}–0x{props.end.toString(16)}
        </span>
        <button type="button" disabled={offset + PAGE >= props.end} onClick={() => setOffset(offset + PAGE)}>
          Next ▶
        </button>
      </div>
      {read.error ? <ErrorLine error={read.error} /> : null}
      <pre class="hex">
        {lines.map((l) => (
          <div key={l.address} class="hexline">
            <span class="addr">{l.address}</span> <span class="bytes">{l.hex.padEnd(47)}</span> <span class="ascii">{l.ascii}</span>
          </div>
        ))}
      </pre>
    </section>
  );
}

function SearchResults(props: { refText: string; pattern: string; onOpen: (address: bigint) => void }) {
  const result = useApi<{ address: string; region: { kind: string; path: string | null }; preview: string }[]>(
    `/api/processes/${props.refText}/search?pattern=${encodeURIComponent(props.pattern)}&max=200`,
  );
  if (result.error) return <ErrorLine error={result.error} />;
  if (!result.data) return <p>Searching…</p>;
  return (
    <div class="search-results">
      <p>
        {result.data.length} match{result.data.length === 1 ? "" : "es"} for “{props.pattern}”
      </p>
      <ul>
        {result.data.map((m) => (
          <li key={m.address}>
            <button type="button" class="link" onClick={() => props.onOpen(BigInt(m.address))}>
              {m.address}
            </button>{" "}
            {m.region.kind} <code>{m.preview}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Strings(props: { refText: string; filter: string }) {
  const result = useApi<{ address: string; region: string; text: string }[]>(`/api/processes/${props.refText}/strings?limit=5000`);
  if (result.error) return <ErrorLine error={result.error} />;
  if (!result.data) return <p>Reading strings…</p>;
  const needle = props.filter.toLowerCase();
  const shown = result.data.filter((s) => needle === "" || s.text.toLowerCase().includes(needle)).slice(0, 1000);
  return (
    <table class="strings">
      <tbody>
        {shown.map((s) => (
          <tr key={s.address}>
            <td class="addr">{s.address}</td>
            <td>{s.region}</td>
            <td class="text">{s.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Files(props: { refText: string }) {
  const fds = useApi<
    { fd: number; type: string; target: string; path?: string | null; deleted?: boolean; sizeBytes?: number | null; size?: number | null }[]
  >(`/api/processes/${props.refText}/fds`);
  if (fds.error) return <ErrorLine error={fds.error} />;
  if (!fds.data) return <p>Loading…</p>;
  return (
    <table class="fds">
      <TableHead columns={["FD", "Type", "Target", "Size", "Copy"]} numeric={["FD", "Size"]} />
      <tbody>
        {fds.data.map((f) => (
          <tr key={f.fd} class={f.deleted ? "deleted" : ""} data-fd={f.fd}>
            <td class="num">{f.fd}</td>
            <td>{f.type}</td>
            <td>
              {f.path ?? f.target}
              {f.deleted ? <span class="badge warn">deleted</span> : null}
            </td>
            <td class="num">{humanBytes(f.sizeBytes ?? f.size ?? null)}</td>
            <td>
              {/* As recover does: a regular file (or memfd) reopened read-only through /proc/PID/fd/N. */}
              {f.type === "file" || f.type === "memfd" ? (
                <a
                  class="download"
                  href={`/api/processes/${props.refText}/fds/${f.fd}/content`}
                  download=""
                  title={f.deleted ? "Recover this deleted file: download what the process still holds" : "Download a copy"}
                >
                  {f.deleted ? "Recover" : "Download"}
                </a>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Network(props: { pid: number }) {
  const net = useApi<{
    sockets: {
      protocol: string;
      state?: string | null;
      local?: string;
      remote?: string;
      localAddress?: string;
      remoteAddress?: string;
      inode: number;
    }[];
  }>(`/api/net?pid=${props.pid}`);
  const peers = useApi<
    { kind: string; inode: number; label: string | null; ends: { pid: number; comm: string; fd: number; side: string | null }[] }[]
  >(`/api/peers?pid=${props.pid}`);
  return (
    <div>
      <h2>Sockets</h2>
      {net.error ? <ErrorLine error={net.error} /> : null}
      <table class="sockets">
        <tbody>
          {(net.data?.sockets ?? []).map((s) => (
            <tr key={`${s.protocol}-${s.inode}`}>
              <td>{s.protocol}</td>
              <td>{JSON.stringify(s.local ?? s.localAddress ?? "")}</td>
              <td>{JSON.stringify(s.remote ?? s.remoteAddress ?? "")}</td>
              <td>{s.state ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Peers</h2>
      {peers.error ? <ErrorLine error={peers.error} /> : null}
      <ul>
        {(peers.data ?? []).map((c) => (
          <li key={`${c.kind}-${c.inode}`}>
            {c.kind} {c.label ?? c.inode}: {c.ends.map((e) => `${e.comm}[${e.pid}] fd ${e.fd}${e.side ? ` (${e.side})` : ""}`).join(" ↔ ")}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Threads(props: { refText: string }) {
  const threads = useApi<
    { tid: number; comm: string; state: string; syscall?: { name?: string } | string | null; wchan?: string | null; cpuSeconds?: number }[]
  >(`/api/processes/${props.refText}/threads`);
  const stacks = useApi<{ groups: { tids: number[]; stack: { symbol?: string; function?: string; text?: string }[] | null }[] }>(
    `/api/processes/${props.refText}/stacks`,
  );
  if (threads.error) return <ErrorLine error={threads.error} />;
  if (!threads.data) return <p>Loading…</p>;
  return (
    <div>
      <table class="threads">
        <TableHead columns={["TID", "Name", "State", "Syscall", "Wait channel"]} numeric={["TID"]} />
        <tbody>
          {threads.data.map((t) => (
            <tr key={t.tid}>
              <td class="num">{t.tid}</td>
              <td>{t.comm}</td>
              <td>{t.state}</td>
              <td>{typeof t.syscall === "string" ? t.syscall : (t.syscall?.name ?? "–")}</td>
              <td>{t.wchan ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Kernel stacks</h2>
      {stacks.error ? <ErrorLine error={stacks.error} /> : null}
      {(stacks.data?.groups ?? []).map((g) => (
        <pre key={g.tids.join(",")} class="stack">
          {`threads ${g.tids.join(", ")}\n${(g.stack ?? []).map((f) => f.text ?? f.symbol ?? f.function ?? JSON.stringify(f)).join("\n")}`}
        </pre>
      ))}
    </div>
  );
}

function Environment(props: { refText: string }) {
  const env = useApi<{ environ: Record<string, string> | null }>(`/api/processes/${props.refText}/environ`);
  if (env.error) return <ErrorLine error={env.error} />;
  if (!env.data) return <p>Loading…</p>;
  return (
    <div>
      <p class="muted">Values that look secret are shown as [redacted].</p>
      <Fields rows={Object.entries(env.data.environ ?? {})} />
    </div>
  );
}

function Security(props: { d: Details }) {
  const d = props.d;
  const s = d.status ?? {};
  const caps = d.capabilities ?? {};
  return (
    <Fields
      rows={[
        ["UIDs (real, effective, saved, fs)", s.uids ? `${s.uids.real}, ${s.uids.effective}, ${s.uids.saved}, ${s.uids.filesystem}` : null],
        ["GIDs (real, effective, saved, fs)", s.gids ? `${s.gids.real}, ${s.gids.effective}, ${s.gids.saved}, ${s.gids.filesystem}` : null],
        ["Groups", (s.groups ?? []).join(", ")],
        ["Effective capabilities", (caps.effective ?? []).join(" ") || "none"],
        ["Permitted capabilities", (caps.permitted ?? []).join(" ") || "none"],
        ["Bounding set", `${(caps.bounding ?? []).length} capabilities`],
        ["Seccomp", d.seccomp],
        ["No new privileges", s.noNewPrivs],
        ["Tracer PID", d.tracerPid === 0 ? "not traced" : d.tracerPid],
        ["Login uid", d.loginUid],
        ["Namespaces", (d.namespaces ?? []).map((n: { type: string; inode: number }) => `${n.type}:[${n.inode}]`).join(" ")],
        ["PID in namespaces", (d.nsPid ?? []).join(" → ")],
      ]}
    />
  );
}

interface WriteReport {
  applied: boolean;
  found: number;
  searched: number;
  journal: string | null;
  freeze: string | null;
  writes: {
    address: string;
    oldText: string;
    newText: string;
    status: string;
    reason: string | null;
    region: { label: string; path: string | null };
  }[];
}

interface UndoReport {
  restored: number;
  conflicts: number;
  entries: { seq: number; address: string; status: string; reason: string | null }[];
}

const describeError = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Memory replace (actions only): a preview first (nothing written), then a confirmation, then the
 * write, whose journal the Undo button hands back to the server.
 */
function Replace(props: { refText: string }) {
  const [oldText, setOldText] = useState("");
  const [newText, setNewText] = useState("");
  const [pad, setPad] = useState(false);
  const [preview, setPreview] = useState<WriteReport | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [written, setWritten] = useState<WriteReport | null>(null);
  const [undone, setUndone] = useState<UndoReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const url = `/api/processes/${props.refText}/replace`;
  // Editing either text drops the preview: it no longer says what Write would do.
  const textField = (label: string, value: string, set: (text: string) => void) => (
    <input
      value={value}
      placeholder={label}
      aria-label={label}
      onInput={(e) => {
        set((e.target as HTMLInputElement).value);
        setPreview(null);
      }}
    />
  );
  const body = (apply: boolean) => ({ old: oldText, new: newText, ...(pad ? { pad } : {}), ...(apply ? { apply } : {}) });
  const run = <T,>(work: () => Promise<T>, done: (value: T) => void) => {
    setBusy(true);
    setError(null);
    work()
      .then(done)
      .catch((e) => setError(describeError(e)))
      .finally(() => setBusy(false));
  };
  const reset = () => {
    setPreview(null);
    setWritten(null);
    setUndone(null);
    setError(null);
  };
  return (
    <section class="replace" aria-label="Replace in memory">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          reset();
          run(() => post<WriteReport>(url, body(false)), setPreview);
        }}
      >
        {textField("Text to replace", oldText, setOldText)}
        {textField("Replacement text", newText, setNewText)}
        <label>
          <input type="checkbox" checked={pad} onChange={(e) => setPad((e.target as HTMLInputElement).checked)} /> pad with NUL
        </label>
        <button type="submit" disabled={busy || oldText === ""}>
          Preview replace
        </button>
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {preview && !written ? (
        <div class="replace-preview">
          <p>
            Preview: {preview.found} occurrence{preview.found === 1 ? "" : "s"} in {preview.searched} region
            {preview.searched === 1 ? "" : "s"}; nothing written yet.
          </p>
          <WritesTable report={preview} />
          <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
            Write {preview.writes.length}…
          </button>
        </div>
      ) : null}
      {confirming && preview ? (
        <ConfirmDialog
          label="Confirm memory write"
          confirm="Write"
          onConfirm={() => {
            setConfirming(false);
            run(() => post<WriteReport>(url, body(true)), setWritten);
          }}
          onCancel={() => setConfirming(false)}
        >
          Write “{newText}” over {preview.writes.length} occurrence{preview.writes.length === 1 ? "" : "s"} of “{oldText}” in process{" "}
          {props.refText}? The process is stopped for the write; the old bytes are journaled for undo.
        </ConfirmDialog>
      ) : null}
      {written ? (
        <div class="replace-result" role="status">
          <p>
            Wrote {written.writes.filter((w) => w.status === "written").length} of {written.writes.length}, each read back.
          </p>
          <WritesTable report={written} />
          {undone ? (
            <p class="undo-result" role="status">
              Undone: restored {undone.restored} of {undone.entries.length}
              {undone.conflicts > 0 ? `, ${undone.conflicts} left as they were (memory changed since)` : ""}.
            </p>
          ) : written.journal ? (
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                run(() => post<UndoReport>("/api/undo", { journal: (written.journal as string).split("/").pop() as string }), setUndone)
              }
            >
              Undo
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function WritesTable(props: { report: WriteReport }) {
  return (
    <table class="writes">
      <TableHead columns={["Address", "Region", "Old", "New", "Status"]} />
      <tbody>
        {props.report.writes.map((w) => (
          <tr key={w.address}>
            <td class="addr">{w.address}</td>
            <td>{w.region.path ?? w.region.label}</td>
            <td>
              <code>{w.oldText}</code>
            </td>
            <td>
              <code>{w.newText}</code>
            </td>
            <td>{w.reason ? `${w.status}: ${w.reason}` : w.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A confirmation that takes the focus, so Enter confirms and Tab reaches Cancel. */
function ConfirmDialog(props: {
  label: string;
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmRef.current?.focus(), []);
  return (
    <div class="dialog" role="alertdialog" aria-modal="true" aria-label={props.label}>
      <p>{props.children}</p>
      <button type="button" class="danger" ref={confirmRef} onClick={props.onConfirm}>
        {props.confirm}
      </button>{" "}
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}

const SIGNALS = ["TERM", "INT", "HUP", "KILL", "STOP", "CONT", "USR1", "USR2"];

/** Shown only when the server allows actions; each asks for confirmation first. */
function Actions(props: { pid: number; startTimeTicks: number; comm: string }) {
  const [signal, setSignal] = useState("TERM");
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const send = () => {
    setConfirming(false);
    post<{ signal: string }>(`/api/processes/${props.pid}@${props.startTimeTicks}/signal`, { signal })
      .then((r) => setMessage(`Sent ${r.signal} to ${props.pid}.`))
      .catch((e) => setMessage(`Not sent: ${e instanceof Error ? e.message : String(e)}`));
  };
  return (
    <div class="actions">
      <label>
        Signal{" "}
        <select value={signal} onChange={(e) => setSignal((e.target as HTMLSelectElement).value)} aria-label="Signal">
          {SIGNALS.map((s) => (
            <option key={s} value={s}>
              SIG{s}
            </option>
          ))}
        </select>
      </label>{" "}
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        Send signal…
      </button>
      {message ? (
        <span class="action-result" role="status">
          {message}
        </span>
      ) : null}
      {confirming ? (
        <ConfirmDialog label="Confirm signal" confirm={`Send SIG${signal}`} onConfirm={send} onCancel={() => setConfirming(false)}>
          Send SIG{signal} to {props.comm} (PID {props.pid})?
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
