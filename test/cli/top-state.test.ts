/**
 * reduceTop(): interactive top's state, driven by events without a terminal. The samples are real
 * ones, taken from the captured /proc tree of the project's VM.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import {
  detailsFollowSamples,
  initialTopState,
  parseSignal,
  reduceTop,
  type TopEvent,
  type TopState,
  topViewModel,
} from "../../src/cli/tui/top-state.js";
import { createSampler, type Snapshot } from "../../src/live/sampler.js";
import { createProcessContext } from "../../src/processes/context.js";
import { FIXTURE_PROC, fixtureInfo } from "../helpers/fixtures.js";

const SIGNALS = { SIGHUP: 1, SIGKILL: 9, SIGTERM: 15, SIGSTOP: 19 };
const SIZE = { columns: 120, rows: 30 };
let snapshot: Snapshot;

beforeAll(() => {
  snapshot = createSampler(createProcessContext(openProcFs(FIXTURE_PROC))).sample();
});

/** Applies events in order, starting from a fresh state holding the captured sample. */
function run(...events: TopEvent[]): TopState {
  let state = reduceTop(initialTopState({ sort: "pid", filter: "", tree: false, size: SIZE }), { type: "sample", snapshot, now: 0 });
  for (const event of events) state = reduceTop(state, event, SIGNALS);
  return state;
}
const key = (str: string, name?: string, ctrl = false): TopEvent => ({ type: "key", str, key: { name, ctrl }, now: 1000 });
const type = (text: string): TopEvent[] => [...text].map((c) => key(c));
const pids = (state: TopState) => state.rows.map((r) => r.process.pid);

describe("reduceTop()", () => {
  it("lists the sample sorted by PID and selects the first row", () => {
    const state = run();
    expect(pids(state)).toEqual(snapshot.processes.map((p) => p.pid).sort((a, b) => a - b));
    expect(state.selectedIndex).toBe(0);
    expect(state.selectedKey).toBe(`1:${snapshot.processes.find((p) => p.pid === 1)?.startTimeTicks}`);
  });

  it("moves the selection and scrolls to keep it visible", () => {
    const state = run(...Array.from({ length: 40 }, () => key("", "down")));
    expect(state.selectedIndex).toBe(40);
    expect(state.scroll).toBeGreaterThan(0);
    expect(run(key("", "end")).selectedIndex).toBe(snapshot.processes.length - 1);
    expect(run(key("", "end"), key("", "home")).selectedIndex).toBe(0);
  });

  it("keeps the selection on the same process when the sort changes", () => {
    const chosen = run(key("", "down"), key("", "down"), key("", "down"));
    const pid = chosen.rows[chosen.selectedIndex]?.process.pid;
    const resorted = reduceTop(chosen, key("M"), SIGNALS);
    expect(resorted.sort).toBe("mem");
    expect(resorted.rows[resorted.selectedIndex]?.process.pid).toBe(pid);
    expect(reduceTop(resorted, key("I"), SIGNALS).sort).toBe("+mem");
  });

  it("filters as the user types, keeps it on Enter and clears it on Escape", () => {
    const comm = String(fixtureInfo.special.parenComm);
    const typing = run(key("/"), ...type(comm));
    expect(typing.mode).toBe("filter");
    expect(typing.prompt).toBe(`Filter: ${comm}_   (Enter keep, Esc clear)`);
    expect(pids(typing)).toContain(fixtureInfo.special.parenComm);
    expect(typing.rows.length).toBeLessThan(snapshot.processes.length);
    const kept = reduceTop(typing, key("", "return"), SIGNALS);
    expect([kept.mode, kept.filter]).toEqual(["list", comm]);
    const cleared = reduceTop(typing, key("", "escape"), SIGNALS);
    expect([cleared.mode, cleared.filter, cleared.rows.length]).toEqual(["list", "", snapshot.processes.length]);
  });

  it("toggles the tree view", () => {
    const tree = run(key("t"));
    expect(tree.tree).toBe(true);
    expect(tree.rows.some((r) => r.depth > 0)).toBe(true);
    expect(reduceTop(tree, key("t"), SIGNALS).tree).toBe(false);
  });

  it("asks for a signal, confirms, and only then requests the action, once", () => {
    const asked = run(key("", "down"), key("k"));
    const target = asked.rows[asked.selectedIndex]?.process;
    expect(asked.mode).toBe("signal");
    expect(asked.inputText).toBe("TERM");
    expect(asked.prompt).toContain(`Signal for ${target?.pid}`);
    const confirm = [
      key("", "backspace"),
      key("", "backspace"),
      key("", "backspace"),
      key("", "backspace"),
      ...type("KILL"),
      key("", "return"),
    ].reduce((s, e) => reduceTop(s, e, SIGNALS), asked);
    expect(confirm.mode).toBe("confirm");
    expect(confirm.action).toBeNull();
    expect(confirm.prompt).toMatch(/^Send SIGKILL to \d+ /);
    const yes = reduceTop(confirm, key("y"), SIGNALS);
    expect(yes.action).toEqual({ kind: "signal", target: asked.target, signal: { name: "SIGKILL", number: 9 } });
    expect(yes.mode).toBe("list");
    const answered = reduceTop(yes, { type: "message", text: "sent SIGKILL", warn: false, now: 2000 }, SIGNALS);
    expect(answered.action).toBeNull();
    expect(topViewModel(answered, 2500).message).toEqual({ text: "sent SIGKILL", warn: false });
    // Messages fade after 4 s in the list.
    expect(topViewModel(answered, 7000).message).toBeNull();
  });

  it("cancels on anything but y, and refuses an unknown signal or a nice value out of range", () => {
    const no = run(key("k"), key("", "return"), key("n"));
    expect([no.action, no.message?.text]).toEqual([null, "cancelled"]);
    const unknown = run(key("k"), ...type("X"), key("", "return"));
    expect(unknown.mode).toBe("list");
    expect(unknown.message?.text).toMatch(/^unknown signal "TERMX"/);
    const nice = run(key("n"), ...Array.from({ length: 4 }, () => key("", "backspace")), ...type("25"), key("", "return"));
    expect(nice.message).toMatchObject({ warn: true, text: 'nice value must be a whole number from -20 to 19, got "25"' });
    const renice = run(key("]"), key("", "return"), key("Y"));
    expect(renice.action).toMatchObject({ kind: "nice", nice: Math.min(19, (renice.target?.nice ?? 0) + 1) });
  });

  it("says when the selected process exits between samples", () => {
    const chosen = run(key("", "down"));
    const pid = chosen.rows[chosen.selectedIndex]?.process.pid;
    const without = { ...snapshot, processes: snapshot.processes.filter((p) => p.pid !== pid) };
    const next = reduceTop(chosen, { type: "sample", snapshot: without, now: 5000 }, SIGNALS);
    expect(next.message).toMatchObject({ text: `process ${pid} exited`, warn: true });
    expect(next.selectedKey).not.toBeNull();
  });

  it("opens the details pane, asks for a load per tab and per sample, and ignores a stale answer", () => {
    const open = run(key("", "return"));
    expect(open.mode).toBe("details");
    expect(open.details).toMatchObject({ pid: 1, tab: 0, lines: ["loading..."] });
    const token = open.detailsToken;
    const loaded = reduceTop(open, { type: "details", token, lines: ["pid: 1"], banner: null }, SIGNALS);
    expect(loaded.details?.lines).toEqual(["pid: 1"]);
    expect(reduceTop(open, { type: "details", token: token - 1, lines: ["old"], banner: null }, SIGNALS)).toBe(open);
    expect(detailsFollowSamples(loaded)).toBe(true);
    expect(reduceTop(loaded, { type: "sample", snapshot, now: 3000 }, SIGNALS).detailsToken).toBe(token + 1);
    const files = reduceTop(loaded, key("3"), SIGNALS);
    expect([files.details?.tab, files.detailsToken]).toEqual([2, token + 1]);
    expect(detailsFollowSamples(files)).toBe(false);
    const gone = reduceTop(files, { type: "details", token: token + 1, lines: null, banner: "process 1 exited" }, SIGNALS);
    expect(gone.details).toMatchObject({ lines: ["loading..."], banner: "process 1 exited" });
    const back = reduceTop(gone, key("", "escape"), SIGNALS);
    expect([back.mode, back.details]).toEqual(["list", null]);
  });

  it("asks to quit on q, F10 and Ctrl-C, and to clear the screen on Ctrl-L and resize", () => {
    expect(run(key("q")).quit).toBe(true);
    expect(run(key("", "f10")).quit).toBe(true);
    expect(run(key("c", "c", true)).quit).toBe(true);
    expect(run(key("l", "l", true)).clearScreen).toBe(1);
    const small = run({ type: "resize", size: { columns: 80, rows: 10 } });
    expect([small.clearScreen, small.size.rows]).toEqual([1, 10]);
    // Help is shown until any key.
    const help = run(key("?"));
    expect(help.mode).toBe("help");
    expect(reduceTop(help, key("x"), SIGNALS).mode).toBe("list");
  });
});

describe("parseSignal()", () => {
  it("reads names with or without SIG, any case, and numbers", () => {
    expect(parseSignal("term", SIGNALS)).toEqual({ name: "SIGTERM", number: 15 });
    expect(parseSignal(" SIGKILL ", SIGNALS)).toEqual({ name: "SIGKILL", number: 9 });
    expect(parseSignal("19", SIGNALS)).toEqual({ name: "SIGSTOP", number: 19 });
    expect(parseSignal("64", SIGNALS)).toBeNull();
    expect(parseSignal("NOPE", SIGNALS)).toBeNull();
  });
});
