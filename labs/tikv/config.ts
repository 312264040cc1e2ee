/**
 * The TiKV lab's config: PD, TiKV stores, go-ycsb; its cross-key checks and host ports.
 * Keys live in the `clusterlab:` namespace (`clusterlab:pd: { members: 5 }`); components/config
 * composes this schema with the other labs' into the stack config.
 */
import { z } from "zod";
import { common } from "../../components/config/common";
import { loadImageRequired } from "../../components/config/checks";
import { HostPortKey } from "../../components/config/ports";
import { hostPort, intIn, pinnedImage, pinnedTag, volumeGiB } from "../../components/config/primitives";

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
    // bootstrapMembers ≤ members is checked in tikvCrossChecks, which knows which of the two the user set.
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
export const YcsbSettings = z
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

/** Host ports the TiKV lab publishes (see components/config/ports.ts): PD clients and TiKV status, one per member. */
export const TIKV_HOST_PORTS: HostPortKey[] = [
    { path: "pd.clientHostPort", members: "pd.members" },
    { path: "tikv.statusHostPort", members: "tikv.stores" },
];

/**
 * Rules that span keys of the TiKV lab; `userSet` tells which keys the user wrote, so a message
 * names the key the user set. Kubernetes cannot run a locally built image, and go-ycsb publishes
 * no official one (pingcap/go-ycsb README: build from source).
 */
export function tikvCrossChecks(config: TikvLabConfig, userSet: (path: string) => boolean): string[] {
    const problems: string[] = [];
    if (config.pd.bootstrapMembers > config.pd.members) {
        const { members, bootstrapMembers } = config.pd;
        problems.push(
            userSet("pd.bootstrapMembers")
                ? `pd.bootstrapMembers: expected at most pd.members (${members}), got ${bootstrapMembers}`
                : `pd.members: expected at least pd.bootstrapMembers (${bootstrapMembers}, its default); set pd.bootstrapMembers to ${members} or less as well, got ${members}`,
        );
    }
    if (config.tikv.blockCacheMiB && config.tikv.memoryLimitMiB && config.tikv.blockCacheMiB >= config.tikv.memoryLimitMiB) {
        problems.push(
            `tikv.blockCacheMiB: expected less than tikv.memoryLimitMiB (${config.tikv.memoryLimitMiB}): the block cache lives inside TiKV's memory limit, got ${config.tikv.blockCacheMiB}`,
        );
    }
    problems.push(...loadImageRequired(config, "go-ycsb"));
    return problems;
}
