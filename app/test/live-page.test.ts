/**
 * The live page in a real headless Chromium (Debian `chromium`, /usr/bin/chromium) driven by
 * playwright-core through `executablePath` — no browser is downloaded. The app runs against a
 * real PostgreSQL with the lab's schema. The screenshot goes to `app/test-output/` (gitignored).
 */
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserContext, chromium } from "playwright-core";
import { waitFor } from "../../tests/support/processes";
import { TestPostgres, startLabPostgres } from "../../tests/support/postgres";
import { SampleApp } from "../src/server";
import { metricsText, sample, startApp, testConfig } from "./support";

/** Debian's Chromium; override with CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for a quiet, offline, throwaway browser (no sandbox: CI runs as root). */
const FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/** Where the screenshot goes (gitignored). */
export const SCREENSHOT = join(__dirname, "..", "test-output", "live-page.png");

describe("sample app live page in headless Chromium", function () {
    this.timeout(120_000);
    let pg: TestPostgres;
    let app: SampleApp;
    let base: string;
    let browser: BrowserContext | undefined;
    let profile: string;

    before(async function () {
        if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run installs it)`);
        pg = await startLabPostgres("app-page-pg");
        ({ app, base } = await startApp(testConfig(pg.url("postgres"), pg.url("reader"))));
        profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
        // A persistent context on a fresh directory is how playwright takes a --user-data-dir.
        browser = await chromium.launchPersistentContext(profile, {
            executablePath: CHROMIUM,
            headless: true,
            args: FLAGS,
            timeout: 60_000,
        });
    });

    after(async () => {
        await browser?.close();
        if (profile) rmSync(profile, { recursive: true, force: true });
        await app?.close();
        await pg?.stop();
    });

    it("loads, shows a spike in the timeline within 3 s, and stop-writers stops login writes", async () => {
        const page = await browser!.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(base, { waitUntil: "load" });
        assert.equal(await page.title(), "sample-app · live");
        await page.waitForSelector('#conn[data-state="live"]', { timeout: 10_000 });

        // The spike, started from the page's own form.
        await page.fill("#spike-seconds", "8");
        await page.fill("#spike-rps", "40");
        const clicked = Date.now();
        await page.click("#btn-spike");
        await page.waitForFunction(
            () => Number(document.querySelector('#now tr[data-route="/search"] td.rps')?.textContent ?? 0) > 0,
            undefined,
            { timeout: 3_000 },
        );
        const shownAfterMs = Date.now() - clicked;
        assert.ok(shownAfterMs <= 3_000, `timeline showed the spike after ${shownAfterMs} ms`);
        assert.match((await page.textContent("#spike-msg")) ?? "", /spike (started|running)/);

        // Logins are being written while the spike runs...
        const logins = async () => sample(await metricsText(base), "app_db_query_duration_seconds_count", { pool: "writer", op: "login" });
        const searches = async () =>
            sample(await metricsText(base), "app_db_query_duration_seconds_count", { pool: "reader", op: "search" });
        const first = await logins();
        await waitFor("more login writes", async () => ((await logins()) > first ? true : undefined), 3_000, 100);

        // ...until stop-writers is clicked.
        await page.click("#btn-writers");
        await page.waitForSelector('#btn-writers[data-on="false"]', { timeout: 3_000 });
        await new Promise((r) => setTimeout(r, 300)); // requests already in flight finish
        const [loginsAtStop, searchesAtStop] = [await logins(), await searches()];
        await new Promise((r) => setTimeout(r, 2_000));
        const [loginsLater, searchesLater] = [await logins(), await searches()];
        assert.equal(loginsLater, loginsAtStop, "no login writes after stop-writers");
        assert.ok(searchesLater > searchesAtStop, `searches went on (${searchesAtStop} → ${searchesLater})`);
        assert.equal(sample(await metricsText(base), "app_control_enabled", { control: "writers" }), 0);
        await page.waitForFunction(() => document.querySelector("#btn-writers")?.textContent === "Start writers", undefined, {
            timeout: 3_000,
        });

        mkdirSync(join(__dirname, "..", "test-output"), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        assert.ok(existsSync(SCREENSHOT));
        assert.deepEqual(errors, [], "no script errors on the page");
        app.traffic.stopSpike();
    });
});
