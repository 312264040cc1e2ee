/**
 * The etcd lab's config: members, scenario, failpoints, the etcd benchmark; its cross-key
 * checks and host ports.
 */
import { z } from "zod";
import { common } from "../../components/config/common";
import { loadImageRequired } from "../../components/config/checks";
import { HostPortKey } from "../../components/config/ports";
import { hostPort, intIn, pinnedImage, pinnedTag, volumeGiB } from "../../components/config/primitives";

/** The fault scenario of the etcd lab. */
export const EtcdScenario = z.enum([
    "baseline",
    "fsync-delay",
    "defrag-delay",
    "compaction",
    "db-size-limit",
    // Network scenarios (labs/etcd/network.ts): need etcd.peerProxies; member-kill a failpoint build.
    "network-delay",
    "partition",
    "member-kill",
]);
/** One of the etcd lab's scenarios. */
export type EtcdScenario = z.infer<typeof EtcdScenario>;

/** The ports etcd listens on in every member (etcd.io/docs/v3.5/op-guide/configuration/: client 2379, peer 2380; metrics 2381 as this lab's `--listen-metrics-urls`). */
export const ETCD_OWN_PORTS: Record<string, number> = { client: 2379, peer: 2380, metrics: 2381 };

const EtcdSettings = z
    .strictObject({
        /**
         * Voting members, 1, 3 or 5. A change after the first deployment is a runtime reconfiguration
         * (labs/etcd/joins.ts): more members join one at a time as learners and are promoted; fewer
         * are removed one at a time (with `allowScaleIn`), highest ordinal first. On Kubernetes it
         * needs `stepsImage` deployed first (members then join by themselves: labs/etcd/self-join.ts).
         */
        members: z.union([z.literal(1), z.literal(3), z.literal(5)], { error: "expected 1, 3 or 5" }).default(3),
        /** Allows `members` to go down (each leaving member is removed from the member list first; its volume is kept). */
        allowScaleIn: z.boolean().default(false),
        /**
         * Image with a POSIX shell (with `date`, `grep`, `sed`, `head`, `dirname`) and
         * `/usr/local/bin/etcdctl` for the membership tasks; built from docker/etcd-steps on Docker
         * when unset (the official etcd image has no shell). On Kubernetes it also runs beside each
         * member (an init container that writes its start, a container that promotes a learner), so
         * setting it rolls the members once and lets `members` change afterwards.
         */
        stepsImage: pinnedImage.optional(),
        version: pinnedTag.default("v3.5.17"),
        /** A failpoint (gofail) build of etcd; when set, `GOFAIL_HTTP` is exported on `failpointPort`. */
        failpointImage: pinnedImage.optional(),
        /** gofail's HTTP port (`GOFAIL_HTTP`), not one of etcd's own ports ({@link ETCD_OWN_PORTS}). */
        failpointPort: intIn(1024, 65535)
            .refine((p) => !Object.values(ETCD_OWN_PORTS).includes(p), {
                error: `expected a port other than etcd's own (${Object.entries(ETCD_OWN_PORTS)
                    .map(([role, port]) => `${port} ${role}`)
                    .join(", ")}), e.g. 22381`,
            })
            .default(22381),
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
 * gofail's term grammar (etcd-io/gofail `doc/design.md`, "Gofail Term" → "Syntax"):
 * ```
 * Terms  = Term { "->" Term }
 * Term   = [ Mode ] Action [ Value ]
 * Mode   = float "%" | int "*"
 * Action = "off" | "return" | "sleep" | "panic" | "break" | "print"
 * Value  = "(" [ int | double_quoted_string | bool ] ")"
 * ```
 * plus a Go duration as a value (`sleep(10s)`, the same document's examples). Quoted strings are
 * limited to letters, digits, space and `._:/=+-` (no quote or backslash to escape).
 */
const GOFAIL_TERMS = (() => {
    const value = String.raw`\((?:(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+|-?[0-9]+|"[A-Za-z0-9 ._:/=+-]*"|true|false)?\)`;
    const term = String.raw`(?:[0-9]+(?:\.[0-9]+)?%|[0-9]+\*)?(?:off|return|sleep|panic|break|print)(?:${value})?`;
    return new RegExp(`^${term}(?:->${term})*$`);
})();

/** One failpoint's term: {@link GOFAIL_TERMS}, at most 256 characters. */
export const gofailTerm = z
    .string({ error: "expected a gofail term string" })
    .max(256, { error: "expected a gofail term of at most 256 characters" })
    .regex(GOFAIL_TERMS, {
        error: 'expected a gofail term: [N* or P%]off|return|sleep|panic|break|print[(int, "text", true/false or a duration)], chained with ->, e.g. sleep(100), 2*return("x")->off',
    });

/**
 * Failpoint terms per scenario, as gofail expects them ({@link gofailTerm}), keyed
 * by failpoint name. etcd 3.5 names: `walBeforeSync` (`server/wal/wal.go`), `beforeCommit`
 * (`server/mvcc/backend/batch_tx.go`), `defragBeforeCopy` (`server/mvcc/backend/backend.go`).
 */
const EtcdFailpoints = z.record(
    z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]*$/, { error: "expected a failpoint name such as walBeforeSync (a letter, then letters and digits)" }),
    gofailTerm,
);

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

/** Host ports the etcd lab publishes: each member's client URL. */
export const ETCD_HOST_PORTS: HostPortKey[] = [{ path: "etcd.clientHostPort", members: "etcd.members" }];

/**
 * Rules that span keys of the etcd lab: failpoints need a gofail build; the etcd benchmark
 * (etcd `tools/benchmark`) publishes no official image, so Kubernetes needs `load.image`.
 */
export function etcdCrossChecks(config: EtcdLabConfig): string[] {
    const problems: string[] = [];
    if (Object.keys(config.failpoints[config.scenario] ?? {}).length && !config.etcd.failpointImage) {
        problems.push(
            `etcd.failpointImage: scenario ${config.scenario} sets failpoints, which official etcd images do not have; name a gofail build (make gofail-enable), got nothing`,
        );
    }
    // The backend file lives on the data volume: a quota past the volume fills the disk before the NOSPACE alarm can fire.
    // Only Kubernetes sizes the volume (a PVC request); a Docker volume has no size of its own.
    const volumeBytes = config.etcd.storageGiB * 1024 ** 3;
    if (config.platform === "kubernetes" && config.etcd.quotaBackendBytes > volumeBytes) {
        problems.push(
            `etcd.quotaBackendBytes: the backend database lives on the member's ${config.etcd.storageGiB} GiB volume claim (etcd.storageGiB); expected at most ${volumeBytes}, got ${config.etcd.quotaBackendBytes}`,
        );
    }
    problems.push(...loadImageRequired(config, "etcd-benchmark"));
    problems.push(...etcdNetworkProblems(config));
    return problems;
}

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
