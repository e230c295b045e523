/**
 * The web UI in real headless Chromium (Debian's chromium, driven by playwright-core), against a
 * real `procscope serve` and processes this test starts. Screenshots of the main views go to
 * test-artifacts/screenshots/ (gitignored).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { HEAP_MARKER_SOURCE, startServer } from "../helpers/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = path.resolve("test-artifacts/screenshots");
const MARKER = `PROCSCOPE-UI-HEAP-${process.pid}-MARK`;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error("chromium is not installed: run scripts/install-test-deps.sh (as root)");
  fs.mkdirSync(SHOTS, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

/** A new page that fails the test on any page error or CSP violation. */
async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of 4(04|10)/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

describe("procscope serve web UI", { timeout: 120_000 }, () => {
  it("shows a started process, filters to it, opens its properties, finds its heap string in the hex view and strings, greys it out after it is killed; no actions when read-only", async () => {
    const server = await startServer();
    const helper = await startProcess(compileC("heap-marker", HEAP_MARKER_SOURCE), [MARKER], { ready: "ready" });
    const { page, problems } = await newPage();
    await page.goto(server.url);
    // The cookie is set and the token is gone from the address bar.
    expect(page.url()).toBe(`${server.base}/`);
    expect(page.url()).not.toContain(server.token);
    const row = page.locator(`tr[data-pid="${helper.pid}"]`);
    await row.waitFor({ timeout: 30_000 }).catch(async (error) => {
      await page.screenshot({ path: `${SHOTS}/failed-list.png` });
      throw new Error(`${error.message}\n${(await page.content()).slice(0, 3000)}`);
    });
    await page.waitForSelector(".graph-plot canvas");
    await page.screenshot({ path: `${SHOTS}/list.png` });

    await page.fill("input.filter", MARKER);
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    expect(await row.count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/list-filtered.png` });

    await row.locator("td.command a").click();
    await page.waitForSelector("h1");
    expect(new URL(page.url()).pathname).toMatch(new RegExp(`^/processes/${helper.pid}@\\d+$`));
    await expect.poll(() => page.locator(".cmdline").textContent()).toContain(MARKER);
    expect(await page.locator(".actions").count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/properties-general.png` });

    await page.click('button[role="tab"][data-tab="memory"]');
    expect(new URL(page.url()).searchParams.get("tab")).toBe("memory");
    await page.fill('input[aria-label="Search memory"]', MARKER);
    await page.click('.memory form button[type="submit"]');
    const printed = /ready 0x([0-9a-f]+)/.exec(helper.output())?.[1] as string;
    const hit = page.locator(".search-results button.link", { hasText: `0x${printed}` });
    await hit.waitFor();
    await hit.click();
    await page.waitForSelector(".hexview .hexline");
    const ascii = (await page.locator(".hexview .ascii").allTextContents()).join("");
    expect(ascii).toContain(MARKER);
    // Read-only: the memory tab (rendered: its hex view is up) has no replace form.
    expect(await page.locator("section.replace").count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/properties-memory-hex.png` });

    await page.click('.memory button:has-text("Strings")');
    await page.locator(".strings td.text", { hasText: MARKER }).first().waitFor();
    await page.fill('input[aria-label="Filter strings"]', MARKER);
    expect(await page.locator(".strings td.text").allTextContents()).toContain(MARKER);
    await page.screenshot({ path: `${SHOTS}/properties-memory-strings.png` });

    for (const tab of ["statistics", "files", "network", "threads", "environment", "security"]) {
      await page.click(`button[role="tab"][data-tab="${tab}"]`);
      await page.waitForSelector(".panel :is(dl, table, ul, p)");
      await page.screenshot({ path: `${SHOTS}/properties-${tab}.png` });
    }

    // Back to the list: the helper is killed and shown greyed out (then removed).
    await page.goto(`${server.base}/`);
    await page.fill("input.filter", MARKER);
    await row.waitFor();
    await helper.kill("SIGKILL");
    await page.locator(`tr.exited[data-pid="${helper.pid}"]`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${SHOTS}/list-exited.png` });
    await row.waitFor({ state: "detached", timeout: 15_000 });

    // A deep link to the exited process says so.
    await page.goto(`${server.base}/processes/${helper.pid}@1?tab=general`);
    await expect.poll(() => page.locator(".gone").textContent()).toMatch(/exited/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("sends a signal only after confirmation when actions are allowed, and audit-logs it", async () => {
    const server = await startServer(["--allow-actions"]);
    const target = await startProcess("sleep", ["300"]);
    const exited = new Promise((resolve) => target.child.once("exit", (_code, signal) => resolve(signal)));
    const { page, problems } = await newPage();
    await page.goto(server.url);
    await page.locator(`tr[data-pid="${target.pid}"]`).waitFor({ timeout: 30_000 });
    await page.locator(`tr[data-pid="${target.pid}"] td.command a`).click();
    await page.waitForSelector(".actions");
    await page.selectOption('select[aria-label="Signal"]', "TERM");
    await page.click('button:has-text("Send signal…")');
    await page.waitForSelector('[role="alertdialog"]');
    await page.screenshot({ path: `${SHOTS}/signal-confirm.png` });
    // Cancelling sends nothing.
    await page.click('[role="alertdialog"] button:has-text("Cancel")');
    expect(server.auditLines()).toEqual([]);
    expect(fs.existsSync(`/proc/${target.pid}`)).toBe(true);
    await page.click('button:has-text("Send signal…")');
    await page.click('[role="alertdialog"] button:has-text("Send SIGTERM")');
    expect(await exited).toBe("SIGTERM");
    await expect.poll(() => page.locator(".action-result").textContent()).toMatch(/Sent SIGTERM/);
    expect(server.auditLines()).toEqual([
      expect.objectContaining({ pid: target.pid, outcome: "allowed", endpoint: expect.stringMatching(/\/signal$/) }),
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("reads well in the dark theme and on a narrow window, and moves through the list with the keyboard", async () => {
    const server = await startServer();
    const { page, problems } = await newPage();
    await page.goto(server.url);
    await page
      .locator("tbody tr")
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(async (error) => {
        await page.screenshot({ path: `${SHOTS}/failed-dark.png` });
        throw new Error(`${error.message}\n${page.url()}\n${(await page.content()).slice(0, 3000)}`);
      });
    await page.selectOption('select[aria-label="Theme"]', "dark");
    // The page applies the theme when it next renders: wait for it, not a fixed time.
    // Polled on a timer: requestAnimationFrame (the default) can stall in a headless page under load.
    await page.waitForFunction('document.documentElement.dataset.theme === "dark"', undefined, { polling: 100, timeout: 30_000 });
    const background = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    expect(background).toBe("rgb(21, 24, 28)");
    await page.screenshot({ path: `${SHOTS}/list-dark.png` });
    await page.setViewportSize({ width: 390, height: 800 });
    await page.screenshot({ path: `${SHOTS}/list-narrow.png` });
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });
    // Keyboard: / focuses the filter, Enter moves into the table, Enter opens the selection.
    await page.keyboard.press("/");
    expect(await page.evaluate<string>("document.activeElement?.className")).toBe("filter");
    await page.keyboard.type(String(process.pid));
    // Enter selects the first row of the filtered list: wait until the filter has re-rendered it.
    await page.locator(`tbody tr:first-child[data-pid="${process.pid}"]`).waitFor({ timeout: 30_000 });
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/processes/${process.pid}@\\d+`));
    // The URL changes before the properties view renders and listens for keys; wait for its
    // heading (rendered after the details arrive, so the key listener is in place by then).
    await page.locator("main.properties h1", { hasText: `PID ${process.pid}` }).waitFor({ timeout: 30_000 });
    await page.keyboard.press("Escape");
    await page.waitForURL(`${server.base}/`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("recovers a deleted file the process still holds open from the Files tab: the download is its bytes", async () => {
    const server = await startServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-ui-recover-"));
    const file = path.join(dir, "kept-open.bin");
    // Binary content (every byte value, NULs and invalid UTF-8 included), over one read chunk.
    const content = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(700 * 1024)]);
    fs.writeFileSync(file, content);
    const holder = await startProcess("sh", ["-c", 'exec 3<"$0"; rm "$0"; echo ready; exec sleep 300', file], { ready: "ready" });
    expect(fs.existsSync(file)).toBe(false);
    const { page, problems } = await newPage();
    await page.goto(server.url);
    await page.goto(`${server.base}/processes/${holder.pid}?tab=files`);
    const link = page.locator('tr.deleted[data-fd="3"] a.download');
    await link.waitFor({ timeout: 30_000 });
    expect(await link.textContent()).toBe("Recover");
    await page.screenshot({ path: `${SHOTS}/properties-files-deleted.png` });
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), link.click()]);
    expect(download.suggestedFilename()).toBe(`${holder.pid}-fd3-kept-open.bin`);
    const saved = await download.path();
    const bytes = fs.readFileSync(saved);
    expect(bytes.length).toBe(content.length);
    expect(bytes.equals(content)).toBe(true);
    // Read-only safe: the holder still has its file, at its own offset (0: it never read).
    expect(fs.readFileSync(`/proc/${holder.pid}/fdinfo/3`, "utf8")).toMatch(/^pos:\s+0$/m);
    expect(problems).toEqual([]);
    await page.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("replaces a heap string after a preview and a confirmation, then undoes it: the process's memory changes and comes back", async () => {
    const server = await startServer(["--allow-actions"]);
    const original = `PROCSCOPE-UI-REPLACE-${process.pid}-MARK`;
    const replacement = original.toLowerCase();
    const helper = await startProcess(compileC("heap-marker", HEAP_MARKER_SOURCE), [original], { ready: "ready" });
    const heap = BigInt(`0x${/ready 0x([0-9a-f]+)/.exec(helper.output())?.[1]}`);
    const heapText = () => {
      const fd = fs.openSync(`/proc/${helper.pid}/mem`, "r");
      try {
        const buffer = Buffer.alloc(original.length);
        fs.readSync(fd, buffer, 0, buffer.length, heap);
        return buffer.toString("latin1");
      } finally {
        fs.closeSync(fd);
      }
    };
    expect(heapText()).toBe(original);
    const { page, problems } = await newPage();
    await page.goto(server.url);
    await page.goto(`${server.base}/processes/${helper.pid}?tab=memory`);
    await page.fill('input[aria-label="Text to replace"]', original, { timeout: 30_000 });
    await page.fill('input[aria-label="Replacement text"]', replacement);
    await page.click('button:has-text("Preview replace")');
    const heapRow = page.locator(".replace-preview tr", { hasText: `0x${heap.toString(16)}` });
    await heapRow.waitFor({ timeout: 30_000 });
    expect(await heapRow.textContent()).toContain("preview");
    await page.screenshot({ path: `${SHOTS}/replace-preview.png` });
    // A preview writes nothing; neither does opening the confirmation and cancelling it.
    expect(heapText()).toBe(original);
    await page.click('.replace-preview button:has-text("Write")');
    await page.waitForSelector('[role="alertdialog"][aria-label="Confirm memory write"]');
    await page.click('[role="alertdialog"] button:has-text("Cancel")');
    expect(heapText()).toBe(original);
    await page.click('.replace-preview button:has-text("Write")');
    await page.click('[role="alertdialog"] button:has-text("Write")');
    await page.locator(".replace-result tr", { hasText: `0x${heap.toString(16)}` }).waitFor({ timeout: 30_000 });
    expect(await page.locator(".replace-result tr", { hasText: `0x${heap.toString(16)}` }).textContent()).toContain("written");
    expect(heapText()).toBe(replacement);
    await page.screenshot({ path: `${SHOTS}/replace-written.png` });
    await page.click('.replace-result button:has-text("Undo")');
    await expect.poll(() => page.locator(".undo-result").textContent(), { timeout: 30_000 }).toMatch(/restored [1-9]\d* of [1-9]/);
    expect(heapText()).toBe(original);
    // Preview, write and undo each left an audit line.
    const audited = server.auditLines().map((l) => [l.endpoint, l.outcome]);
    const stat = fs.readFileSync(`/proc/${helper.pid}/stat`, "utf8");
    const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    const endpoint = `/api/processes/${helper.pid}@${ticks}/replace`;
    expect(audited).toEqual([
      [endpoint, "allowed"],
      [endpoint, "allowed"],
      ["/api/undo", "allowed"],
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
