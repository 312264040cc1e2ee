/**
 * The control token on every state-changing route, through fastify's `inject` (no database
 * needed: every refusal happens before a query; the pools point at a closed port). Each refusal
 * is checked for its status and for having changed nothing: no spike, controls as they were,
 * no login attempted on the writer pool.
 */
import * as assert from "node:assert/strict";
import { AppConfigError, loadConfig } from "../src/config";
import { SampleApp, buildApp } from "../src/server";
import { TEST_TOKEN, sample, testConfig } from "./support";

const DEAD = "postgresql://nobody@127.0.0.1:1/lab?sslmode=disable";
const FORM = "application/x-www-form-urlencoded";

describe("sample app control token", () => {
    let app: SampleApp;
    before(() => {
        app = buildApp(testConfig(DEAD, DEAD));
    });
    after(async () => {
        await app?.close();
    });

    const inject = (method: "POST" | "DELETE", url: string, headers: Record<string, string>, payload?: string) =>
        app.server.inject({ method, url, headers, payload });
    const unchanged = async () => {
        const state = app.traffic.state();
        assert.equal(state.spike?.running ?? false, false, "no spike started");
        assert.deepEqual(state.controls, { load: false, readers: true, writers: true, loadRps: 5 });
        const metrics = await app.metrics.registry.metrics();
        assert.equal(
            sample(metrics, "app_db_query_duration_seconds_count", { pool: "writer", op: "login" }),
            0,
            "no login reached the writer",
        );
    };

    const routes = [
        ["POST", "/spike", '{"seconds": 10, "rps": 20}'],
        ["POST", "/controls", '{"writers": false}'],
        ["POST", "/login", '{"user": "mallory"}'],
    ] as const;

    for (const [method, url, body] of routes) {
        it(`${method} ${url} with no body and no headers (a cross-site no-cors fetch) is refused with 401 and a Bearer challenge`, async () => {
            const res = await inject(method, url, {});
            assert.equal(res.statusCode, 401, res.body);
            assert.equal(res.headers["www-authenticate"], 'Bearer realm="sample-app"');
            assert.match(res.json().error, /^Authorization: expected Bearer/);
            await unchanged();
        });

        it(`${method} ${url} as a cross-site form posts it (${FORM}, no token) is refused with 401`, async () => {
            const res = await inject(method, url, { "content-type": FORM }, "seconds=10&rps=20&writers=false");
            assert.equal(res.statusCode, 401, res.body);
            await unchanged();
        });

        it(`${method} ${url} with a wrong token is refused with 403 (same length, shorter, longer)`, async () => {
            for (const wrong of [TEST_TOKEN.replace(/.$/, "X"), "short", TEST_TOKEN + "-and-more"]) {
                const res = await inject(method, url, { "content-type": "application/json", authorization: `Bearer ${wrong}` }, body);
                assert.equal(res.statusCode, 403, `${wrong}: ${res.body}`);
                assert.equal(res.json().error, "Authorization: wrong control token");
            }
            await unchanged();
        });

        it(`${method} ${url} with the token but a form, text/plain or no content type is refused with 415`, async () => {
            for (const type of [FORM, "text/plain;charset=UTF-8", "multipart/form-data; boundary=x", undefined]) {
                const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}` };
                if (type) headers["content-type"] = type;
                const res = await inject(method, url, headers, type ? body : undefined);
                assert.equal(res.statusCode, 415, `${type}: ${res.body}`);
                assert.match(res.json().error, /^Content-Type: expected application\/json/);
            }
            await unchanged();
        });
    }

    it("a token sent any other way than Authorization: Bearer (query, cookie, Basic) is refused with 401", async () => {
        for (const [url, headers] of [
            [`/spike?token=${TEST_TOKEN}`, { "content-type": "application/json" }],
            ["/spike", { "content-type": "application/json", cookie: `token=${TEST_TOKEN}` }],
            ["/spike", { "content-type": "application/json", authorization: `Basic ${TEST_TOKEN}` }],
        ] as const) {
            assert.equal((await inject("POST", url, headers, "{}")).statusCode, 401, url);
        }
        await unchanged();
    });

    it("DELETE /spike needs the token (no body, no content type needed)", async () => {
        assert.equal((await inject("DELETE", "/spike", {})).statusCode, 401);
        assert.equal((await inject("DELETE", "/spike", { authorization: "Bearer nope-nope-nope" })).statusCode, 403);
        assert.equal((await inject("DELETE", "/spike", { authorization: `Bearer ${TEST_TOKEN}` })).statusCode, 200);
    });

    it("with the token and JSON the routes work: controls switch, a spike starts and stops", async () => {
        const headers = { "content-type": "application/json; charset=utf-8", authorization: `bearer ${TEST_TOKEN}` };
        const controls = await inject("POST", "/controls", headers, '{"readers": false}');
        assert.equal(controls.statusCode, 200, controls.body);
        assert.equal(app.traffic.state().controls.readers, false);
        assert.equal((await inject("POST", "/controls", headers, '{"readers": true}')).statusCode, 200);
        const spike = await inject("POST", "/spike", headers, '{"seconds": 30, "rps": 1, "mix": {"login": 0, "search": 1}}');
        assert.equal(spike.statusCode, 202, spike.body);
        assert.equal(app.traffic.state().spike?.running, true);
        assert.equal((await inject("DELETE", "/spike", { authorization: `Bearer ${TEST_TOKEN}` })).statusCode, 200);
    });

    it("GET routes, /healthz, /readyz and /metrics stay open", async () => {
        for (const url of ["/healthz", "/metrics", "/state", "/", "/app.js", "/app.css"]) {
            assert.equal((await app.server.inject({ method: "GET", url })).statusCode, 200, url);
        }
        // Open, but answering 503: the database is a closed port here.
        assert.equal((await app.server.inject({ method: "GET", url: "/readyz" })).statusCode, 503);
    });

    it("the live page carries the token in its meta tag, under a strict CSP that forbids framing, with no caching", async () => {
        const res = await app.server.inject({ method: "GET", url: "/" });
        assert.match(res.body, new RegExp(`<meta name="sample-app-token" content="${TEST_TOKEN}" />`));
        const csp = String(res.headers["content-security-policy"]);
        for (const directive of [
            "default-src 'self'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'none'",
        ]) {
            assert.ok(csp.split("; ").includes(directive), `${directive} in ${csp}`);
        }
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
        assert.equal(res.headers["cache-control"], "no-store");
        assert.equal(res.headers["x-frame-options"], "DENY");
        assert.equal(res.headers["access-control-allow-origin"], undefined, "no CORS: other origins cannot read the page");
        // Only the page: the token is in no other response.
        for (const url of ["/app.js", "/state", "/metrics", "/healthz"]) {
            assert.ok(!(await app.server.inject({ method: "GET", url })).body.includes(TEST_TOKEN), url);
        }
    });
});

describe("APP_CONTROL_TOKEN", () => {
    const env = { APP_DB_WRITER_URL: DEAD, APP_DB_READER_URL: DEAD };

    it("is taken as given when it matches the grammar", () => {
        const token = "a".repeat(31) + "Z_-0";
        const config = loadConfig({ ...env, APP_CONTROL_TOKEN: token });
        assert.equal(config.controlToken, token);
        assert.equal(config.controlTokenGenerated, false);
    });

    it("a bad value is refused naming the variable and its length, never the value", () => {
        for (const bad of ["too-short-token", "x".repeat(40) + " space", "x".repeat(40) + "'", "x".repeat(257)]) {
            assert.throws(
                () => loadConfig({ ...env, APP_CONTROL_TOKEN: bad }),
                (err: AppConfigError) => {
                    assert.equal(
                        err.problems[0],
                        `APP_CONTROL_TOKEN: expected 32..256 characters of A-Z a-z 0-9 _ -, got a value of ${bad.length} characters`,
                    );
                    assert.ok(!err.message.includes(bad), "the value is not in the message");
                    return true;
                },
            );
        }
    });

    it("unset, a fresh 256-bit token is generated per process", () => {
        const a = loadConfig(env);
        const b = loadConfig(env);
        assert.equal(a.controlTokenGenerated, true);
        assert.match(a.controlToken, /^[A-Za-z0-9_-]{43}$/);
        assert.notEqual(a.controlToken, b.controlToken);
    });
});
