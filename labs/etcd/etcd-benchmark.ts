/**
 * The etcd benchmark (etcd `tools/benchmark`, v3.5.17) per scenario. Flags: `--endpoints --conns
 * --clients`; `put --key-size --val-size --total --rate --sequential-keys --key-space-size
 * --compact-interval --compact-index-delta` (`tools/benchmark/cmd/put.go`); `range KEY [END]
 * --consistency=l|s --total --rate` (`tools/benchmark/cmd/range.go`).
 * No official image: `docker/etcd-benchmark/Dockerfile` builds one.
 *
 * Key encoding (`put.go`): with `--sequential-keys` put number n writes key
 * `binary.PutVarint(k, n % keySpaceSize)` into one `--key-size` buffer, zero at start and reused
 * by every put. A zigzag varint of i < 64 is the single byte 2i, so key 24 starts with `"0"`
 * (0x30) and keys 0..15 all start below 0x20. A short varint leaves the tail of the previous
 * longer one in the buffer, so after the first pass over a key space above 64 key 24 is
 * `"0"` + a leftover byte: the range `["0", "1")` holds one or two keys, all written by puts.
 */
import { EtcdLabConfig, EtcdScenario } from "./config";
import { LoadPlan } from "../../components/load-gen";
import { imageSource } from "../../components/images";

type Bench = EtcdLabConfig["load"];

/** Value size (bytes) the db-size-limit scenario writes: large values fill the quota fast. */
export const DB_SIZE_LIMIT_VALUE_BYTES = 64 * 1024;

/**
 * Keys the db-size-limit fill overwrites (`--key-space-size`): keys 0..15, whose first byte is
 * below 0x20, so {@link FILL_KEY_RANGE} deletes them (with the same-numbered keys other runs
 * wrote, and nothing else the benchmark writes). The fill is 16 live values (1 MiB) plus
 * superseded revisions, which a compaction reclaims.
 */
export const DB_SIZE_LIMIT_KEYS = 16;

/** The key range `[key, end)` holding the db-size-limit fill keys (bytes 0x00..0x1f first). */
export const FILL_KEY_RANGE = { key: "\x00", end: "\x20" };

/**
 * What the range benchmark reads: `[key, end)` = `["0", "1")`, key 24 of the put key space
 * (first byte 2·24 = 0x30; one or two keys, see above), which every put run with ≥ 25 puts
 * writes. Printable, so it passes through a shell unchanged. Config requires
 * `load.keySpaceSize` ≥ 64.
 */
export const RANGE_KEYS = { key: "0", end: "1" };

interface PutShape {
    valueSize: number;
    total: number;
    keySpace: number;
    extra: string[];
}

/** `--compact-interval/--compact-index-delta`: the benchmark compacts to (current revision − delta) every interval. */
function compactionFlags(b: Bench): string[] {
    return [`--compact-interval=${b.compactionInterval}`, `--compact-index-delta=${b.compactionDelta}`];
}

/** How each scenario shapes the `put` run. */
const PUT_SHAPE: Record<EtcdScenario, (b: Bench, quotaBytes: number) => PutShape> = {
    baseline: (b) => ({ valueSize: b.valueSize, total: b.total, keySpace: b.keySpaceSize, extra: [] }),
    "fsync-delay": (b) => ({ valueSize: b.valueSize, total: b.total, keySpace: b.keySpaceSize, extra: [] }),
    // Overwrites; the scenario's defrag step compacts them away (fragmentation) and defrags under this load.
    "defrag-delay": (b) => ({ valueSize: b.valueSize, total: b.total, keySpace: b.keySpaceSize, extra: [] }),
    // A bounded key space: each key is overwritten total/keySpace times, so compaction reclaims revisions.
    compaction: (b) => ({ valueSize: b.valueSize, total: b.total, keySpace: b.keySpaceSize, extra: compactionFlags(b) }),
    // Write 1.5× the quota in large values over 16 keys and never compact, so the NOSPACE alarm fires.
    "db-size-limit": (_b, quota) => ({
        valueSize: DB_SIZE_LIMIT_VALUE_BYTES,
        total: Math.ceil((quota * 1.5) / DB_SIZE_LIMIT_VALUE_BYTES),
        keySpace: DB_SIZE_LIMIT_KEYS,
        extra: [],
    }),
};

/**
 * The benchmark command lines (put, then range) for a scenario.
 * @param quotaBytes `--quota-backend-bytes` of the members (bytes), for the db-size-limit fill.
 */
export function etcdBenchmarkCommands(bench: Bench, scenario: EtcdScenario, endpoints: string[], quotaBytes: number): string[] {
    const shape = PUT_SHAPE[scenario](bench, quotaBytes);
    const common = [`--endpoints=${endpoints.join(",")}`, `--conns=${bench.conns}`, `--clients=${bench.clients}`].join(" ");
    return [
        [
            `benchmark ${common} put`,
            `--key-size=${bench.keySize}`,
            `--val-size=${shape.valueSize}`,
            `--total=${shape.total}`,
            `--rate=${bench.rate}`,
            "--sequential-keys",
            `--key-space-size=${shape.keySpace}`,
            ...shape.extra,
        ].join(" "),
        `benchmark ${common} range ${RANGE_KEYS.key} ${RANGE_KEYS.end} --consistency=${bench.consistency} --total=${bench.total} --rate=${bench.rate}`,
    ];
}

/** The benchmark load plan: put then range, once per scenario (the name carries it). */
export function etcdBenchmarkPlan(config: EtcdLabConfig, endpoints: string[]): LoadPlan {
    const { load } = config;
    const commands = etcdBenchmarkCommands(config.load, config.scenario, endpoints, config.etcd.quotaBackendBytes);
    return {
        name: `etcd-benchmark-${config.scenario}`,
        mode: "once",
        image: imageSource(load.image, {
            name: "etcd-benchmark",
            context: "docker/etcd-benchmark",
            tag: load.etcdRef,
            buildArgs: { ETCD_REF: load.etcdRef },
        }),
        command: ["/bin/sh", "-c"],
        // The range run goes on even if the put run hit the quota (db-size-limit).
        args: [commands.join(" ; ")],
    };
}
