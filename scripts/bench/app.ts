/**
 * The sample app's own figures: requests per second and latency percentiles of `GET /search`
 * and `POST /login` against a local PostgreSQL with the lab's schema. The app runs in its own
 * process (`app/src/main.ts`, as in its container); this process is the client: a closed loop
 * of {@link CONCURRENCY} keep-alive connections per endpoint for {@link SECONDS} s, after a
 * 1 s warm-up. Figures are for this machine only; the ratio column compares the two endpoints
 * measured in the same run.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ROOT } from "../../tests/support/evaluate";
import { freePort, waitFor } from "../../tests/support/processes";
import { startLabPostgres } from "../../tests/support/postgres";

/** Connections in flight per endpoint. */
const CONCURRENCY = 16;
/** Measured seconds per endpoint. */
const SECONDS = 5;

interface Endpoint {
    label: string;
    method: "GET" | "POST";
    path: () => string;
    body?: string;
}

/** The control token the app is started with; `POST /login` requires it (app/src/auth.ts). */
const TOKEN = randomBytes(24).toString("hex");

let q = 0;
const ENDPOINTS: Endpoint[] = [
    { label: "GET /search", method: "GET", path: () => `/search?q=${(q++ % 256).toString(16).padStart(2, "0")}` },
    { label: "POST /login", method: "POST", path: () => "/login", body: JSON.stringify({ user: "bench" }) },
];

function once(port: number, agent: Agent, e: Endpoint): Promise<number> {
    return new Promise((resolve, reject) => {
        const req = request(
            {
                host: "127.0.0.1",
                port,
                agent,
                method: e.method,
                path: e.path(),
                headers: e.body ? { "content-type": "application/json", authorization: `Bearer ${TOKEN}` } : {},
            },
            (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
            },
        );
        req.on("error", reject);
        req.end(e.body);
    });
}

/** Runs the closed loop for `seconds`; returns latencies (ms) and failures. */
async function drive(port: number, e: Endpoint, seconds: number) {
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const latencies: number[] = [];
    let failures = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
            while (performance.now() < end) {
                const started = performance.now();
                const status = await once(port, agent, e).catch(() => 0);
                latencies.push(performance.now() - started);
                if (status < 200 || status >= 300) failures++;
            }
        }),
    );
    agent.destroy();
    return { latencies: latencies.sort((a, b) => a - b), failures };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];

/** Prints the sample app's table. */
export async function benchApp(): Promise<void> {
    const pg = await startLabPostgres("bench-app");
    const port = await freePort();
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "app", "src", "main.ts")], {
        cwd: ROOT,
        env: {
            ...process.env,
            TS_NODE_PROJECT: join(ROOT, "app", "tsconfig.json"),
            APP_DB_WRITER_URL: pg.url("postgres"),
            APP_DB_READER_URL: pg.url("reader"),
            APP_PORT: String(port),
            APP_HOST: "127.0.0.1",
            APP_DB_POOL_MAX: String(CONCURRENCY),
            APP_CONTROL_TOKEN: TOKEN,
        },
        stdio: ["ignore", "ignore", "inherit"],
    });
    try {
        await waitFor("sample app /readyz", async () => {
            const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
            return res?.status === 200 ? true : undefined;
        });
        const rows = [];
        for (const e of ENDPOINTS) {
            await drive(port, e, 1);
            const { latencies, failures } = await drive(port, e, SECONDS);
            rows.push({
                label: e.label,
                n: latencies.length,
                rps: latencies.length / SECONDS,
                p50: pct(latencies, 0.5),
                p99: pct(latencies, 0.99),
                failures,
            });
        }
        const login = rows.find((r) => r.label === "POST /login")!.rps;
        console.log(
            `\nsample app against local PostgreSQL: ${CONCURRENCY} connections, ${SECONDS} s per endpoint, ${new Date().toISOString()}`,
        );
        console.log("| endpoint | requests | req/s | p50 ms | p99 ms | failed | × POST /login req/s |");
        console.log("|---|---:|---:|---:|---:|---:|---:|");
        for (const r of rows) {
            console.log(
                `| ${r.label} | ${r.n} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.failures} | ${(r.rps / login).toFixed(2)} |`,
            );
        }
    } finally {
        await new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
            child.once("exit", () => (clearTimeout(timer), resolve()));
            child.kill("SIGTERM");
        });
        await pg.stop();
    }
}
