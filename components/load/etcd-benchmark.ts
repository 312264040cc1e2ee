/**
 * The etcd benchmark (etcd `tools/benchmark`) per scenario. Flags: `--endpoints --conns
 * --clients`; `put --key-size --val-size --total --rate --sequential-keys --key-space-size
 * --compact-interval --compact-index-delta` (the last two: etcd `tools/benchmark/cmd/put.go`); `range KEY --consistency=l|s --total --rate`.
 * No official image: `docker/etcd-benchmark/Dockerfile` builds one.
 */
import { EtcdLabConfig, EtcdScenario } from "../config";
import { LoadPlan } from "../load-gen";

type Bench = EtcdLabConfig["load"];

/** Value size (bytes) the db-size-limit scenario writes: large values fill the quota fast. */
export const DB_SIZE_LIMIT_VALUE_BYTES = 64 * 1024;

/** How each scenario shapes the `put` run: extra flags, and value size/total overrides. */
const PUT_SHAPE: Record<EtcdScenario, (b: Bench, quotaBytes: number) => { valueSize: number; total: number; extra: string[] }> = {
    baseline: (b) => ({ valueSize: b.valueSize, total: b.total, extra: [] }),
    "fsync-delay": (b) => ({ valueSize: b.valueSize, total: b.total, extra: [] }),
    "defrag-delay": (b) => ({ valueSize: b.valueSize, total: b.total, extra: [] }),
    compaction: (b) => ({
        valueSize: b.valueSize,
        total: b.total,
        extra: [`--compact-interval=${b.compactionInterval}`, `--compact-index-delta=${b.compactionDelta}`],
    }),
    // Write 1.5× the quota in large values, so the NOSPACE alarm fires.
    "db-size-limit": (_b, quota) => ({
        valueSize: DB_SIZE_LIMIT_VALUE_BYTES,
        total: Math.ceil((quota * 1.5) / DB_SIZE_LIMIT_VALUE_BYTES),
        extra: [],
    }),
};

/** The benchmark command lines (put, then range) for a scenario. */
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
            `--key-space-size=${shape.total}`,
            ...shape.extra,
        ].join(" "),
        `benchmark ${common} range key --consistency=${bench.consistency} --total=${bench.total} --rate=${bench.rate}`,
    ];
}

/** The benchmark load plan: put then range, once per scenario (the name carries it). */
export function etcdBenchmarkPlan(config: EtcdLabConfig, endpoints: string[]): LoadPlan {
    const { load } = config;
    const commands = etcdBenchmarkCommands(config.load, config.scenario, endpoints, config.etcd.quotaBackendBytes);
    return {
        name: `etcd-benchmark-${config.scenario}`,
        mode: "once",
        image: load.image
            ? { ref: load.image }
            : {
                  build: {
                      name: "etcd-benchmark",
                      context: "docker/etcd-benchmark",
                      tag: load.etcdRef,
                      buildArgs: { ETCD_REF: load.etcdRef },
                  },
              },
        command: ["/bin/sh", "-c"],
        // The range run goes on even if the put run hit the quota (db-size-limit).
        args: [commands.join(" ; ")],
    };
}
