/**
 * The two connection pools (node-postgres `pg.Pool`): `writer` for inserts, `reader` for reads
 * as the read-only user. Every query is timed into `app_db_query_duration_seconds{pool,op}` and
 * every failure counted in `app_db_errors_total{pool,op,code}`.
 *
 * SQL is plain PostgreSQL that CockroachDB speaks too: `ON CONFLICT … DO NOTHING`,
 * `has_table_privilege` (PostgreSQL docs "System Information Functions"; CockroachDB
 * "Functions and Operators"), an ordered-index range for the prefix search.
 */
import { randomUUID } from "node:crypto";
import { Pool, PoolConfig, QueryResultRow } from "pg";
import { AppConfig } from "./config";
import { AppMetrics } from "./metrics";

/** Which pool a query goes through. */
export type PoolName = "writer" | "reader";

/**
 * The login insert: insert-only and safe to retry — the event id is chosen by the client (or the
 * caller's `Idempotency-Key`), so a retried request after a lost reply inserts nothing new.
 */
export const LOGIN_SQL =
    "INSERT INTO login_events (id, user_name, source_ip, user_agent_hash, succeeded) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING";

/**
 * The prefix search, the shape of `sql/queries/search-prefix.sql` with the prefix and its
 * successor as parameters: a range over the ordered index `search_terms_by_term`, which serves
 * it under any collation (a `LIKE 'ab%'` would need a `text_pattern_ops` index on PostgreSQL).
 */
export const SEARCH_SQL = "SELECT term, popularity FROM search_terms WHERE term >= $1 AND term < $2 ORDER BY term LIMIT 20";

/**
 * The readiness probe: connects, runs, and says whether the current user may INSERT into
 * `login_events` — without writing anything.
 */
export const CAN_INSERT_SQL = "SELECT has_table_privilege('login_events', 'INSERT') AS can_insert";

/** The smallest string greater than every string starting with `prefix` (`ab` → `ac`). */
export function prefixUpperBound(prefix: string): string {
    const last = prefix.codePointAt(prefix.length - 1)!;
    return prefix.slice(0, -1) + String.fromCodePoint(last + 1);
}

/** SQLSTATE of a database error, or `connect` for a failure below SQL (refused, timeout, DNS). */
export function errorCode(err: unknown): string {
    const code = (err as { code?: unknown })?.code;
    return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : "connect";
}

/**
 * A failed login of the pool's user: SQLSTATE class 28 (invalid authorization specification),
 * e.g. PostgreSQL `28000 role "reader" does not exist` (PostgreSQL Appendix A "Error Codes"),
 * CockroachDB `28000 password authentication failed for user reader` — also on an insecure
 * cluster, where the user's existence is checked before the trust method (cockroach
 * `pkg/sql/pgwire/auth.go`, `handleAuthentication`: `!exists` → `InvalidAuthorizationSpecification`).
 */
export function isLoginFailure(err: unknown): boolean {
    return errorCode(err).startsWith("28");
}

/** Outcome of one readiness check. */
export interface CheckResult {
    ok: boolean;
    detail: string;
}

/** Pools, timing and the reader fallback. */
export class Db {
    private readonly pools: Record<PoolName, Pool>;
    /** When the reader last failed to log in (ms since epoch); 0 while it logs in fine. */
    private readerLoginFailedAt = 0;

    constructor(
        private readonly config: AppConfig,
        private readonly metrics: AppMetrics,
    ) {
        const base = (connectionString: string, name: PoolName): PoolConfig => ({
            connectionString,
            max: config.poolMax,
            connectionTimeoutMillis: config.timeoutMs,
            statement_timeout: config.timeoutMs,
            query_timeout: config.timeoutMs,
            idleTimeoutMillis: 30_000,
            application_name: `sample-app-${name}`,
        });
        this.pools = { writer: new Pool(base(config.writerUrl, "writer")), reader: new Pool(base(config.readerUrl, "reader")) };
        for (const [name, pool] of Object.entries(this.pools)) {
            // An idle client losing its server must not crash the process; the next query reconnects.
            pool.on("error", (err) => this.metrics.dbErrors.inc({ pool: name, op: "idle", code: errorCode(err) }));
        }
        this.setReadsVia("reader");
    }

    /**
     * Runs `sql` on `pool`, timed and counted.
     * @throws the driver's error (with `code` = SQLSTATE when the server answered).
     */
    async query<R extends QueryResultRow = QueryResultRow>(pool: PoolName, op: string, sql: string, params: unknown[] = []): Promise<R[]> {
        const end = this.metrics.dbDuration.startTimer({ pool, op });
        try {
            const result = await this.pools[pool].query<R>(sql, params);
            end();
            return result.rows;
        } catch (err) {
            end();
            this.metrics.dbErrors.inc({ pool, op, code: errorCode(err) });
            throw err;
        }
    }

    /** The pool reads go through now: the reader, or the writer while the reader cannot log in (fallback `writer`). */
    readPool(): PoolName {
        return this.readerLoginFailedAt ? "writer" : "reader";
    }

    /**
     * A read: through the reader pool; with fallback `writer`, through the writer while the reader
     * cannot log in, trying the reader again every `readerRetrySeconds`.
     * @returns the rows and the pool that served them.
     */
    async read<R extends QueryResultRow = QueryResultRow>(
        op: string,
        sql: string,
        params: unknown[],
    ): Promise<{ rows: R[]; via: PoolName }> {
        const retryDue = Date.now() - this.readerLoginFailedAt >= this.config.readerRetrySeconds * 1000;
        if (this.readerLoginFailedAt && !retryDue) return { rows: await this.query<R>("writer", op, sql, params), via: "writer" };
        try {
            const rows = await this.query<R>("reader", op, sql, params);
            this.readerLoggedIn();
            return { rows, via: "reader" };
        } catch (err) {
            if (this.config.readerFallback !== "writer" || !isLoginFailure(err)) throw err;
            this.readerLoginFailed();
            return { rows: await this.query<R>("writer", op, sql, params), via: "writer" };
        }
    }

    /** Appends one login event; returns its id. Retrying with the same `id` inserts nothing new. */
    async insertLogin(event: { id?: string; user: string; ipHash: string; userAgentHash: string; succeeded: boolean }): Promise<string> {
        const id = event.id ?? randomUUID();
        await this.query("writer", "login", LOGIN_SQL, [id, event.user, event.ipHash, event.userAgentHash, event.succeeded]);
        return id;
    }

    /** Up to 20 terms starting with `prefix`, in order. */
    search(prefix: string) {
        return this.read<{ term: string; popularity: string }>("search", SEARCH_SQL, [prefix, prefixUpperBound(prefix)]);
    }

    /**
     * Readiness: the writer answers and may insert; the reader answers and may not (checked with
     * `has_table_privilege`, no write attempted). With fallback `writer`, a reader that cannot log
     * in counts as ready (reads go through the writer); a reader that cannot be reached never does.
     */
    async readiness(): Promise<{ ready: boolean; writer: CheckResult; reader: CheckResult; readsVia: PoolName }> {
        const check = async (pool: PoolName) => (await this.query<{ can_insert: boolean }>(pool, "ready", CAN_INSERT_SQL))[0].can_insert;
        const [writer, reader] = await Promise.all([
            check("writer").then(
                (canInsert): CheckResult =>
                    canInsert
                        ? { ok: true, detail: "answers, may insert" }
                        : { ok: false, detail: "answers but may not insert into login_events" },
                (err): CheckResult => ({ ok: false, detail: `${errorCode(err)}: ${(err as Error).message}` }),
            ),
            check("reader").then(
                (canInsert): CheckResult => {
                    this.readerLoggedIn();
                    return canInsert
                        ? { ok: false, detail: "answers but may insert into login_events: not read-only" }
                        : { ok: true, detail: "answers, read-only" };
                },
                (err): CheckResult => {
                    const detail = `${errorCode(err)}: ${(err as Error).message}`;
                    if (this.config.readerFallback === "writer" && isLoginFailure(err)) {
                        this.readerLoginFailed();
                        return { ok: true, detail: `cannot log in (${detail}); reads go through the writer` };
                    }
                    return { ok: false, detail };
                },
            ),
        ]);
        return { ready: writer.ok && reader.ok, writer, reader, readsVia: this.readPool() };
    }

    /** Closes both pools. */
    async close(): Promise<void> {
        await Promise.all(Object.values(this.pools).map((p) => p.end()));
    }

    private readerLoginFailed() {
        this.readerLoginFailedAt = Date.now();
        this.setReadsVia("writer");
    }

    private readerLoggedIn() {
        if (!this.readerLoginFailedAt) return;
        this.readerLoginFailedAt = 0;
        this.setReadsVia("reader");
    }

    private setReadsVia(pool: PoolName) {
        this.metrics.readsVia.set({ pool }, 1);
        this.metrics.readsVia.set({ pool: pool === "reader" ? "writer" : "reader" }, 0);
    }
}
