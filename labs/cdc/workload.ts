/**
 * The correctness workload's command lines (`docker/rawkv-workload`: `rawkv-workload put|check`,
 * on tikv/client-go v2 `rawkv` with API v2), one per case step, and its image.
 */
import { CdcLabConfig } from "./config";
import { ImageBuildSpec } from "../../components/platform";

/** Port of the checker's `/metrics` while it runs. */
export const CHECKER_METRICS_PORT = 9105;

/** The image build of `docker/rawkv-workload` (used when `workload.image` is not set). */
export const RAWKV_WORKLOAD_BUILD: ImageBuildSpec = { name: "rawkv-workload", context: "docker/rawkv-workload", tag: "0.1.0" };

/** Where the workload and checker find both clusters and TiKV-CDC. */
export interface WorkloadTargets {
    /** Main cluster PD `host:port` list. */
    mainPd: string;
    /** Recovery cluster PD `host:port` list. */
    recoveryPd: string;
    /** TiKV-CDC HTTP API, e.g. `http://tikv-cdc-0:8600`. */
    cdcApi: string;
    changefeedId: string;
}

/** The flags every invocation shares: which keys, which values. */
function planFlags(w: CdcLabConfig["workload"], prefix: string): string[] {
    return [`--prefix=${prefix}`, `--threads=${w.threads}`, `--keys=${w.keys}`, `--base=${w.base}`];
}

/** `rawkv-workload put` for round 1 (writes v) or 2 (writes v+1) against the main cluster. */
export function putArgs(w: CdcLabConfig["workload"], prefix: string, t: WorkloadTargets, round: 1 | 2): string[] {
    return ["put", `--pd=${t.mainPd}`, ...planFlags(w, prefix), `--round=${round}`];
}

/**
 * `rawkv-workload check`: waits for the changefeed checkpoint to pass a TSO taken after the
 * writes, then reads every key on the recovery cluster; exits 1 listing the first mismatches.
 */
export function checkArgs(w: CdcLabConfig["workload"], prefix: string, t: WorkloadTargets): string[] {
    return [
        "check",
        `--pd=${t.mainPd}`,
        `--recovery-pd=${t.recoveryPd}`,
        ...planFlags(w, prefix),
        `--cdc=${t.cdcApi}`,
        `--changefeed=${t.changefeedId}`,
        `--timeout=${w.checkTimeoutSeconds}s`,
        `--metrics-addr=:${CHECKER_METRICS_PORT}`,
    ];
}
