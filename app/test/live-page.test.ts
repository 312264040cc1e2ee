/**
 * The live page in a real headless Chromium (Debian `chromium`, /usr/bin/chromium) driven by
 * playwright-core through `executablePath` — no browser is downloaded. The app runs against a
 * real PostgreSQL with the lab's schema. The screenshot goes to `app/test-output/` (gitignored).
 */
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { Server, createServer } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserContext, chromium } from "playwright-core";
import { waitFor } from "../../tests/support/processes";
import { TestPostgres, startLabPostgres } from "../../tests/support/postgres";
import { SampleApp } from "../src/server";
import { TEST_TOKEN, metricsText, sample, startApp, testConfig } from "./support";

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
        ({ app, base } = await startApp(testConfig(pg.url("writer"), pg.url("reader"))));
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

    it("a page on another site can neither start a spike nor switch controls (no-cors fetch, form post, guessed token), nor read the token", async () => {
        // The other site: a blank page on localhost (the app is on 127.0.0.1: another site and origin).
        const other: Server = createServer((_req, res) =>
            res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title>"),
        );
        await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
        try {
            const page = await browser!.newPage();
            await page.goto(`http://localhost:${(other.address() as AddressInfo).port}/`);
            const refused = async () => {
                const m = await metricsText(base);
                return ["/spike", "/controls"].reduce(
                    (n, route) => n + sample(m, "app_http_requests_total", { route, method: "POST", status: "401" }),
                    0,
                );
            };
            const before = await refused();
            const probe = await page.evaluate(async (target) => {
                const out: Record<string, string> = {};
                // What a drive-by page can send without a preflight: no body, text/plain, a form.
                await fetch(`${target}/spike`, { method: "POST", mode: "no-cors" });
                await fetch(`${target}/controls`, { method: "POST", mode: "no-cors", body: '{"writers": false}' });
                const sink = document.createElement("iframe");
                sink.name = "sink";
                document.body.append(sink);
                const form = document.createElement("form");
                Object.assign(form, { method: "POST", action: `${target}/spike`, target: "sink" });
                const field = Object.assign(document.createElement("input"), { name: "seconds", value: "10" });
                form.append(field);
                document.body.append(form);
                const loaded = new Promise((r) => sink.addEventListener("load", r, { once: true }));
                form.submit();
                await loaded;
                // A guessed token needs a preflight, which the app does not grant: the POST is never sent.
                out.guessed = await fetch(`${target}/spike`, {
                    method: "POST",
                    headers: { authorization: "Bearer guessed-guessed-guessed-guessed-00", "content-type": "application/json" },
                    body: "{}",
                }).then(
                    (r) => `answered ${r.status}`,
                    (e) => `blocked: ${e.name}`,
                );
                // Reading the page (and its token) from here.
                out.readCors = await fetch(`${target}/`).then(
                    (r) => r.text(),
                    (e) => `blocked: ${e.name}`,
                );
                out.readNoCors = await fetch(`${target}/`, { mode: "no-cors" }).then((r) => `${r.type}:${(r as Response).status}`);
                return out;
            }, base);
            assert.equal(probe.guessed, "blocked: TypeError", JSON.stringify(probe));
            assert.equal(probe.readCors, "blocked: TypeError", "the page's HTML is unreadable cross-origin");
            assert.equal(probe.readNoCors, "opaque:0", "a no-cors read is opaque");
            const after = await waitFor(
                "the 3 refusals counted",
                async () => ((await refused()) - before >= 3 ? refused() : undefined),
                5_000,
                100,
            );
            assert.equal(after - before, 3, "no-cors POST /spike, no-cors POST /controls, form POST /spike: each 401");
            const state = (await (await fetch(`${base}/state`)).json()) as { spike?: { running: boolean; seconds: number } };
            assert.ok(!state.spike?.running, JSON.stringify(state.spike));
            const m = await metricsText(base);
            assert.equal(
                sample(m, "app_http_requests_total", { route: "/spike", method: "POST", status: "202" }),
                1,
                "only the live page's own spike",
            );
            assert.ok(!JSON.stringify(probe).includes(TEST_TOKEN));
            await page.close();
        } finally {
            other.closeAllConnections(); // Chromium keeps its connections alive; close() alone would wait for them
            await new Promise<void>((r) => other.close(() => r()));
        }
    });
});
