/**
 * go-ycsb against TiKV: `load` then `run`, raw or transactional.
 * Flags: `go-ycsb load|run tikv -P workloads/<w> -p tikv.pd=<host:port,…> -p tikv.type=raw|txn
 * --threads N --target OPS` (pingcap/go-ycsb `README.md`, `db/tikv/db.go`; `tikv.pd` has no scheme).
 * No official image exists: `docker/go-ycsb/Dockerfile` builds one for amd64 and arm64.
 */
import { TikvLabConfig } from "./config";
import { LoadPlan } from "../../components/load-gen";
import { tikvLoad } from "./dashboards/tikv-load";
import { imageSource } from "../../components/images";

/** Options of a go-ycsb run beyond the `load` settings. */
export interface GoYcsbOptions {
    /**
     * `tikv.apiversion`: the API version of the TiKV cluster (`V1` default; `V2` for clusters with
     * `storage.api-version = 2`, as TiKV-CDC needs). pingcap/go-ycsb `README.md`, `db/tikv/db.go`.
     */
    apiVersion?: "V1" | "V2";
}

/** The `go-ycsb` command lines (load, then run) for a config. */
export function goYcsbCommands(load: TikvLabConfig["load"], pdEndpoints: string, options: GoYcsbOptions = {}): string[] {
    const common = [
        "tikv",
        `-P /workloads/${load.workload}`,
        `-p tikv.pd=${pdEndpoints}`,
        `-p tikv.type=${load.mode}`,
        ...(options.apiVersion ? [`-p tikv.apiversion=${options.apiVersion}`] : []),
        `-p recordcount=${load.recordCount}`,
        `--threads ${load.threads}`,
    ].join(" ");
    return [
        `go-ycsb load ${common}`,
        `go-ycsb run ${common} -p operationcount=${load.operationCount}${load.targetOpsPerSecond ? ` --target ${load.targetOpsPerSecond}` : ""}`,
    ];
}

/**
 * The go-ycsb load plan: one shell that loads then runs.
 * Image: `load.image` when configured, else built from `docker/go-ycsb`.
 */
export function goYcsbPlan(load: TikvLabConfig["load"], pdEndpoints: string, options: GoYcsbOptions = {}): LoadPlan {
    return {
        name: `go-ycsb-${load.mode}`,
        mode: "once",
        image: imageSource(load.image, { name: "go-ycsb", context: "docker/go-ycsb", tag: load.goYcsbRef, buildArgs: { GO_YCSB_REF: load.goYcsbRef } }),
        command: ["/bin/sh", "-c"],
        args: [goYcsbCommands(load, pdEndpoints, options).join(" && ")],
        dashboards: [tikvLoad],
    };
}
