/**
 * The whole stack config of a clusterlab stack, as one zod schema.
 *
 * This file is the single source of truth for what a stack may say and for every
 * default: components never read `pulumi.Config`, `index.ts` parses once with
 * {@link parseStackConfig} and hands the typed result down.
 *
 * Keys live in the `clusterlab:` namespace of `Pulumi.<stack>.yaml`, e.g.
 * `clusterlab:lab: tikv` and `clusterlab:pd: { members: 5 }`.
 */
import { z } from "zod";

/** Project name: the config namespace (`clusterlab:<key>`) and the Pulumi project. */
export const PROJECT = "clusterlab";

/** An integer in `lo..hi` with the error wording our users see (`expected an integer 1..9`). */
function intIn(lo: number, hi: number) {
    const error = `expected an integer ${lo}..${hi}`;
    return z.int({ error }).min(lo, { error }).max(hi, { error });
}

/**
 * A TCP port the host publishes (1024..65535: no privileged ports on a laptop). A key that
 * is the first of a member group's ports (member N publishes base + N) is also checked as a
 * whole range, and against every other host port of the stack: see {@link HOST_PORT_KEYS}.
 */
const hostPort = intIn(1024, 65535);

/**
 * Tags that move: the image behind them changes without the config changing, so a
 * `pulumi up` is not reproducible. Docker's own default tag is `latest`
 * (docs.docker.com/reference/cli/docker/image/tag); the others are the branch-build tags
 * registries publish (e.g. `pingcap/tikv:nightly`, `grafana/grafana:main`).
 */
export const MOVING_TAGS: readonly string[] = ["latest", "main", "master", "nightly", "edge", "dev", "stable", "head"];

/**
 * A pinned image tag: version-like (`v8.5.1`, `11.3.1`, `8.5`, `v3.5.17-gofail`): an optional
 * `v`, then a digit, then tag characters. Tag grammar: distribution/reference `reference.go`
 * (`[\w][\w.-]{0,127}`). Moving tags ({@link MOVING_TAGS}) are refused by name.
 */
const pinnedTag = z
    .string({ error: "expected an image tag string such as v8.5.1 (quote it in YAML if it looks like a number)" })
    .refine((t) => !MOVING_TAGS.includes(t.toLowerCase()), {
        error: "expected a pinned version tag such as v8.5.1, not a moving tag",
        abort: true,
    })
    .regex(/^v?[0-9][A-Za-z0-9_.-]{0,126}$/, { error: "expected a version-like image tag such as v8.5.1 or 11.3.1" });

/**
 * A full image reference, pinned: `repo/name:1.2.3`, `repo/name@sha256:<64 hex>` or both.
 * The tag part follows {@link pinnedTag}'s rules. Grammar: distribution/reference `reference.go`.
 */
const pinnedImage = z
    .string({ error: "expected an image reference repo:tag" })
    .refine((r) => !MOVING_TAGS.some((t) => r.toLowerCase().endsWith(`:${t}`)), {
        error: "expected a pinned version tag or a digest, not a moving tag such as latest",
        abort: true,
    })
    .regex(/^[a-z0-9][a-z0-9._\-/:]*?(:v?[0-9][A-Za-z0-9_.-]*)?(@sha256:[a-f0-9]{64})?$/, {
        error: "expected an image reference with a pinned tag or digest, e.g. repo/name:1.2.3 or repo/name@sha256:…",
        abort: true,
    })
    .refine((r) => /:v?[0-9][A-Za-z0-9_.-]*$|@sha256:[a-f0-9]{64}$/.test(r), {
        error: "expected an image reference with a pinned version tag or digest, e.g. repo/name:1.2.3 or repo/name@sha256:…",
    });

/** Milliseconds per unit of a Prometheus duration (prometheus/common `model/time.go`, `ParseDuration`). */
const DURATION_UNITS: [string, number][] = [
    ["y", 365 * 24 * 3600_000],
    ["w", 7 * 24 * 3600_000],
    ["d", 24 * 3600_000],
    ["h", 3600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
];

/**
 * Parses a Prometheus duration (`15s`, `1m30s`, `7d`, `1y`, `0`) into milliseconds: units in
 * descending order, each at most once, as prometheus/common `model/time.go` `ParseDuration`
 * accepts them.
 * @returns milliseconds, or undefined when `text` is not a Prometheus duration.
 */
export function parsePromDuration(text: string): number | undefined {
    if (text === "0") return 0;
    const match = /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/.exec(text);
    if (!match || text === "") return undefined;
    return DURATION_UNITS.reduce((ms, [, unit], i) => ms + Number(match[i + 1] ?? 0) * unit, 0);
}

/**
 * A Prometheus duration string between `min` and `max` (both Prometheus durations themselves).
 * The value stays a string: Prometheus reads it as given.
 */
function promDurationIn(min: string, max: string) {
    const lo = parsePromDuration(min)!;
    const hi = parsePromDuration(max)!;
    const error = `expected a Prometheus duration ${min}..${max} such as 15s, 1m or 7d`;
    return z
        .string({ error })
        .refine((t) => parsePromDuration(t) !== undefined, { error, abort: true })
        .refine(
            (t) => {
                const ms = parsePromDuration(t);
                return ms === undefined || (ms >= lo && ms <= hi);
            },
            { error },
        );
}

/** A Prometheus duration such as `15s`, `1m` or `7d`, at least 1s (for blocks that need no narrower range). */
export const promDuration = promDurationIn("1s", "10y");

/** Data volume size in GiB (Kubernetes PVC request; Docker volumes are unbounded). */
const volumeGiB = intIn(1, 1024);

/** Where the stack runs: `docker` (a laptop's engine) or `kubernetes` (current kube context). */
export const PlatformKind = z.enum(["docker", "kubernetes"], {
    error: 'expected "docker" or "kubernetes"',
});
/** `docker` or `kubernetes`. */
export type PlatformKind = z.infer<typeof PlatformKind>;

/** CPU architecture of the images to pull: `amd64`, or `arm64` for Apple Silicon / OrbStack. */
export const Arch = z.enum(["amd64", "arm64"], { error: 'expected "amd64" or "arm64"' });
/** `amd64` or `arm64`. */
export type Arch = z.infer<typeof Arch>;

/**
 * Kubernetes settings. `renderYamlToDirectory` makes the provider write manifests to that
 * directory instead of talking to a cluster (pulumi-kubernetes `Provider.renderYamlToDirectory`),
 * which is how `pulumi up` runs on a machine without a cluster.
 */
const KubernetesSettings = z
    .strictObject({
        namespace: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "expected a DNS-1123 label" })
            .default("clusterlab"),
        context: z.string().optional(),
        renderYamlToDirectory: z.string().min(1).optional(),
        storageClassName: z.string().optional(),
    })
    .prefault({});

/** Prometheus + Grafana switches and their pinned images and host ports. */
const ObservabilitySettings = z
    .strictObject({
        enabled: z.boolean({ error: "expected true or false" }).default(true),
        /** At least 1s, at most 5m: Prometheus marks a series stale after 5m without a sample (prometheus.io/docs/prometheus/latest/querying/basics/#staleness). */
        scrapeInterval: promDurationIn("1s", "5m").default("15s"),
        prometheusVersion: pinnedTag.default("v2.55.1"),
        grafanaVersion: pinnedTag.default("11.3.1"),
        prometheusHostPort: hostPort.default(9090),
        grafanaHostPort: hostPort.default(3000),
        /** `--storage.tsdb.retention.time`; at least 2h, Prometheus's TSDB block length (prometheus.io/docs/prometheus/latest/storage/). */
        retention: promDurationIn("2h", "10y").default("7d"),
    })
    .prefault({});

/** Settings every lab shares. */
const common = {
    /** Grafana admin password; set with `pulumi config set --secret grafanaAdminPassword …`, else generated. */
    grafanaAdminPassword: z.string().min(8, { error: "expected at least 8 characters" }).optional(),
    /** Permits changes that replace a stateful resource (see components/guard.ts). */
    allowReplace: z.boolean().default(false),
    platform: PlatformKind.default("docker"),
    arch: Arch.default("amd64"),
    kubernetes: KubernetesSettings,
    observability: ObservabilitySettings,
};

// ---- TiKV lab --------------------------------------------------------------------------

/**
 * PD: `members` total, of which the first `bootstrapMembers` start with `--initial-cluster`
 * and the rest with `--join` (tikv/pd `cmd/pd-server/main.go`, `server/join/join.go`).
 */
const PdSettings = z
    .strictObject({
        members: intIn(1, 9).default(3),
        bootstrapMembers: intIn(1, 9).default(3),
        clientHostPort: hostPort.default(2379),
        allowScaleIn: z.boolean().default(false),
    })
    // bootstrapMembers ≤ members is checked in crossChecks, which knows which of the two the user set.
    .prefault({});

/** TiKV: `stores` instances; `statusHostPort` is the host port of store 0's status address (+1 per store). */
const TikvSettings = z
    .strictObject({
        stores: intIn(1, 300).default(3),
        statusHostPort: hostPort.default(20180),
        storageGiB: volumeGiB.default(10),
        allowScaleIn: z.boolean().default(false),
        /**
         * TiKV `memory-usage-limit` per store, MiB (unset: TiKV's default, 75% of the machine's
         * memory — per store, so 3 stores on a laptop each claim most of it). TiKV config reference:
         * docs.pingcap.com/tidb/stable/tikv-configuration-file#memory-usage-limit.
         */
        memoryLimitMiB: intIn(512, 1_048_576).optional(),
        /**
         * TiKV `storage.block-cache.capacity` per store, MiB (unset: TiKV's default, 45% of the
         * machine's memory). docs.pingcap.com/tidb/stable/tikv-configuration-file#capacity.
         */
        blockCacheMiB: intIn(64, 1_048_576).optional(),
    })
    .prefault({});

/**
 * go-ycsb against TiKV. Guardrails: the maximums below keep a laptop responsive.
 * Flags from pingcap/go-ycsb `README.md`, `db/tikv/db.go`.
 */
const YcsbSettings = z
    .strictObject({
        enabled: z.boolean().default(false),
        image: pinnedImage.optional(),
        goYcsbRef: z
            .string()
            .regex(/^[A-Za-z0-9._-]+$/)
            .default("v1.0.1"),
        workload: z.enum(["workloada", "workloadb", "workloadc", "workloadd", "workloade", "workloadf"]).default("workloada"),
        mode: z.enum(["raw", "txn"], { error: 'expected "raw" or "txn"' }).default("raw"),
        recordCount: intIn(1, 10_000_000).default(100_000),
        operationCount: intIn(1, 100_000_000).default(1_000_000),
        threads: intIn(1, 256).default(16),
        targetOpsPerSecond: intIn(0, 50_000).default(2_000),
    })
    .prefault({});

/** The TiKV lab: 3 PD + 3 TiKV by default, with Prometheus, Grafana and go-ycsb. */
export const TikvLabConfig = z.strictObject({
    lab: z.literal("tikv"),
    ...common,
    version: pinnedTag.default("v8.5.1"),
    pd: PdSettings,
    tikv: TikvSettings,
    load: YcsbSettings,
});
/** Parsed config of a TiKV lab stack (every default filled in). */
export type TikvLabConfig = z.infer<typeof TikvLabConfig>;

// ---- CockroachDB lab -------------------------------------------------------------------

/** The SQL and backup steps of each phase (see `sql/`). */
export const CrdbPhase = intIn(0, 2);

const CrdbSettings = z
    .strictObject({
        nodes: intIn(1, 9).default(1),
        version: pinnedTag.default("v24.3.5"),
        storageGiB: volumeGiB.default(10),
        sqlHostPort: hostPort.default(26257),
        httpHostPort: hostPort.default(8080),
        secure: z.literal(false, { error: "secure mode is not built yet: set crdb.secure to false" }).default(false),
        allowScaleIn: z.boolean().default(false),
    })
    .prefault({});

/** `cockroach workload` (cockroachlabs.com/docs/stable/cockroach-workload). */
const CrdbWorkloadSettings = z
    .strictObject({
        enabled: z.boolean().default(true),
        workload: z.enum(["kv", "tpcc"]).default("kv"),
        concurrency: intIn(1, 64).default(4),
        maxRate: intIn(0, 10_000).default(200),
        readPercent: intIn(0, 100).default(50),
        warehouses: intIn(1, 100).default(1),
        prometheusPort: intIn(1024, 65535).default(2112),
    })
    .prefault({});

/** The CockroachDB evolution lab (phase0..phase2). */
export const CrdbLabConfig = z.strictObject({
    lab: z.literal("crdb"),
    ...common,
    phase: CrdbPhase.default(0),
    crdb: CrdbSettings,
    load: CrdbWorkloadSettings,
});
/** Parsed config of a CockroachDB lab stack. */
export type CrdbLabConfig = z.infer<typeof CrdbLabConfig>;

// ---- etcd lab --------------------------------------------------------------------------

/** The fault scenario of the etcd lab. */
export const EtcdScenario = z.enum(["baseline", "fsync-delay", "defrag-delay", "compaction", "db-size-limit"]);
/** One of the etcd lab's scenarios. */
export type EtcdScenario = z.infer<typeof EtcdScenario>;

const EtcdSettings = z
    .strictObject({
        members: z.union([z.literal(1), z.literal(3), z.literal(5)], { error: "expected 1, 3 or 5" }).default(3),
        version: pinnedTag.default("v3.5.17"),
        /** A failpoint (gofail) build of etcd; when set, `GOFAIL_HTTP` is exported on `failpointPort`. */
        failpointImage: pinnedImage.optional(),
        failpointPort: intIn(1024, 65535).default(22381),
        clientHostPort: hostPort.default(2379),
        quotaBackendBytes: intIn(16 * 1024 * 1024, 8 * 1024 * 1024 * 1024).default(2 * 1024 * 1024 * 1024),
        storageGiB: volumeGiB.default(5),
    })
    .prefault({});

/**
 * Failpoint terms per scenario, as gofail expects them (`sleep(100)`, `panic`, `off`), keyed
 * by failpoint name. Upstream names: `walBeforeSync`, `defragBeforeCopy` (etcd `server/`).
 */
const EtcdFailpoints = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/), z.string().min(1));

/**
 * Default failpoint terms: a 100 ms sleep before each WAL sync; a 5 s sleep before the
 * defrag copy. Names from etcd `server/storage/wal/wal.go` (`walBeforeSync`) and
 * `server/storage/backend/backend.go` (`defragBeforeCopy`).
 */
export const DEFAULT_FAILPOINTS: Partial<Record<EtcdScenario, Record<string, string>>> = {
    "fsync-delay": { walBeforeSync: "sleep(100)" },
    "defrag-delay": { defragBeforeCopy: "sleep(5000)" },
};

const EtcdBenchSettings = z
    .strictObject({
        enabled: z.boolean().default(false),
        image: pinnedImage.optional(),
        etcdRef: pinnedTag.default("v3.5.17"),
        clients: intIn(1, 1000).default(50),
        conns: intIn(1, 100).default(10),
        total: intIn(1, 10_000_000).default(100_000),
        rate: intIn(0, 100_000).default(1_000),
        keySize: intIn(1, 4096).default(32),
        valueSize: intIn(1, 1_048_576).default(256),
        consistency: z.enum(["l", "s"]).default("l"),
        compactionInterval: z
            .string()
            .regex(/^[0-9]+(s|m|h)$/)
            .default("30s"),
        compactionDelta: intIn(1, 10_000_000).default(1_000),
    })
    .prefault({});

/** The etcd metrics lab: members, scenario, failpoints and benchmark. */
export const EtcdLabConfig = z.strictObject({
    lab: z.literal("etcd"),
    ...common,
    etcd: EtcdSettings,
    scenario: EtcdScenario.default("baseline"),
    /** Failpoints each scenario sets; every name any scenario uses is turned `off` in the others. */
    failpoints: z.partialRecord(EtcdScenario, EtcdFailpoints).default(DEFAULT_FAILPOINTS),
    load: EtcdBenchSettings,
});
/** Parsed config of an etcd lab stack. */
export type EtcdLabConfig = z.infer<typeof EtcdLabConfig>;

// ---- the stack -------------------------------------------------------------------------

/** One stack's config: which lab, and that lab's settings. */
export const StackConfig = z.discriminatedUnion("lab", [TikvLabConfig, CrdbLabConfig, EtcdLabConfig], {
    error: 'expected lab to be "tikv", "crdb" or "etcd"',
});
/** Parsed config of any stack; narrow on `lab`. */
export type StackConfig = z.infer<typeof StackConfig>;

/** Every lab name, from the union itself (a lab added to {@link StackConfig} joins here). */
export const LABS: readonly string[] = StackConfig.options.map((o) => o.shape.lab.value as string);

/** Thrown when a stack config does not parse; `problems` holds one line per mistake. */
export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid clusterlab stack config:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
}

function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The value at `path` in a config tree (`["pd", "members"]` or `"pd.members"`); undefined when absent. */
export function valueAt(root: unknown, path: PropertyKey[] | string): unknown {
    if (typeof path === "string") path = path.split(".");
    let cur: unknown = root;
    for (const key of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[key as string];
    }
    return cur;
}

// ---- reading the schema ------------------------------------------------------------------

/** zod wrappers that hold one inner schema (`.default()`, `.optional()`, `.prefault()`, …). */
const WRAPPERS = new Set(["default", "prefault", "optional", "nullable", "readonly", "catch", "nonoptional"]);

/** The schema under its wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
    let cur = schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } };
    for (let i = 0; i < 20 && WRAPPERS.has(cur._zod.def.type); i++) cur = cur._zod.def.innerType as typeof cur;
    if (cur._zod.def.type === "pipe" && cur._zod.def.in) return unwrap(cur._zod.def.in);
    return cur;
}

/** The field schemas of an object schema, or undefined for anything else (records, scalars). */
export function fieldsOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
    const inner = unwrap(schema) as z.ZodType & { _zod: { def: { type: string; shape?: Record<string, z.ZodType> } } };
    return inner._zod.def.type === "object" ? inner._zod.def.shape : undefined;
}

/** The lab schemas whose `lab` matches, or every lab's when `lab` is not one of {@link LABS}. */
function labSchemas(lab: unknown): z.ZodType[] {
    const match = StackConfig.options.filter((o) => o.shape.lab.value === lab);
    return match.length ? match : [...StackConfig.options];
}

/** Keys allowed at `path` (the union over `schemas`); undefined when `path` is not an object. */
function keysAt(schemas: z.ZodType[], path: PropertyKey[]): string[] | undefined {
    const keys = new Set<string>();
    let found = false;
    for (const root of schemas) {
        let fields = fieldsOf(root);
        for (const key of path) fields = fields && fields[key as string] ? fieldsOf(fields[key as string]) : undefined;
        if (fields) {
            found = true;
            for (const k of Object.keys(fields)) keys.add(k);
        }
    }
    return found ? [...keys].sort() : undefined;
}

/** Top-level keys whose schema is a string (or a string enum/literal), in any lab. */
function stringKeys(): Set<string> {
    const out = new Set<string>();
    for (const lab of StackConfig.options) {
        for (const [key, field] of Object.entries(fieldsOf(lab) ?? {})) {
            const def = (unwrap(field) as unknown as { _zod: { def: { type: string; values?: unknown[] } } })._zod.def;
            if (def.type === "string" || (["enum", "literal"].includes(def.type) && (def.values ?? []).every((v) => typeof v === "string")))
                out.add(key);
        }
    }
    return out;
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps): how far a typo is from a key. */
export function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/** The nearest of `candidates` to `word` when it is close enough to be a typo (≤ 1/3 of its length, at least 1, at most 3). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
    const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
    let best: { key: string; distance: number } | undefined;
    for (const key of candidates) {
        const distance = editDistance(word, key);
        if (distance <= limit && (!best || distance < best.distance)) best = { key, distance };
    }
    return best?.key;
}

// ---- messages in our words -----------------------------------------------------------------

/**
 * One problem line for a key zod does not know: the nearest valid key and the keys at that
 * level; for a dotted top-level key (`pulumi config set tikv.stores 5` without `--path`), how
 * to set it.
 */
function unknownKey(path: PropertyKey[], key: string, allowed: string[], value: unknown): string {
    const full = [...path, key].join(".");
    const [head, ...rest] = key.split(".");
    if (!path.length && rest.length && allowed.includes(head)) {
        return `${full}: unknown key; a dotted key sets a nested value only with --path: pulumi config rm ${full} && pulumi config set --path ${full} ${typeof value === "string" ? value : JSON.stringify(value)}`;
    }
    const guess = nearest(key, allowed);
    const where = path.length ? `under ${path.join(".")}` : "at the top level";
    return `${full}: unknown key${guess ? ` (did you mean ${[...path, guess].join(".")}?)` : ""}; keys ${where}: ${allowed.join(", ")}`;
}

/** What zod checked, in our words, for issues whose schema gives no wording of its own. */
function ourWords(issue: z.core.$ZodRawIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return `expected ${{ int: "an integer", object: "a block of keys", boolean: "true or false" }[issue.expected as string] ?? `a ${issue.expected}`}`;
        case "invalid_value":
            return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            return issue.origin === "string" ? `expected at least ${issue.minimum} characters` : `expected at least ${issue.minimum}`;
        case "too_big":
            return issue.origin === "string" ? `expected at most ${issue.maximum} characters` : `expected at most ${issue.maximum}`;
        case "invalid_format":
            return issue.format === "regex"
                ? `expected a value matching ${(issue as { pattern?: string }).pattern}`
                : `expected a ${issue.format}`;
        default:
            return "expected a different value";
    }
}

/** The suggestion for a mistyped enum value (`scenario: fsync-dealy` → did you mean "fsync-delay"?). */
function enumHint(issue: z.core.$ZodIssue, given: unknown): string {
    if (issue.code !== "invalid_value" || typeof given !== "string") return "";
    const guess = nearest(
        given,
        issue.values.filter((v): v is string => typeof v === "string"),
    );
    return guess ? `; did you mean ${JSON.stringify(guess)}?` : "";
}

// ---- rules that span keys ----------------------------------------------------------------------

/**
 * Host ports a stack publishes, as data: `path` is the port of member 0 (member N publishes
 * port + N), `members` the path of the member count (absent: one port), `when` a boolean
 * path that must be true for the port to be published. A key absent from a lab's config is
 * skipped, so one table serves every lab: a new lab's host port joins with one line.
 */
export const HOST_PORT_KEYS: { path: string; members?: string; when?: string }[] = [
    { path: "observability.prometheusHostPort", when: "observability.enabled" },
    { path: "observability.grafanaHostPort", when: "observability.enabled" },
    { path: "pd.clientHostPort", members: "pd.members" },
    { path: "tikv.statusHostPort", members: "tikv.stores" },
    { path: "crdb.sqlHostPort", members: "crdb.nodes" },
    { path: "crdb.httpHostPort", members: "crdb.nodes" },
    { path: "etcd.clientHostPort", members: "etcd.members" },
];

/** Highest TCP port (RFC 793: 16-bit port numbers). */
const MAX_PORT = 65535;

/** Each host-port range past 65535, and each pair of ranges that overlap, naming both keys. */
function hostPortProblems(config: StackConfig): string[] {
    const ranges = HOST_PORT_KEYS.flatMap(({ path, members, when }) => {
        const first = valueAt(config, path);
        if (typeof first !== "number" || (when && valueAt(config, when) !== true)) return [];
        const count = members ? Number(valueAt(config, members) ?? 1) : 1;
        return [{ path, members, first, last: first + count - 1, count }];
    });
    const problems: string[] = [];
    for (const r of ranges) {
        if (r.last > MAX_PORT) {
            problems.push(
                `${r.path}: ${r.count} members (${r.members}) publish ports ${r.first}..${r.last}, past ${MAX_PORT}; expected at most ${MAX_PORT - r.count + 1}, got ${r.first}`,
            );
        }
    }
    ranges.forEach((a, i) => {
        for (const b of ranges.slice(i + 1)) {
            if (a.first <= b.last && b.first <= a.last) {
                const span = (r: typeof a) => (r.count > 1 ? `${r.first}..${r.last}` : `${r.first}`);
                problems.push(
                    `${b.path}: host port ${span(b)} collides with ${a.path} (${span(a)}); give each a free range, got ${b.first}`,
                );
            }
        }
    });
    return problems;
}

/**
 * Rules that span keys. `raw` is what the user wrote (before defaults), so a message names
 * the key the user set rather than one they never touched. Kubernetes cannot run a locally
 * built image, and neither go-ycsb (pingcap/go-ycsb README: build from source) nor the etcd
 * benchmark (etcd `tools/benchmark`) publishes an official one.
 */
function crossChecks(config: StackConfig, raw: Record<string, unknown>): string[] {
    const problems: string[] = hostPortProblems(config);
    const userSet = (path: string) => valueAt(raw, path) !== undefined;
    if (config.lab === "tikv" && config.pd.bootstrapMembers > config.pd.members) {
        const { members, bootstrapMembers } = config.pd;
        problems.push(
            userSet("pd.bootstrapMembers")
                ? `pd.bootstrapMembers: expected at most pd.members (${members}), got ${bootstrapMembers}`
                : `pd.members: expected at least pd.bootstrapMembers (${bootstrapMembers}, its default); set pd.bootstrapMembers to ${members} or less as well, got ${members}`,
        );
    }
    if (
        config.lab === "tikv" &&
        config.tikv.blockCacheMiB &&
        config.tikv.memoryLimitMiB &&
        config.tikv.blockCacheMiB >= config.tikv.memoryLimitMiB
    ) {
        problems.push(
            `tikv.blockCacheMiB: expected less than tikv.memoryLimitMiB (${config.tikv.memoryLimitMiB}): the block cache lives inside TiKV's memory limit, got ${config.tikv.blockCacheMiB}`,
        );
    }
    if (config.lab === "etcd" && Object.keys(config.failpoints[config.scenario] ?? {}).length && !config.etcd.failpointImage) {
        problems.push(
            `etcd.failpointImage: scenario ${config.scenario} sets failpoints, which official etcd images do not have; name a gofail build (make gofail-enable), got nothing`,
        );
    }
    if (config.lab === "crdb" && config.crdb.nodes < config.phase + 1) {
        const rf = config.phase + 1;
        problems.push(
            userSet("crdb.nodes") || !userSet("phase")
                ? `crdb.nodes: phase ${config.phase} sets replication factor ${rf}, which needs at least ${rf} nodes, got ${config.crdb.nodes}`
                : `phase: phase ${config.phase} sets replication factor ${rf}, which needs crdb.nodes ≥ ${rf} (it is ${config.crdb.nodes}, its default); set crdb.nodes as well, got ${config.phase}`,
        );
    }
    if (config.platform === "kubernetes" && (config.lab === "tikv" || config.lab === "etcd") && config.load.enabled && !config.load.image) {
        const tool = config.lab === "tikv" ? "go-ycsb" : "etcd-benchmark";
        problems.push(
            `load.image: required on kubernetes (no official ${tool} image; build docker/${tool}/Dockerfile and push it), got nothing`,
        );
    }
    return problems;
}

// ---- parsing -------------------------------------------------------------------------------

/**
 * Turns Pulumi's raw config map into plain values: drops the `clusterlab:` prefix, ignores
 * other namespaces (`kubernetes:context`, …), and JSON-decodes object, number and boolean
 * values (the engine passes structured config as JSON strings). Keys whose schema is a string
 * keep their text: `version: "8.5"` stays the tag `8.5`, not the number 8.5.
 *
 * @param raw keys as `pulumi.runtime.allConfig()` returns them, or as a `Pulumi.<stack>.yaml`'s `config:` holds them.
 */
export function stripNamespace(raw: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const strings = stringKeys();
    for (const [key, value] of Object.entries(raw)) {
        const [ns, ...rest] = key.includes(":") ? key.split(":") : [PROJECT, key];
        if (ns !== PROJECT) continue;
        const name = rest.join(":");
        out[name] = SECRET_KEYS.has(name) || strings.has(name) ? value : decode(value);
    }
    return out;
}

/** Keys whose values are secrets: never decoded, never echoed in an error. */
const SECRET_KEYS = new Set(["grafanaAdminPassword"]);

function decode(value: unknown): unknown {
    if (typeof value !== "string") return value;
    const trimmed = value.trim();
    if (/^[{[]/.test(trimmed) || /^(true|false|-?[0-9]+(\.[0-9]+)?)$/.test(trimmed)) {
        try {
            return JSON.parse(trimmed);
        } catch {
            return value;
        }
    }
    return value;
}

/** Unknown top-level keys when `lab` is missing or unknown (zod stops at the discriminator). */
function unknownTopLevel(values: Record<string, unknown>): string[] {
    const allowed = keysAt(labSchemas(values.lab), []) ?? [];
    return Object.keys(values)
        .filter((k) => !allowed.includes(k))
        .map((k) => unknownKey([], k, allowed, values[k]));
}

/**
 * Parses a whole stack config. Nested settings use `.prefault({})`: an absent block is parsed
 * as `{}`, so every default is stated once, on its field.
 *
 * @param raw config values, with or without the `clusterlab:` prefix (see {@link stripNamespace}).
 * @returns the typed config with every default filled in.
 * @throws ConfigError listing each mistake as `key.path: what is allowed, got <value>`; unknown
 *   keys as `key: unknown key; did you mean …? Keys …: …`.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
    const values = stripNamespace(raw);
    if (!LABS.includes(values.lab as string)) {
        const given = describe(values.lab);
        const guess = typeof values.lab === "string" ? nearest(values.lab, LABS) : undefined;
        throw new ConfigError([
            ...unknownTopLevel(values),
            `lab: expected one of ${LABS.map((l) => JSON.stringify(l)).join(", ")} (pulumi config set lab ${LABS[0]})${guess ? `; did you mean ${JSON.stringify(guess)}?` : ""}, got ${given}`,
        ]);
    }
    const result = StackConfig.safeParse(values, { error: ourWords });
    if (result.success) {
        const problems = crossChecks(result.data, values);
        if (problems.length) throw new ConfigError(problems);
        return result.data;
    }
    const schemas = labSchemas(values.lab);
    const problems = result.error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            const allowed = keysAt(schemas, issue.path) ?? [];
            return issue.keys.map((k) => unknownKey(issue.path, k, allowed, valueAt(values, [...issue.path, k])));
        }
        const path = issue.path.length ? issue.path.join(".") : "(stack)";
        const value = valueAt(values, issue.path);
        const given = SECRET_KEYS.has(String(issue.path[0])) ? "a secret (not shown)" : describe(value);
        return [`${path}: ${issue.message}${enumHint(issue, value)}, got ${given}`];
    });
    throw new ConfigError(problems);
}
