/**
 * Test helpers of the sample app: start it on a free loopback port against given database
 * URLs, read single samples from its `/metrics` text, and a TCP relay (to make a dead port
 * come alive without restarting the app).
 */
import { AddressInfo, Server, Socket, createConnection, createServer } from "node:net";
import { AppConfig } from "../src/config";
import { SampleApp, buildApp } from "../src/server";

/** The control token tests give the app (`APP_CONTROL_TOKEN`'s grammar: 32+ of A-Z a-z 0-9 _ -). */
export const TEST_TOKEN = "test-control-token-0123456789abcdef";

/** Headers of an authorized JSON request, as the live page sends them. */
export const CONTROL_HEADERS = { "content-type": "application/json", authorization: `Bearer ${TEST_TOKEN}` };

/** Settings for tests: small pools, short timeouts, fast reader retries, {@link TEST_TOKEN}. */
export function testConfig(writerUrl: string, readerUrl: string, overrides: Partial<AppConfig> = {}): AppConfig {
    return {
        writerUrl,
        readerUrl,
        port: 0,
        host: "127.0.0.1",
        poolMax: 8,
        timeoutMs: 2_000,
        readerFallback: "off",
        readerRetrySeconds: 1,
        loadOnStart: false,
        loadRps: 5,
        spikeMaxSeconds: 120,
        spikeMaxRps: 500,
        otel: false,
        controlToken: TEST_TOKEN,
        controlTokenGenerated: false,
        ...overrides,
    };
}

/** A listening app and its base URL (`http://127.0.0.1:<port>`). */
export async function startApp(config: AppConfig): Promise<{ app: SampleApp; base: string }> {
    const app = buildApp(config);
    await app.server.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.server.address() as AddressInfo;
    return { app, base: `http://127.0.0.1:${port}` };
}

/**
 * The value of one sample in Prometheus text format, e.g.
 * `sample(text, "app_db_errors_total", {pool: "reader", code: "42501"})`; the labels given must
 * match, others are ignored; matching samples are summed. 0 when none matches.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
    let sum = 0;
    for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const have = Object.fromEntries([...(m[3] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
        if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
    }
    return sum;
}

/** `GET /metrics` of an app. */
export async function metricsText(base: string): Promise<string> {
    const res = await fetch(`${base}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return res.text();
}

/** A TCP relay listening on `port` (127.0.0.1) that forwards every connection to `targetPort`. */
export function relay(port: number, targetPort: number): Promise<{ close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((client) => {
        const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
        for (const s of [client, upstream]) {
            sockets.add(s);
            s.on("close", () => sockets.delete(s));
            s.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () =>
            resolve({
                close: () =>
                    new Promise<void>((done) => {
                        for (const s of sockets) s.destroy();
                        server.close(() => done());
                    }),
            }),
        );
    });
}
