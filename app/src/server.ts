/**
 * The HTTP service (fastify): routes, metrics hooks, server push for the live page.
 *
 * | route | what |
 * |---|---|
 * | `POST /login` | appends a login event through the writer pool; `Idempotency-Key` (a UUID) makes a retry insert nothing new; 201 |
 * | `GET /search?q=` | up to 20 terms with prefix `q` (1..64 chars) through the reader pool; 200 |
 * | `POST /spike` | `{seconds, rps, mix: {login, search}}`, 202; 400 names the field; 409 while one runs |
 * | `DELETE /spike` | stops the running spike |
 * | `POST /controls` | `{load?, readers?, writers?, loadRps?}`; switched-off routes answer 503 |
 * | `GET /state` | switches, load, spike, where reads go |
 * | `GET /healthz` | liveness: the process answers |
 * | `GET /readyz` | writer and reader answer, the reader is read-only; 503 otherwise |
 * | `GET /metrics` | Prometheus text format |
 * | `GET /events` | Server-Sent Events: one `timeline` event per second (WHATWG HTML "Server-sent events") |
 * | `GET /` | the live page (carries the control token; strict CSP) |
 *
 * Every state-changing route — `POST /login`, `POST /spike`, `DELETE /spike`, `POST /controls`
 * — requires `Authorization: Bearer <control token>` (401 without, 403 when wrong) and, with a
 * body, `Content-Type: application/json` (415 otherwise); see `auth.ts` for why and how the live
 * page gets the token. `POST /login` is included although it is the app's own writer API: it
 * writes a row of the caller's choosing into `login_events`, so an open one would let any web
 * page the user visits write through the user's browser (and drive the writer pool as hard as
 * it likes). Its callers all hold the token: the traffic generator (in-process, below), the live
 * page, and load tools given `APP_CONTROL_TOKEN`. The `GET` routes stay open; they change nothing.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { PAGE_HEADERS, bearer, checkControlRequest, pageWithToken } from "./auth";
import { AppConfig } from "./config";
import { Db, errorCode } from "./db";
import { AppMetrics } from "./metrics";
import { Timeline } from "./timeline";
import { Kind, Traffic, controlsSchema, spikeSchema } from "./traffic";

/** Where the live page's files are: `public/` beside `src/` and `dist/`. */
export const PUBLIC_DIR = join(__dirname, "..", "public");

/** Static files of the live page: URL path → file and content type. */
const STATIC: Record<string, { file: string; type: string }> = {
    "/": { file: "index.html", type: "text/html; charset=utf-8" },
    "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
    "/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
};

/** Routes the live timeline draws: the user traffic, not probes, controls or the page itself. */
const TRACKED = new Set(["/login", "/search"]);

/** A running app: the fastify instance and its parts, for `main.ts`, tests and the bench. */
export interface SampleApp {
    server: FastifyInstance;
    db: Db;
    traffic: Traffic;
    metrics: AppMetrics;
    timeline: Timeline;
    /** Stops traffic, closes server-push streams, the server and the pools. */
    close(): Promise<void>;
}

/** A 400 body naming the offending field: `{error: "rps: expected an integer 1..500, got 9000", field: "rps"}`. */
function badRequest(error: z.ZodError, body: unknown) {
    const issue = error.issues[0];
    const field = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]].join(".") : issue.path.join(".") || "(body)";
    let given: unknown = body;
    for (const key of issue.path) given = (given as Record<PropertyKey, unknown> | undefined)?.[key as string];
    const message =
        issue.code === "unrecognized_keys"
            ? "unknown field"
            : `${issue.message}, got ${given === undefined ? "nothing" : JSON.stringify(given)}`;
    return { error: `${field}: ${message}`, field };
}

/** A short, stable, non-reversible digest of a client address or user agent (no raw values in the table). */
export function hashAddress(value: string): string {
    return createHash("sha256").update(value).digest("hex").slice(0, 16);
}

/** Login body: who, and whether the login succeeded (default true). */
const LoginBody = z
    .strictObject({
        user: z
            .string({ error: "expected a string of 1..64 characters" })
            .min(1, { error: "expected 1..64 characters" })
            .max(64, { error: "expected 1..64 characters" })
            .optional(),
        succeeded: z.boolean({ error: "expected true or false" }).optional(),
    })
    .nullish();

/** Search query string. */
const SearchQuery = z.object({
    q: z
        .string({ error: "expected a prefix of 1..64 characters" })
        .min(1, { error: "expected a prefix of 1..64 characters" })
        .max(64, { error: "expected a prefix of 1..64 characters" }),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Builds the app (not listening yet): `server.listen()` or `server.inject()` next. */
export function buildApp(config: AppConfig): SampleApp {
    const server = Fastify({ logger: false });
    const metrics = new AppMetrics();
    const db = new Db(config, metrics);
    const timeline = new Timeline();
    const pages: Record<string, Buffer> = Object.fromEntries(
        Object.entries(STATIC).map(([path, s]) => [path, readFileSync(join(PUBLIC_DIR, s.file))]),
    );
    pages["/"] = Buffer.from(pageWithToken(pages["/"].toString("utf8"), config.controlToken));
    const authorization = bearer(config.controlToken);

    /** Route option of every state-changing route: refuse by headers before the body is parsed. */
    const control = (needsBody: boolean) => ({
        onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
            const verdict = checkControlRequest(config.controlToken, request.headers, needsBody);
            if (verdict.ok) return;
            if (verdict.status === 401) reply.header("www-authenticate", 'Bearer realm="sample-app"');
            return reply.code(verdict.status).send({ error: verdict.error });
        },
    });

    // Generated traffic goes through the same routes (and hooks, and metrics) as a real client's.
    let searchSeq = 0;
    const send = async (kind: Kind) => {
        if (kind === "login") {
            await server.inject({
                method: "POST",
                url: "/login",
                payload: { user: `user-${Math.floor(Math.random() * 1000)}` },
                headers: { authorization },
                remoteAddress: "10.0.0.1",
            });
        } else {
            // Two hex characters: every prefix matches about 40 of the 10,000 seeded terms.
            const q = (searchSeq++ % 256).toString(16).padStart(2, "0");
            await server.inject({ method: "GET", url: `/search?q=${q}` });
        }
    };
    const traffic = new Traffic(
        send,
        {
            spikeWorkers: (n) => metrics.spikeWorkers.set(n),
            spikeTargetRps: (n) => metrics.spikeTargetRps.set(n),
            loadTargetRps: (n) => metrics.loadTargetRps.set(n),
            control: (name, on) => metrics.controls.set({ control: name }, on ? 1 : 0),
        },
        { load: config.loadOnStart, readers: true, writers: true, loadRps: config.loadRps },
    );
    const spikeRequest = spikeSchema({ maxSeconds: config.spikeMaxSeconds, maxRps: config.spikeMaxRps });
    const controlsRequest = controlsSchema(200);

    server.addHook("onResponse", async (request, reply) => {
        const route = request.routeOptions.url ?? "unmatched";
        const seconds = reply.elapsedTime / 1000;
        metrics.httpRequests.inc({ route, method: request.method, status: String(reply.statusCode) });
        metrics.httpDuration.observe({ route }, seconds);
        if (TRACKED.has(route)) timeline.record(route, reply.statusCode, reply.elapsedTime);
    });

    server.post("/login", control(true), async (request, reply) => {
        if (!traffic.controls.writers) return reply.code(503).send({ error: 'writers are stopped: POST /controls {"writers": true}' });
        const body = LoginBody.safeParse(request.body);
        if (!body.success) return reply.code(400).send(badRequest(body.error, request.body));
        const key = request.headers["idempotency-key"];
        if (key !== undefined && (typeof key !== "string" || !UUID.test(key))) {
            return reply
                .code(400)
                .send({ error: `Idempotency-Key: expected a UUID, got ${JSON.stringify(key)}`, field: "Idempotency-Key" });
        }
        try {
            const id = await db.insertLogin({
                id: key,
                user: body.data?.user ?? "anonymous",
                ipHash: hashAddress(request.ip),
                userAgentHash: hashAddress(request.headers["user-agent"] ?? ""),
                succeeded: body.data?.succeeded ?? true,
            });
            return reply.code(201).send({ id });
        } catch (err) {
            return reply.code(503).send({ error: `database: ${(err as Error).message}`, code: errorCode(err) });
        }
    });

    server.get("/search", async (request, reply) => {
        if (!traffic.controls.readers) return reply.code(503).send({ error: 'readers are stopped: POST /controls {"readers": true}' });
        const query = SearchQuery.safeParse(request.query);
        if (!query.success) return reply.code(400).send(badRequest(query.error, request.query));
        try {
            const { rows, via } = await db.search(query.data.q);
            return { q: query.data.q, via, terms: rows.map((r) => ({ term: r.term, popularity: Number(r.popularity) })) };
        } catch (err) {
            return reply.code(503).send({ error: `database: ${(err as Error).message}`, code: errorCode(err) });
        }
    });

    server.post("/spike", control(true), async (request, reply) => {
        const parsed = spikeRequest.safeParse(request.body ?? {});
        if (!parsed.success) return reply.code(400).send(badRequest(parsed.error, request.body));
        if (!traffic.startSpike(parsed.data)) return reply.code(409).send({ error: "a spike is already running: DELETE /spike stops it" });
        return reply.code(202).send({ spike: parsed.data, requests: parsed.data.seconds * parsed.data.rps });
    });

    server.delete("/spike", control(false), async () => {
        traffic.stopSpike();
        return traffic.state();
    });

    server.post("/controls", control(true), async (request, reply) => {
        const parsed = controlsRequest.safeParse(request.body ?? {});
        if (!parsed.success) return reply.code(400).send(badRequest(parsed.error, request.body));
        traffic.apply(parsed.data);
        return traffic.state();
    });

    server.get("/state", async () => ({ ...traffic.state(), readsVia: db.readPool() }));

    server.get("/healthz", async () => ({ ok: true }));

    server.get("/readyz", async (_request, reply) => {
        const r = await db.readiness();
        return reply.code(r.ready ? 200 : 503).send(r);
    });

    server.get("/metrics", async (_request, reply) => {
        reply.type(metrics.registry.contentType);
        return metrics.registry.metrics();
    });

    // Server push: the last 60 s at once, then each completed second.
    const streams = new Set<{ end(): void }>();
    server.get("/events", (request, reply) => {
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
        let last = Date.now() - 61_000;
        const push = () => {
            const points = timeline.pointsSince(last);
            if (points.length) last = points[points.length - 1].t;
            const state = { ...traffic.state(), readsVia: db.readPool() };
            res.write(`event: timeline\ndata: ${JSON.stringify({ points, state })}\n\n`);
        };
        push();
        const timer = setInterval(push, 1000);
        const stream = { end: () => (clearInterval(timer), res.end()) };
        streams.add(stream);
        request.raw.on("close", () => {
            clearInterval(timer);
            streams.delete(stream);
        });
    });

    for (const [path, s] of Object.entries(STATIC)) {
        const headers = path === "/" ? PAGE_HEADERS : { "x-content-type-options": "nosniff" };
        server.get(path, async (_request, reply) => reply.type(s.type).headers(headers).send(pages[path]));
    }

    return {
        server,
        db,
        traffic,
        metrics,
        timeline,
        async close() {
            traffic.close();
            for (const s of streams) s.end();
            await server.close();
            await db.close();
        },
    };
}
