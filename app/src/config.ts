/**
 * The sample app's settings, read once from the environment and parsed with zod: a bad value
 * fails at start with the variable's name, the value given and what is allowed.
 *
 * The database URLs are libpq-style connection strings, parsed by `pg` (node-postgres
 * `pg-connection-string`): `sslmode=disable|require|verify-ca|verify-full`, `sslrootcert`,
 * `sslcert` and `sslkey` (file paths) switch TLS on, so a secure CockroachDB cluster only needs
 * different URLs (node-postgres docs "SSL"; CockroachDB "Connection Parameters").
 * In the lab the URLs come from a Kubernetes Secret / Docker secret input, never from source.
 */
import { z } from "zod";
import { TOKEN_PATTERN, generateToken } from "./auth";

/** An integer in `lo..hi`, with the wording errors use. */
function intIn(lo: number, hi: number) {
    const error = `expected an integer ${lo}..${hi}`;
    return z.coerce.number({ error }).int({ error }).min(lo, { error }).max(hi, { error });
}

const pgUrl = z
    .string({ error: "expected a postgresql:// connection string" })
    .regex(/^postgres(ql)?:\/\/.+/, { error: "expected a postgresql:// connection string" });

const onOff = z.enum(["true", "false"], { error: 'expected "true" or "false"' }).transform((v) => v === "true");

/**
 * What happens to reads when the reader cannot log in (SQLSTATE class 28, invalid authorization:
 * PostgreSQL's `role "reader" does not exist`, CockroachDB's `password authentication failed for
 * user reader`) — the CockroachDB lab's phase 0, before the phase-1 SQL creates the reader user.
 * - `off`: reads fail, `/readyz` fails.
 * - `writer`: reads go through the writer pool until the reader logs in (re-tried every
 *   `APP_READER_RETRY_SECONDS`); a dead reader host or port is never papered over.
 */
export const ReaderFallback = z.enum(["off", "writer"], { error: 'expected "off" or "writer"' });

/** Environment variables the app reads, with defaults. */
export const AppEnv = z.object({
    /** Connection string of the writer pool (INSERTs). */
    APP_DB_WRITER_URL: pgUrl,
    /** Connection string of the reader pool, as the read-only user. */
    APP_DB_READER_URL: pgUrl,
    /** HTTP port (default 8080). */
    APP_PORT: intIn(1, 65535).default(8080),
    /** Address to listen on. */
    APP_HOST: z.string().min(1).default("0.0.0.0"),
    /** Connections per pool. */
    APP_DB_POOL_MAX: intIn(1, 100).default(10),
    /** Connection and statement timeout of every query, milliseconds. */
    APP_DB_TIMEOUT_MS: intIn(100, 60_000).default(3_000),
    APP_READER_FALLBACK: ReaderFallback.default("off"),
    /** Seconds between reader login attempts while reads fall back to the writer. */
    APP_READER_RETRY_SECONDS: intIn(1, 3600).default(5),
    /** Background load at start: on or off, and its requests per second. */
    APP_LOAD_ON_START: onOff.default(false),
    APP_LOAD_RPS: intIn(1, 200).default(5),
    /** Spike guardrails: the largest values `POST /spike` accepts. */
    APP_SPIKE_MAX_SECONDS: intIn(1, 3600).default(120),
    APP_SPIKE_MAX_RPS: intIn(1, 5000).default(500),
    /**
     * The control token every state-changing route requires (`Authorization: Bearer <token>`;
     * see `auth.ts`): 32..256 characters of `A–Z a–z 0–9 _ -` — hex or base64url, e.g.
     * `openssl rand -hex 32`, or `@pulumi/random` `RandomPassword {length: 48, special: false}`.
     * The lab passes it from a Kubernetes Secret / Docker secret input, never from source;
     * every replica behind one Service must get the same value (the page may be served by one
     * replica and post to another). Unset: a fresh random token per process, which only the live
     * page of that process knows. Never printed: errors give its length only.
     */
    APP_CONTROL_TOKEN: z.string().regex(TOKEN_PATTERN, { error: "expected 32..256 characters of A-Z a-z 0-9 _ -" }).optional(),
    /** OpenTelemetry OTLP/HTTP tracing; the exporter reads `OTEL_EXPORTER_OTLP_ENDPOINT` (default http://localhost:4318). */
    APP_OTEL_ENABLED: onOff.default(false),
});

/** Parsed settings. */
export interface AppConfig {
    writerUrl: string;
    readerUrl: string;
    port: number;
    host: string;
    poolMax: number;
    timeoutMs: number;
    readerFallback: z.infer<typeof ReaderFallback>;
    readerRetrySeconds: number;
    loadOnStart: boolean;
    loadRps: number;
    spikeMaxSeconds: number;
    spikeMaxRps: number;
    otel: boolean;
    /** The control token (`APP_CONTROL_TOKEN`, or generated at start). */
    controlToken: string;
    /** Whether {@link controlToken} was generated because `APP_CONTROL_TOKEN` was unset. */
    controlTokenGenerated: boolean;
}

/** Thrown when the environment does not parse; one line per mistake. */
export class AppConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid sample-app environment:\n  ${problems.join("\n  ")}`);
        this.name = "AppConfigError";
    }
}

/** Hides a connection string's password in messages: `postgresql://u:***@h/db`. */
export function redactUrl(url: string): string {
    return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

/**
 * Parses the app's environment.
 * @throws AppConfigError naming each variable, the value given (URLs redacted, tokens by length only) and what is allowed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
    const r = AppEnv.safeParse(env);
    if (!r.success) {
        throw new AppConfigError(
            r.error.issues.map((i) => {
                const key = String(i.path[0]);
                const raw = env[key];
                const given =
                    raw === undefined
                        ? "nothing"
                        : key.endsWith("_TOKEN")
                          ? `a value of ${raw.length} characters`
                          : JSON.stringify(key.endsWith("_URL") ? redactUrl(raw) : raw);
                return `${key}: ${i.message}, got ${given}`;
            }),
        );
    }
    const e = r.data;
    return {
        writerUrl: e.APP_DB_WRITER_URL,
        readerUrl: e.APP_DB_READER_URL,
        port: e.APP_PORT,
        host: e.APP_HOST,
        poolMax: e.APP_DB_POOL_MAX,
        timeoutMs: e.APP_DB_TIMEOUT_MS,
        readerFallback: e.APP_READER_FALLBACK,
        readerRetrySeconds: e.APP_READER_RETRY_SECONDS,
        loadOnStart: e.APP_LOAD_ON_START,
        loadRps: e.APP_LOAD_RPS,
        spikeMaxSeconds: e.APP_SPIKE_MAX_SECONDS,
        spikeMaxRps: e.APP_SPIKE_MAX_RPS,
        otel: e.APP_OTEL_ENABLED,
        controlToken: e.APP_CONTROL_TOKEN ?? generateToken(),
        controlTokenGenerated: e.APP_CONTROL_TOKEN === undefined,
    };
}
