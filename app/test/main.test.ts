/**
 * The app as its container runs it: `main.ts` in its own process, configured by environment
 * only. A bad environment stops it with the variable named; SIGTERM closes it cleanly; with
 * tracing on, spans reach an OTLP/HTTP receiver (a local HTTP server standing in for a
 * collector: it records what the exporter POSTs to `/v1/traces`).
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { IncomingMessage, createServer } from "node:http";
import { AddressInfo } from "node:net";
import { join } from "node:path";
import { freePorts, waitFor } from "../../tests/support/processes";

const MAIN = join(__dirname, "..", "src", "main.ts");

/** Starts `main.ts` with `env` (plus PATH); collects its output. */
function startMain(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    let out = "";
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", MAIN], {
        env: { PATH: process.env.PATH, TS_NODE_PROJECT: join(__dirname, "..", "tsconfig.json"), ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, output: () => out, exited };
}

/** Sends SIGTERM and waits (bounded) for the exit code; SIGKILL after 10 s. */
async function terminate(p: { child: ChildProcess; exited: Promise<number | null> }): Promise<number | null> {
    if (p.child.exitCode !== null) return p.child.exitCode;
    const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
    p.child.kill("SIGTERM");
    const code = await p.exited;
    clearTimeout(timer);
    return code;
}

describe("sample app process (main.ts)", function () {
    this.timeout(60_000);
    const started: { child: ChildProcess; exited: Promise<number | null> }[] = [];
    after(async () => {
        for (const p of started) await terminate(p);
    });

    it("refuses a bad environment, naming each variable and hiding passwords", async () => {
        const p = startMain({
            APP_DB_WRITER_URL: "postgresql://root:hunter2@db:26257/lab",
            APP_DB_READER_URL: "mysql://x",
            APP_SPIKE_MAX_RPS: "lots",
        });
        started.push(p);
        assert.equal(await p.exited, 1);
        const out = p.output();
        assert.match(out, /APP_DB_READER_URL: expected a postgresql:\/\/ connection string, got "mysql:\/\/x"/);
        assert.match(out, /APP_SPIKE_MAX_RPS: expected an integer 1\.\.5000, got "lots"/);
        assert.doesNotMatch(out, /hunter2/);
    });

    it("serves /healthz, reports an unreachable database on /readyz, exports spans over OTLP/HTTP when tracing is on, and exits 0 on SIGTERM", async () => {
        const received: { url: string; type: string; body: Buffer }[] = [];
        const collector = createServer((req: IncomingMessage, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c) => chunks.push(c));
            req.on("end", () => {
                received.push({ url: req.url ?? "", type: String(req.headers["content-type"]), body: Buffer.concat(chunks) });
                res.writeHead(200, { "content-type": "application/json" }).end("{}");
            });
        });
        await new Promise<void>((r) => collector.listen(0, "127.0.0.1", () => r()));
        try {
            const [port, dead] = await freePorts(2);
            const p = startMain({
                APP_DB_WRITER_URL: `postgresql://root@127.0.0.1:${dead}/lab?sslmode=disable`,
                APP_DB_READER_URL: `postgresql://reader@127.0.0.1:${dead}/lab?sslmode=disable`,
                APP_PORT: String(port),
                APP_HOST: "127.0.0.1",
                APP_OTEL_ENABLED: "true",
                OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
                OTEL_BSP_SCHEDULE_DELAY: "200",
            });
            started.push(p);
            await waitFor(
                "/healthz",
                async () => ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined),
                30_000,
            );
            const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
            const body = (await ready.json()) as { writer: { detail: string } };
            assert.equal(ready.status, 503);
            assert.match(body.writer.detail, /^connect: /);
            await fetch(`http://127.0.0.1:${port}/search?q=ab`);
            await waitFor("a span export", async () => (received.some((r) => r.url === "/v1/traces") ? true : undefined), 15_000);
            const traces = received.filter((r) => r.url === "/v1/traces");
            assert.match(traces[0].type, /application\/(x-protobuf|json)/);
            const all = Buffer.concat(traces.map((t) => t.body)).toString("latin1");
            assert.ok(all.includes("sample-app"), "service.name sample-app in the exported resource");
            assert.ok(all.includes("/search"), "the request's span");
            assert.equal(await terminate(p), 0, p.output());
            assert.match(p.output(), /SIGTERM: closing/);
        } finally {
            await new Promise<void>((r) => collector.close(() => r()));
        }
    });
});
