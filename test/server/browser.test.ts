/**
 * The web UI in real headless Chromium (Debian's chromium, driven by playwright-core), against a
 * real `procscope serve` and processes this test starts. Screenshots of the main views go to
 * test-artifacts/screenshots/ (gitignored).
 */
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
    await page.waitForFunction('document.documentElement.dataset.theme === "dark"', undefined, { timeout: 10_000 });
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
});
