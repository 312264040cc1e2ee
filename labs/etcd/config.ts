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
    problems.push(...loadImageRequired(config, "etcd-benchmark"));
    return problems;
}
