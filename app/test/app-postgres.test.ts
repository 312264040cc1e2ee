/**
 * T1: the sample app against a real PostgreSQL (Debian `postgresql`) carrying the lab's schema
 * (`sql/`), the read-only `reader` role and the `writer` role with only the rights
 * `sql/07-phase0-writer-grants.sql` grants it (as the app connects in the lab). What the database itself reports is the judge:
 * rows, `pg_stat_activity`, EXPLAIN, SQLSTATEs.
 */
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SQL_DIR } from "../../labs/crdb/phases";
import { sampleApp } from "../../labs/crdb/dashboards/sample-app";
import { freePort, waitFor } from "../../tests/support/processes";
import { TestPostgres, startLabPostgres } from "../../tests/support/postgres";
import { LOGIN_SQL, SEARCH_SQL } from "../src/db";
import { SampleApp } from "../src/server";
import { CONTROL_HEADERS, metricsText, relay, sample, startApp, testConfig } from "./support";

describe("sample app on a real PostgreSQL", function () {
    this.timeout(120_000);
    let pg: TestPostgres;
    let app: SampleApp;
    let base: string;
    const extra: SampleApp[] = [];
    const psql = (sql: string) => {
        const r = pg.psql("postgres", ["-tAc", sql]);
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
    };
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(url, { method: "POST", headers: { ...CONTROL_HEADERS, ...headers }, body: JSON.stringify(body) });

    before(async () => {
        pg = await startLabPostgres("app-pg", { tlsUser: "tlswriter" });
        ({ app, base } = await startApp(testConfig(pg.url("writer"), pg.url("reader"))));
    });

    after(async () => {
        await app?.close();
        for (const a of extra) await a.close();
        await pg?.stop();
    });

    it("POST /login appends a login event through the writer pool, as the writer", async () => {
        const res = await post(`${base}/login`, { user: "alice" });
        assert.equal(res.status, 201, await res.clone().text());
        const { id } = (await res.json()) as { id: string };
        const row = psql(
            `SELECT user_name || '|' || succeeded || '|' || length(source_ip) || '|' || length(user_agent_hash) || '|' || (user_agent_hash ~ '^[0-9a-f]+$') FROM login_events WHERE id = '${id}'`,
        );
        assert.equal(row, "alice|true|16|16|true", "the row, with 16-hex-digit digests instead of the address and the user agent");
        // The server's own view of who the pools are.
        assert.equal(psql("SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'sample-app-writer'"), "writer");
        const m = await metricsText(base);
        assert.equal(sample(m, "app_db_query_duration_seconds_count", { pool: "writer", op: "login" }), 1);
        assert.equal(sample(m, "app_http_requests_total", { route: "/login", status: "201" }), 1);
    });

    it("a retried POST /login with the same Idempotency-Key inserts once", async () => {
        const key = randomUUID();
        for (let i = 0; i < 3; i++) assert.equal((await post(`${base}/login`, { user: "bob" }, { "idempotency-key": key })).status, 201);
        assert.equal(psql(`SELECT count(*) FROM login_events WHERE id = '${key}'`), "1");
        assert.equal((await post(`${base}/login`, {}, { "idempotency-key": "not-a-uuid" })).status, 400);
    });

    it("GET /search reads by prefix through the reader pool, as the reader", async () => {
        const res = await fetch(`${base}/search?q=ab`);
        assert.equal(res.status, 200);
        const body = (await res.json()) as { via: string; terms: { term: string }[] };
        assert.equal(body.via, "reader");
        assert.ok(body.terms.length > 0 && body.terms.length <= 20, JSON.stringify(body));
        assert.ok(
            body.terms.every((t) => t.term.startsWith("ab")),
            JSON.stringify(body.terms),
        );
        const expected = psql(
            "SELECT string_agg(term, ',' ORDER BY term) FROM (SELECT term FROM search_terms WHERE term LIKE 'ab%' ORDER BY term LIMIT 20) t",
        );
        assert.equal(body.terms.map((t) => t.term).join(","), expected);
        assert.equal(psql("SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'sample-app-reader'"), "reader");
        assert.equal((await fetch(`${base}/search?q=`)).status, 400);
        assert.equal(((await (await fetch(`${base}/search`)).json()) as { field: string }).field, "q");
    });

    it("the search is the shape of sql/queries/search-prefix.sql, and the index serves it (EXPLAIN as the reader)", async () => {
        const file = readFileSync(join(SQL_DIR, "queries", "search-prefix.sql"), "utf8")
            .replace(/--.*$/gm, "")
            .trim()
            .replace(/;$/, "");
        assert.equal(SEARCH_SQL, file.replace("'ab'", "$1").replace("'ac'", "$2"));
        psql("ANALYZE search_terms");
        const plan = await app.db.query<{ "QUERY PLAN": string }>("reader", "explain", `EXPLAIN ${SEARCH_SQL}`, ["ab", "ac"]);
        const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
        assert.match(text, /Index (Only )?Scan using search_terms_by_term|Bitmap Index Scan on search_terms_by_term/, text);
        assert.doesNotMatch(text, /Seq Scan/, text);
    });

    it("a write through the reader pool is refused (42501) and counted in DB errors by pool", async () => {
        const before = sample(await metricsText(base), "app_db_errors_total", { pool: "reader", code: "42501" });
        await assert.rejects(
            app.db.query("reader", "login", LOGIN_SQL, [randomUUID(), "mallory", "x", "y", true]),
            (err: { code?: string }) => {
                assert.equal(err.code, "42501", String(err));
                return true;
            },
        );
        const m = await metricsText(base);
        assert.equal(sample(m, "app_db_errors_total", { pool: "reader", op: "login", code: "42501" }) - before, 1);
        assert.equal(sample(m, "app_db_errors_total", { pool: "writer" }), 0);
        assert.equal(psql("SELECT count(*) FROM login_events WHERE user_name = 'mallory'"), "0");
    });

    it("GET /readyz is ready with a working writer and a read-only reader", async () => {
        const res = await fetch(`${base}/readyz`);
        const body = (await res.json()) as { ready: boolean; reader: { detail: string } };
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.reader.detail, "answers, read-only");
        assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });

    it("GET /readyz fails while the reader URL points at a dead port, and recovers when it answers", async () => {
        const port = await freePort();
        const deadReader = `postgresql://reader@127.0.0.1:${port}/lab?sslmode=disable`;
        // Fallback on: a dead port must still fail readiness (fallback covers only a reader that cannot log in).
        const started = await startApp(testConfig(pg.url("writer"), deadReader, { readerFallback: "writer" }));
        extra.push(started.app);
        const down = await fetch(`${started.base}/readyz`);
        const downBody = (await down.json()) as { ready: boolean; writer: { ok: boolean }; reader: { ok: boolean; detail: string } };
        assert.equal(down.status, 503, JSON.stringify(downBody));
        assert.equal(downBody.writer.ok, true);
        assert.match(downBody.reader.detail, /^connect: /);
        assert.equal((await fetch(`${started.base}/search?q=ab`)).status, 503);
        assert.ok(sample(await metricsText(started.base), "app_db_errors_total", { pool: "reader", code: "connect" }) >= 1);
        // The port comes alive (a relay to the real server): the same app becomes ready.
        const proxy = await relay(port, pg.port);
        try {
            const up = await waitFor(
                "/readyz 200",
                async () => ((await fetch(`${started.base}/readyz`)).status === 200 ? true : undefined),
                15_000,
            );
            assert.equal(up, true);
            assert.equal(((await (await fetch(`${started.base}/search?q=ab`)).json()) as { via: string }).via, "reader");
        } finally {
            await proxy.close();
        }
    });

    it("phase 0 → 1: reads go through the writer while the reader user is missing, and switch to it once created", async () => {
        const role = `reader_${Date.now() % 100000}`;
        const started = await startApp(testConfig(pg.url("writer"), pg.url(role), { readerFallback: "writer", readerRetrySeconds: 1 }));
        extra.push(started.app);
        const ready = await fetch(`${started.base}/readyz`);
        const readyBody = (await ready.json()) as { readsVia: string; reader: { detail: string } };
        assert.equal(ready.status, 200, JSON.stringify(readyBody));
        assert.equal(readyBody.readsVia, "writer");
        assert.match(readyBody.reader.detail, /^cannot log in \(28000: role .* does not exist\)/);
        const early = (await (await fetch(`${started.base}/search?q=ab`)).json()) as { via: string; terms: unknown[] };
        assert.equal(early.via, "writer");
        assert.ok(early.terms.length > 0);
        assert.equal(sample(await metricsText(started.base), "app_reads_via", { pool: "writer" }), 1);
        // What phase 1's SQL does on CockroachDB (10-phase1-reader-user + 11-phase1-reader-grants).
        psql(`CREATE ROLE ${role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
        const via = await waitFor(
            "reads through the new reader",
            async () => {
                const b = (await (await fetch(`${started.base}/search?q=ab`)).json()) as { via: string };
                return b.via === "reader" ? b.via : undefined;
            },
            10_000,
        );
        assert.equal(via, "reader");
        assert.equal(sample(await metricsText(started.base), "app_reads_via", { pool: "reader" }), 1);
        // Without the fallback, a missing reader user is simply not ready.
        const strict = await startApp(testConfig(pg.url("writer"), pg.url("nobody_here")));
        extra.push(strict.app);
        assert.equal((await fetch(`${strict.base}/readyz`)).status, 503);
    });

    it("speaks TLS when the URL asks: verify-full with the CA and a client certificate; refused without TLS or with the wrong CA", async () => {
        const tls = pg.tls!;
        const url = (params: string) => `postgresql://${tls.user}@127.0.0.1:${pg.port}/lab?${params}`;
        const secure = url(`sslmode=verify-full&sslrootcert=${tls.ca}&sslcert=${tls.clientCert}&sslkey=${tls.clientKey}`);
        const started = await startApp(testConfig(secure, pg.url("reader")));
        extra.push(started.app);
        const ready = await fetch(`${started.base}/readyz`);
        assert.equal(ready.status, 200, await ready.clone().text());
        assert.equal((await post(`${started.base}/login`, { user: "erin" })).status, 201);
        // The server's view: the writer's session is this user, over TLS.
        assert.equal(
            psql(
                `SELECT DISTINCT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'sample-app-writer' AND a.usename = '${tls.user}'`,
            ),
            "t",
        );
        for (const [params, detail] of [
            ["sslmode=disable", /^28000: .*no encryption/],
            [
                `sslmode=verify-full&sslrootcert=${tls.clientCert}&sslcert=${tls.clientCert}&sslkey=${tls.clientKey}`,
                /^connect: .*certificate/i,
            ],
        ] as const) {
            const refused = await startApp(testConfig(url(params), pg.url("reader")));
            extra.push(refused.app);
            const res = await fetch(`${refused.base}/readyz`);
            const body = (await res.json()) as { writer: { ok: boolean; detail: string } };
            assert.equal(res.status, 503, params);
            assert.match(body.writer.detail, detail);
        }
    });

    it("POST /spike 2 s × 50 rps sends ~100 requests, 1:4 login:search, and the metrics count them", async () => {
        const routes = async () => {
            const m = await metricsText(base);
            return {
                login: sample(m, "app_http_requests_total", { route: "/login", status: "201" }),
                search: sample(m, "app_http_requests_total", { route: "/search", status: "200" }),
            };
        };
        const before = await routes();
        const res = await post(`${base}/spike`, { seconds: 2, rps: 50, mix: { login: 1, search: 4 } });
        assert.equal(res.status, 202, await res.clone().text());
        assert.equal((await post(`${base}/spike`, { seconds: 1, rps: 1 })).status, 409, "one spike at a time");
        const during = await metricsText(base);
        assert.equal(sample(during, "app_spike_target_rps"), 50);
        const state = await waitFor(
            "the spike to finish",
            async () => {
                const s = (await (await fetch(`${base}/state`)).json()) as {
                    spike: { running: boolean; inFlight: number; sent: number; dropped: number };
                };
                return !s.spike.running && s.spike.inFlight === 0 ? s.spike : undefined;
            },
            15_000,
            100,
        );
        const after = await routes();
        const login = after.login - before.login;
        const search = after.search - before.search;
        assert.ok(login + search >= 80 && login + search <= 120, `login ${login} + search ${search} outside 100 ± 20 %`);
        assert.equal(login + search, state.sent, "every request the spike sent was answered with success");
        assert.equal(state.dropped, 0);
        assert.ok(Math.abs(search - 4 * login) <= 4, `mix login ${login} search ${search}`);
        assert.equal(sample(await metricsText(base), "app_spike_target_rps"), 0);
        assert.ok(sample(await metricsText(base), "app_http_request_duration_seconds_count", { route: "/search" }) >= search);
    });

    it("every metric and label the sample-app dashboard queries is one the running app exports", async () => {
        // Traffic of every kind the dashboard shows, so every series exists: a login, a search, a refused write.
        assert.equal((await post(`${base}/login`, { user: "dana" })).status, 201);
        assert.equal((await fetch(`${base}/search?q=0a`)).status, 200);
        await assert.rejects(app.db.query("reader", "login", LOGIN_SQL, [randomUUID(), "mallory", "x", "y", true]));
        const text = await metricsText(base);
        const exprs: string[] = (sampleApp.build().panels as { targets?: { expr: string }[] }[]).flatMap((p) =>
            (p.targets ?? []).map((t) => t.expr),
        );
        assert.ok(exprs.length >= 10, `${exprs.length} queries`);
        const names = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(app_[a-z_]+)/g)].map((m) => m[1])));
        for (const name of names) assert.match(text, new RegExp(`^${name}[{ ]`, "m"), `${name} is not exported`);
        // Labels in selectors and by-clauses; Prometheus adds instance, histograms carry le.
        const labels = new Set(
            exprs.flatMap((e) => [
                ...[...e.matchAll(/([a-z_]+)\s*(=~|!=|=)\s*"/g)].map((m) => m[1]),
                ...[...e.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1].split(",").map((l) => l.trim())),
            ]),
        );
        for (const label of [...labels].filter((l) => l !== "instance" && l !== "le")) {
            assert.match(text, new RegExp(`^app_[a-z_]+\\{[^}]*\\b${label}="`, "m"), `label ${label} is not on any app_ metric`);
        }
    });

    for (const [body, field] of [
        [{ seconds: 0 }, "seconds"],
        [{ seconds: 100000 }, "seconds"],
        [{ seconds: "ten" }, "seconds"],
        [{ rps: 501 }, "rps"],
        [{ rps: 2.5 }, "rps"],
        [{ mix: { login: -1 } }, "mix.login"],
        [{ mix: { search: 1000 } }, "mix.search"],
        [{ mix: { login: 0, search: 0 } }, "mix"],
        [{ burst: 1 }, "burst"],
    ] as const) {
        it(`POST /spike ${JSON.stringify(body)} gets a 400 naming ${field}`, async () => {
            const res = await post(`${base}/spike`, body);
            const answer = (await res.json()) as { error: string; field: string };
            assert.equal(res.status, 400, JSON.stringify(answer));
            assert.equal(answer.field, field);
            assert.ok(answer.error.startsWith(`${field}: `), answer.error);
        });
    }

    it("the controls switch writers and readers off and on (503 while off)", async () => {
        assert.equal((await post(`${base}/controls`, { writers: false })).status, 200);
        assert.equal((await post(`${base}/login`, { user: "carol" })).status, 503);
        assert.equal((await fetch(`${base}/search?q=ab`)).status, 200);
        assert.equal((await post(`${base}/controls`, { writers: true, readers: false })).status, 200);
        assert.equal((await post(`${base}/login`, { user: "carol" })).status, 201);
        assert.equal((await fetch(`${base}/search?q=ab`)).status, 503);
        const state = (await (await post(`${base}/controls`, { readers: true })).json()) as { controls: Record<string, unknown> };
        assert.deepEqual(state.controls, { load: false, readers: true, writers: true, loadRps: 5 });
        assert.equal((await post(`${base}/controls`, { writers: "no" })).status, 400);
        const m = await metricsText(base);
        assert.equal(sample(m, "app_control_enabled", { control: "writers" }), 1);
    });
});
