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
 * Version-like: starts with a version (`v8.5.1`, `11.3.1`, `8.5`, `v3.5.17-gofail`) or carries a
 * dotted one (`cdc-v1.1.1`, `2.42-a`). Not `bookworm`, not a date-stamped branch build.
 */
const VERSION_LIKE = /^v?[0-9]|[0-9]+\.[0-9]+/;

/**
 * A pinned image tag: version-like (see VERSION_LIKE). Tag grammar: distribution/reference `reference.go`
 * (`[\w][\w.-]{0,127}`). Moving tags ({@link MOVING_TAGS}) are refused by name.
 */
const pinnedTag = z
    .string({ error: "expected an image tag string such as v8.5.1 (quote it in YAML if it looks like a number)" })
    .refine((t) => !MOVING_TAGS.includes(t.toLowerCase()), {
        error: "expected a pinned version tag such as v8.5.1, not a moving tag",
        abort: true,
    })
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "expected an image tag such as v8.5.1", abort: true })
    .regex(VERSION_LIKE, { error: "expected a version-like image tag such as v8.5.1, 11.3.1 or cdc-v1.1.1" });

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
    .regex(/^[a-z0-9][a-z0-9._\-/:]*?(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[a-f0-9]{64})?$/, {
        error: "expected an image reference with a pinned tag or digest, e.g. repo/name:1.2.3 or repo/name@sha256:…",
        abort: true,
    })
    .refine(
        (r) =>
            /@sha256:[a-f0-9]{64}$/.test(r) ||
            VERSION_LIKE.test(/:([A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec(r.replace(/^[^/]*:[0-9]+\//, ""))?.[1] ?? ""),
        {
            error: "expected an image reference with a pinned version tag or digest, e.g. repo/name:1.2.3 or repo/name@sha256:…",
        },
    );

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
        /** Run Prometheus (scrapes every lab component; loads the lab's rule files). */
        prometheus: z.boolean({ error: "expected true or false" }).default(true),
        /** Run Grafana; it reads Prometheus as its datasource, so it needs `prometheus: true`. */
        grafana: z.boolean({ error: "expected true or false" }).default(true),
    })
    .prefault({});

/**
 * An image the labs use by default, named by repository (`prom/prometheus`) or by full
 * reference (`curlimages/curl:8.11.1`): the key of an {@link ImageSubstitutions} entry.
 */
const imageKey = z.string().regex(/^[a-z0-9][a-z0-9._\-/:]*$/, {
    error: "expected an image repository such as prom/prometheus, or a full reference",
});

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
    /**
     * Image substitutions, as kustomize's `images:` does them: each key names an image the lab
     * uses by default, by repository (`prom/prometheus`, matching any tag) or by full reference
     * (`curlimages/curl:8.11.1`, exact match wins); each value is the pinned reference to run
     * instead (a mirror, a local build). Covers members, Prometheus, Grafana and one-shot steps;
     * the defaults are listed in components/images.ts.
     */
    images: z.record(imageKey, pinnedImage).default({}),
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
        /**
         * TLS everywhere with certificates issued by the stack (components/crdb-certs.ts): `--certs-dir`
         * instead of `--insecure`, password-less SQL users by client certificate. Switching a deployed
         * stack either way restarts every node with new flags: the guard asks for `allowReplace`.
         */
        secure: z.boolean({ error: "expected true or false" }).default(true),
        /** Validity of the node and client certificates in hours (1 day..10 years); a new value re-issues them and rolls the nodes. */
        certValidityHours: intIn(24, 87_600).default(43_800),
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

// ---- sample app (CockroachDB lab) --------------------------------------------------------

/**
 * The sample app (`app/`): `POST /login` through `crdb-writer`, `GET /search` through
 * `crdb-reader` as the read-only user, `POST /spike`, a live page. No published image: on
 * Docker it is built from `app/Dockerfile` unless `image` names one; on Kubernetes `image` is
 * required (build `app/Dockerfile`, push it or load it into the cluster).
 */
const SampleAppSettings = z
    .strictObject({
        enabled: z.boolean({ error: "expected true or false" }).default(true),
        image: pinnedImage.optional(),
        /** Docker: host port of the app's HTTP port (live page, API, /metrics). */
        hostPort: hostPort.default(8000),
        /** The app's own background load at start (the live page's "load" switch), requests per second. */
        loadOnStart: z.boolean({ error: "expected true or false" }).default(true),
        loadRps: intIn(1, 200).default(5),
        /** `POST /spike` guardrails: the largest duration (seconds) and rate (requests per second) it accepts. */
        spikeMaxSeconds: intIn(1, 3600).default(120),
        spikeMaxRps: intIn(1, 5000).default(500),
        /** OTLP/HTTP endpoint (e.g. `http://otel-collector:4318`); set to switch tracing on. */
        otlpEndpoint: z.url({ error: "expected an http(s) URL such as http://otel-collector:4318" }).optional(),
    })
    .prefault({});

/** The CockroachDB evolution lab (phase0..phase2). */
export const CrdbLabConfig = z.strictObject({
    lab: z.literal("crdb"),
    ...common,
    phase: CrdbPhase.default(0),
    crdb: CrdbSettings,
    load: CrdbWorkloadSettings,
    app: SampleAppSettings,
});
/** Parsed config of a CockroachDB lab stack. */
export type CrdbLabConfig = z.infer<typeof CrdbLabConfig>;

// ---- etcd lab --------------------------------------------------------------------------

/** The fault scenario of the etcd lab. */
export const EtcdScenario = z.enum([
    "baseline",
    "fsync-delay",
    "defrag-delay",
    "compaction",
    "db-size-limit",
    // Network scenarios (components/etcd-network.ts): need etcd.peerProxies; member-kill a failpoint build.
    "network-delay",
    "partition",
    "member-kill",
]);
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
        /**
         * One peer proxy per member (docker/etcd-peer-proxy); members advertise the proxy's address
         * as their peer URL. Needed by the network scenarios. Changing it changes every member's
         * peer URL: set it when the lab is first deployed.
         */
        peerProxies: z.boolean().default(false),
        /** The proxy image; built from docker/etcd-peer-proxy on Docker when unset (required on Kubernetes). */
        peerProxyImage: pinnedImage.optional(),
        /** network-delay: receive delay on every peer link, milliseconds (the seed lab's bridge `-rx-delay` 1000 ms). */
        peerDelayMs: intIn(1, 60_000).default(1000),
        /** partition isolates, member-kill crashes, the member with this ordinal. */
        faultMember: intIn(0, 4).default(0),
    })
    .prefault({});

/**
 * The linearizability checker (docker/etcd-linearizability: etcd client + porcupine): a step in
 * every scenario and a scraped verdict exporter.
 */
const EtcdLinearizabilitySettings = z
    .strictObject({
        enabled: z.boolean().default(false),
        /** Built from docker/etcd-linearizability on Docker when unset (required on Kubernetes). */
        image: pinnedImage.optional(),
        /** Seconds of history recorded per scenario. */
        seconds: intIn(5, 3600).default(30),
    })
    .prefault({});

/**
 * Failpoint terms per scenario, as gofail expects them (`sleep(100)`, `panic`, `off`), keyed
 * by failpoint name. etcd 3.5 names: `walBeforeSync` (`server/wal/wal.go`), `beforeCommit`
 * (`server/mvcc/backend/batch_tx.go`), `defragBeforeCopy` (`server/mvcc/backend/backend.go`).
 */
const EtcdFailpoints = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/), z.string().min(1));

/**
 * Default failpoint terms, for etcd 3.5 (paths in go.etcd.io/etcd/server/v3@v3.5.17; 3.6 moved
 * them under `server/storage/`):
 * - fsync-delay, a disk that adds 100 ms to every sync: 100 ms before each WAL sync
 *   (`walBeforeSync`, `wal/wal.go` `WAL.Save`) and 200 ms before each bbolt commit, which syncs
 *   twice (dirty pages, then the meta page: go.etcd.io/bbolt v1.3.11 `tx.go` `Tx.write`, `Tx.writeMeta`) (`beforeCommit`, `mvcc/backend/batch_tx.go`
 *   `batchTx.commit`). `walBeforeSync` sleeps before `WAL.sync()` starts its timer, so
 *   `etcd_disk_wal_fsync_duration_seconds` does not see it; `beforeCommit` sleeps inside the
 *   timed section of `etcd_disk_backend_commit_duration_seconds`. No 3.5 failpoint sits inside
 *   the timed `Fdatasync`.
 * - defrag-delay: 5 s before the defrag copy (`defragBeforeCopy`, `mvcc/backend/backend.go`
 *   `backend.defrag`), inside the timed section of `etcd_disk_backend_defrag_duration_seconds`.
 */
export const DEFAULT_FAILPOINTS: Partial<Record<EtcdScenario, Record<string, string>>> = {
    "fsync-delay": { walBeforeSync: "sleep(100)", beforeCommit: "sleep(200)" },
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
        /**
         * `put --key-space-size`: the puts cycle over this many keys (`--sequential-keys`), so
         * later puts supersede earlier revisions and compaction has something to reclaim. At
         * least 64: the range benchmark reads key 24 (etcd `tools/benchmark/cmd/put.go` key encoding).
         */
        keySpaceSize: intIn(64, 10_000_000).default(10_000),
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
    linearizability: EtcdLinearizabilitySettings,
});
/** Parsed config of an etcd lab stack. */
export type EtcdLabConfig = z.infer<typeof EtcdLabConfig>;

/** Cross-checks of the network scenarios and their tools: one line per problem, key first. */
function etcdNetworkProblems(config: EtcdLabConfig): string[] {
    const problems: string[] = [];
    const { etcd, scenario } = config;
    const network = ["network-delay", "partition", "member-kill"].includes(scenario);
    if (network && !etcd.peerProxies) {
        problems.push(
            `etcd.peerProxies: scenario ${scenario} needs the peer proxies (members advertise them; set it when the lab is first deployed), got false`,
        );
    }
    if (scenario === "member-kill" && !etcd.failpointImage) {
        problems.push(
            `etcd.failpointImage: scenario member-kill crashes a member through a gofail panic; name a gofail build, got nothing`,
        );
    }
    if (network && etcd.faultMember >= etcd.members) {
        problems.push(`etcd.faultMember: expected a member ordinal below etcd.members (${etcd.members}), got ${etcd.faultMember}`);
    }
    if (config.platform === "kubernetes" && etcd.peerProxies && !etcd.peerProxyImage) {
        problems.push(
            "etcd.peerProxyImage: required on kubernetes (no published image; build docker/etcd-peer-proxy/Dockerfile and push it), got nothing",
        );
    }
    if (config.platform === "kubernetes" && config.linearizability.enabled && !config.linearizability.image) {
        problems.push(
            "linearizability.image: required on kubernetes (no published image; build docker/etcd-linearizability/Dockerfile and push it), got nothing",
        );
    }
    return problems;
}

// ---- RawKV CDC lab ---------------------------------------------------------------------

/**
 * When the changefeed replicates, relative to the correctness workload's two rounds of PUTs:
 * `before` (running throughout), `between` (paused during round 1, resumed before round 2),
 * `after` (paused during both rounds, resumed afterwards, so it catches up from its checkpoint).
 */
export const CdcStart = z.enum(["before", "between", "after"], { error: 'expected "before", "between" or "after"' });
/** One of {@link CdcStart}'s values. */
export type CdcStart = z.infer<typeof CdcStart>;

/** What PD operators (pd-ctl `operator add …`) do to the main cluster's regions during the workload. */
export const CdcDisturb = z.enum(["none", "split", "merge", "transfer-leader"], {
    error: 'expected "none", "split", "merge" or "transfer-leader"',
});
/** One of {@link CdcDisturb}'s values. */
export type CdcDisturb = z.infer<typeof CdcDisturb>;

/** A TiKV version tag TiKV-CDC can replicate: v6.2.0 or later (tikv/migration `cdc/README.md`). */
const cdcTikvVersion = pinnedTag.refine(
    (t) => {
        const m = /^v?(\d+)\.(\d+)/.exec(t);
        return !!m && (Number(m[1]) > 6 || (Number(m[1]) === 6 && Number(m[2]) >= 2));
    },
    { error: "expected a TiKV/PD tag v6.2.0 or later (TiKV-CDC needs API v2)" },
);

/** A CDC-lab cluster's PD (one member): its client URL's host port. */
function cdcPd(clientHostPort: number) {
    return z.strictObject({ clientHostPort: hostPort.default(clientHostPort) }).prefault({});
}

/** A CDC-lab cluster's TiKV settings besides the store count. */
function cdcTikvFields(statusHostPort: number) {
    return {
        statusHostPort: hostPort.default(statusHostPort),
        storageGiB: volumeGiB.default(10),
        allowScaleIn: z.boolean().default(false),
    };
}

/** The main cluster: 1 PD and 1 or 3 TiKV stores (the test plan's cases 1–2 and 3). */
const CdcMainCluster = z
    .strictObject({
        pd: cdcPd(2379),
        tikv: z
            .strictObject({
                stores: z.union([z.literal(1), z.literal(3)], { error: "expected 1 or 3" }).default(1),
                ...cdcTikvFields(20180),
            })
            .prefault({}),
    })
    .prefault({});

/** The recovery cluster: 1 PD and 1 TiKV store, the changefeed's sink. */
const CdcRecoveryCluster = z
    .strictObject({
        pd: cdcPd(2479),
        tikv: z.strictObject({ stores: z.literal(1, { error: "expected 1" }).default(1), ...cdcTikvFields(20280) }).prefault({}),
    })
    .prefault({});

/**
 * TiKV-CDC (github.com/tikv/migration `cdc/`): the capture server and its changefeed.
 * No official image for every version: `image` names one, else `docker/tikv-cdc` builds `ref`.
 */
const CdcSettings = z
    .strictObject({
        /** false: no TiKV-CDC at all (the go-ycsb baseline of the regression comparison). */
        enabled: z.boolean().default(true),
        start: CdcStart.default("before"),
        disturb: CdcDisturb.default("none"),
        image: pinnedImage.optional(),
        /** A tikv/migration git tag to build from. */
        ref: z
            .string()
            .regex(/^[A-Za-z0-9._/-]+$/)
            .default("cdc-v1.1.1"),
        members: intIn(1, 3).default(1),
        hostPort: hostPort.default(8600),
        changefeedId: z
            .string()
            .regex(/^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/, { error: "expected a changefeed id such as rawkv-replication" })
            .default("rawkv-replication"),
        /** `tikv-cdc server --gc-ttl`, seconds. */
        gcTtlSeconds: intIn(60, 7 * 86400).default(86400),
        /** How many PD operators the disturbance adds during the workload, one every `disturbIntervalSeconds`. */
        disturbOperators: intIn(1, 1000).default(20),
        disturbIntervalSeconds: intIn(1, 60).default(3),
        /** The RPO objective: alert when the changefeed checkpoint lag stays above this, seconds. */
        lagAlertSeconds: intIn(1, 86_400).default(30),
    })
    .prefault({});

/** The correctness workload: N threads × M keys, v then v+1, then a check on the recovery cluster. */
const CdcWorkloadSettings = z
    .strictObject({
        enabled: z.boolean().default(true),
        image: pinnedImage.optional(),
        threads: intIn(1, 1000).default(400),
        keys: intIn(1, 100_000).default(1000),
        /** v: round 1 writes v, round 2 writes v+1. */
        base: intIn(0, 1_000_000_000).default(1),
        /** A label of this run; a new value re-runs the workload with fresh keys. */
        run: z
            .string()
            .regex(/^[a-z0-9-]{1,20}$/)
            .default("1"),
        /** How long the checker waits for the changefeed checkpoint to pass the writes, seconds. */
        checkTimeoutSeconds: intIn(10, 7200).default(600),
    })
    .prefault({});

/** The RawKV CDC lab: main and recovery TiKV clusters, TiKV-CDC between them, correctness workload, go-ycsb. */
export const CdcLabConfig = z.strictObject({
    lab: z.literal("cdc"),
    ...common,
    /** PD and TiKV tag of both clusters. */
    version: cdcTikvVersion.default("v8.5.1"),
    main: CdcMainCluster,
    recovery: CdcRecoveryCluster,
    cdc: CdcSettings,
    workload: CdcWorkloadSettings,
    /** go-ycsb workloada (raw) against the main cluster, with `cdc.enabled` on or off for the regression comparison. */
    load: YcsbSettings,
});
/** Parsed config of a RawKV CDC lab stack. */
export type CdcLabConfig = z.infer<typeof CdcLabConfig>;
// ---- app cluster lab (bring your own image) ---------------------------------------------

/** An environment variable name (POSIX: letters, digits, underscore; not starting with a digit). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "expected an environment variable name such as NODE_ID" });

/** A named port of the app: the port inside the container, and the host port base (node i, 1-based, publishes base + i). */
const appPort = (containerPort: number, hostPortBase: number) =>
    z.strictObject({ containerPort: intIn(1, 65535).default(containerPort), hostPortBase: hostPort.default(hostPortBase) }).prefault({});

/** An HTTP path such as `/health`. */
const httpPath = z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, { error: "expected an HTTP path such as /health" });

/**
 * A raft-style service from the user's own image: node 1 bootstraps, nodes 2..N join it.
 * Each env name is the variable the image reads; rename them to fit the image.
 */
const AppSettings = z
    .strictObject({
        /** The user's image, pinned. */
        image: pinnedImage,
        /** Number of nodes (1-based ordinals; node 1 bootstraps). */
        nodes: intIn(1, 9).default(3),
        allowScaleIn: z.boolean().default(false),
        /** Node ordinals (1..nodes) whose containers/pods are stopped, volumes kept: the fault drill. */
        stopped: z.array(intIn(1, 9)).default([]),
        env: z
            .strictObject({
                nodeId: envName.default("NODE_ID"),
                nodeName: envName.default("NODE_NAME"),
                httpAddr: envName.default("HTTP_ADDR"),
                raftAddr: envName.default("RAFT_ADDR"),
                joinAddr: envName.default("JOIN_ADDR"),
                dataDir: envName.default("DATA_DIR"),
            })
            .prefault({}),
        /** Extra plain environment for every node. */
        extraEnv: z.record(envName, z.string()).default({}),
        ports: z
            .strictObject({
                /** HTTP API (`HTTP_ADDR`, `JOIN_ADDR` of the joiners); host 8080 + i. */
                api: appPort(8080, 8080),
                /** Client KV API; host 9080 + i. */
                kv: appPort(9080, 9080),
                /** Raft transport (`RAFT_ADDR`); host 9001 + i. */
                raft: appPort(9001, 9001),
            })
            .prefault({}),
        /** Data directory in the container (`DATA_DIR`), a volume per node. */
        dataDir: z.string().regex(/^\//, { error: "expected an absolute path" }).default("/data"),
        storageGiB: volumeGiB.default(1),
        /** Readiness: HTTP GET on the API port. */
        healthPath: httpPath.default("/health"),
        /** Prometheus metrics path on the API port; omit when the image serves none. */
        metricsPath: httpPath.optional(),
    })
    .refine((a) => a.stopped.every((n) => n <= a.nodes), { error: "expected node ordinals within 1..nodes", path: ["stopped"] });

/** The bring-your-own-image lab: N nodes of the user's raft service, Prometheus, Grafana. */
export const AppClusterLabConfig = z.strictObject({
    lab: z.literal("appcluster"),
    ...common,
    app: AppSettings,
});
/** Parsed config of an app cluster stack. */
export type AppClusterLabConfig = z.infer<typeof AppClusterLabConfig>;

// ---- the stack -------------------------------------------------------------------------

/** One stack's config: which lab, and that lab's settings. */
export const StackConfig = z.discriminatedUnion("lab", [TikvLabConfig, CrdbLabConfig, EtcdLabConfig, CdcLabConfig, AppClusterLabConfig], {
    error: 'expected lab to be "tikv", "crdb", "etcd", "cdc" or "appcluster"',
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
 * Host ports a stack publishes, as data: `path` is the port of the first member (member N
 * publishes port + offset + N; `offset` defaults to 0), `members` the path of the member
 * count (absent: one port), `when` boolean paths none of which may be false for the port to
 * be published. A key absent from a lab's config is skipped, so one table serves every lab:
 * a new lab's host port joins with one line.
 */
export const HOST_PORT_KEYS: { path: string; members?: string; when?: string[]; offset?: number }[] = [
    { path: "observability.prometheusHostPort", when: ["observability.enabled", "observability.prometheus"] },
    { path: "observability.grafanaHostPort", when: ["observability.enabled", "observability.grafana"] },
    { path: "pd.clientHostPort", members: "pd.members" },
    { path: "tikv.statusHostPort", members: "tikv.stores" },
    { path: "crdb.sqlHostPort", members: "crdb.nodes" },
    { path: "crdb.httpHostPort", members: "crdb.nodes" },
    { path: "app.hostPort", when: ["app.enabled"] },
    { path: "etcd.clientHostPort", members: "etcd.members" },
    { path: "main.pd.clientHostPort" },
    { path: "main.tikv.statusHostPort", members: "main.tikv.stores" },
    { path: "recovery.pd.clientHostPort" },
    { path: "recovery.tikv.statusHostPort", members: "recovery.tikv.stores" },
    { path: "cdc.hostPort", members: "cdc.members", when: ["cdc.enabled"] },
    // App cluster nodes are numbered from 1 and publish base + node number.
    { path: "app.ports.api.hostPortBase", members: "app.nodes", offset: 1 },
    { path: "app.ports.kv.hostPortBase", members: "app.nodes", offset: 1 },
    { path: "app.ports.raft.hostPortBase", members: "app.nodes", offset: 1 },
];

/** Highest TCP port (RFC 793: 16-bit port numbers). */
const MAX_PORT = 65535;

/** Each host-port range past 65535, and each pair of ranges that overlap, naming both keys. */
function hostPortProblems(config: StackConfig): string[] {
    const ranges = HOST_PORT_KEYS.flatMap(({ path, members, when, offset = 0 }) => {
        const base = valueAt(config, path);
        if (typeof base !== "number" || (when ?? []).some((w) => valueAt(config, w) === false)) return [];
        const count = members ? Number(valueAt(config, members) ?? 1) : 1;
        return [{ path, members, first: base + offset, last: base + offset + count - 1, count, base }];
    });
    const problems: string[] = [];
    for (const r of ranges) {
        if (r.last > MAX_PORT) {
            problems.push(
                `${r.path}: ${r.count} members (${r.members}) publish ports ${r.first}..${r.last}, past ${MAX_PORT}; expected at most ${MAX_PORT - r.last + r.base}, got ${r.base}`,
            );
        }
    }
    ranges.forEach((a, i) => {
        for (const b of ranges.slice(i + 1)) {
            if (a.first <= b.last && b.first <= a.last) {
                const span = (r: typeof a) => (r.count > 1 ? `${r.first}..${r.last}` : `${r.first}`);
                problems.push(
                    `${b.path}: host port ${span(b)} collides with ${a.path} (${span(a)}); give each a free range, got ${b.base}`,
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
    if (config.lab === "etcd") problems.push(...etcdNetworkProblems(config));
    if (config.lab === "crdb" && config.crdb.nodes < config.phase + 1) {
        const rf = config.phase + 1;
        problems.push(
            userSet("crdb.nodes") || !userSet("phase")
                ? `crdb.nodes: phase ${config.phase} sets replication factor ${rf}, which needs at least ${rf} nodes, got ${config.crdb.nodes}`
                : `phase: phase ${config.phase} sets replication factor ${rf}, which needs crdb.nodes ≥ ${rf} (it is ${config.crdb.nodes}, its default); set crdb.nodes as well, got ${config.phase}`,
        );
    }
    if (config.observability.enabled && config.observability.grafana && !config.observability.prometheus) {
        problems.push(
            "observability.grafana: Grafana reads Prometheus as its only datasource; set observability.prometheus: true or observability.grafana: false, got grafana true with prometheus false",
        );
    }
    if (config.platform === "kubernetes" && config.lab === "crdb" && config.app.enabled && !config.app.image) {
        problems.push(
            "app.image: required on kubernetes (no published sample-app image; build app/Dockerfile and push it, or set app.enabled to false), got nothing",
        );
    }
    if (config.platform === "kubernetes" && (config.lab === "tikv" || config.lab === "etcd") && config.load.enabled && !config.load.image) {
        const tool = config.lab === "tikv" ? "go-ycsb" : "etcd-benchmark";
        problems.push(
            `load.image: required on kubernetes (no official ${tool} image; build docker/${tool}/Dockerfile and push it), got nothing`,
        );
    }
    if (config.platform === "kubernetes" && config.lab === "cdc") {
        // Kubernetes cannot run an image built on this machine: TiKV-CDC, the workload and go-ycsb need pushed images.
        const needed: [string, boolean, string | undefined][] = [
            ["cdc.image", config.cdc.enabled, config.cdc.image],
            ["workload.image", config.cdc.enabled && config.workload.enabled, config.workload.image],
            ["load.image", config.load.enabled, config.load.image],
        ];
        for (const [key, used, image] of needed) {
            if (used && !image)
                problems.push(`${key}: required on kubernetes (build the Dockerfile under docker/ and push it), got nothing`);
        }
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
