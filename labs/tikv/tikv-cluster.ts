/**
 * TiKV stores as a platform-neutral member group.
 *
 * Ports 20160 (gRPC) and 20180 (status: `/status`, `/metrics`) — tikv
 * `src/server/status_server/mod.rs`. Flags from tikv `cmd/tikv-server/src/main.rs`:
 * `--pd-endpoints --addr --advertise-addr --status-addr --advertise-status-addr --data-dir`.
 * Image `pingcap/tikv` (ENTRYPOINT `/tikv-server`), multi-arch since v6.5.
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { tikvOverview } from "./dashboards/tikv-overview";
import { ChainStep, chainMembers } from "../roll";
import { tikvLeaderHandoff } from "./leader-handoff";

/** TiKV gRPC port (`--addr`). */
export const TIKV_PORT = 20160;
/** TiKV status port (`--status-addr`): `/status`, `/metrics`. */
export const TIKV_STATUS_PORT = 20180;

/** Arguments of {@link TikvCluster}. */
export interface TikvClusterArgs {
    platform: Platform;
    /** Number of stores, 1..300. */
    stores: number;
    /** Pinned image reference, e.g. `pingcap/tikv:v8.5.1`. */
    image: string;
    /** PD `host:port` list (PdCluster.endpoints); stable across PD scale-out. */
    pdEndpoints: string;
    /** Docker: host port of store 0's status address (store N: +N). */
    statusHostPort: number;
    /** PVC size per store (Kubernetes), GiB. */
    storageGiB: number;
    /** TiKV `memory-usage-limit`, MiB; unset: TiKV's default (75% of the machine's memory). */
    memoryLimitMiB?: number;
    /** TiKV `storage.block-cache.capacity`, MiB; unset: TiKV's default (45% of the machine's memory). */
    blockCacheMiB?: number;
    /** Start only once these are healthy (PD). */
    dependsOn: pulumi.Resource[];
    /** Group name and member-name prefix; default `tikv` (members `tikv-0`, …; scrape job `<group>`). */
    group?: string;
    /**
     * A TiKV configuration file (TOML), written to {@link TIKV_CONFIG_PATH} and passed as
     * `--config` (tikv `cmd/tikv-server/src/main.rs`); omit for TiKV's defaults. Settings
     * with no flag, such as `storage.api-version`, live here.
     */
    configToml?: string;
    /**
     * A rolling restart to a new spec (Docker): each store is a group of one, replaced between the
     * tasks of labs/tikv/roll.ts `tikvRollSteps` (evict-leader first); `ready` is then the last task.
     */
    roll?: ChainStep[];
    /**
     * Kubernetes: each store hands its leaders off to the others before its pod stops, and its pod
     * is Ready only once its store is Up again with no evict-leader scheduler
     * (labs/tikv/leader-handoff.ts): a helper container in `image` (a PD image, pinned) runs
     * `pdCtl` (its path there) against `pdUrl` (a PD client URL that stays, `http://host:port`).
     */
    leaderHandoff?: { image: string; pdCtl: string; pdUrl: string };
}

/** Directory the TiKV container and its leader-handoff helper share (Kubernetes). */
export const TIKV_HANDOFF_DIR = "/etc/tikv-handoff";

/** Where {@link TikvClusterArgs.configToml} is written in the container. */
export const TIKV_CONFIG_PATH = "/etc/tikv/tikv.toml";

/** A set of TiKV stores (`clusterlab:index:TikvCluster`). */
export class TikvCluster extends pulumi.ComponentResource {
    /** Store addresses (`--advertise-addr`), e.g. `tikv-0:20160`. */
    public readonly storeAddresses: string[];
    /** Status URLs a user opens (`/status`). */
    public readonly userStatusUrls: string[];
    /** Scrape job `tikv` (`:20180/metrics`). */
    public readonly scrapeJobs: ScrapeJob[];
    /** The dashboards that read TiKV's metrics. */
    public readonly dashboards: DashboardDefinition[] = [tikvOverview];
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: TikvClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:TikvCluster", name, {}, opts);
        const config = tikvConfigFile(args);
        const h = args.leaderHandoff;
        const handoff = h
            ? tikvLeaderHandoff(args.platform.image(h.image), TIKV_PORT, { pdCtl: h.pdCtl, pdUrl: h.pdUrl, sharedPath: TIKV_HANDOFF_DIR })
            : undefined;
        if (handoff && args.roll)
            throw new Error("TikvCluster: stores roll either by tasks (Docker) or by their StatefulSet with a leader handoff, not both");
        const stores = (firstOrdinal: number, replicas: number, dependsOn: pulumi.Resource[]) =>
            args.platform.deployGroup(
                {
                    name: args.group ?? "tikv",
                    component: "tikv",
                    replicas,
                    firstOrdinal,
                    image: args.platform.image(args.image),
                    args: (m) => [
                        `--pd-endpoints=${args.pdEndpoints}`,
                        `--addr=0.0.0.0:${TIKV_PORT}`,
                        `--advertise-addr=${m.host}:${TIKV_PORT}`,
                        `--status-addr=0.0.0.0:${TIKV_STATUS_PORT}`,
                        `--advertise-status-addr=${m.host}:${TIKV_STATUS_PORT}`,
                        "--data-dir=/data",
                        ...(config ? [`--config=${config.path}`] : []),
                    ],
                    files: config ? [config] : undefined,
                    ports: [
                        { name: "grpc", containerPort: TIKV_PORT },
                        { name: "status", containerPort: TIKV_STATUS_PORT, hostPortBase: args.statusHostPort },
                    ],
                    data: { mountPath: "/data", sizeGiB: args.storageGiB },
                    readiness: { http: { port: TIKV_STATUS_PORT, path: "/status" } },
                    waitHealthy: true,
                    openFilesLimit: 1_048_576,
                    helper: handoff,
                    dependsOn,
                },
                this,
            );
        const group = args.roll
            ? chainMembers(args.platform, this, args.roll, args.dependsOn, (ordinal, dependsOn) => stores(ordinal, 1, dependsOn))
            : stores(0, args.stores, args.dependsOn);
        this.storeAddresses = group.members.map((m) => `${m.host}:${TIKV_PORT}`);
        this.userStatusUrls = group.members.map((m) =>
            args.platform.memberUrl(m.name, TIKV_STATUS_PORT, args.statusHostPort + m.ordinal, "/status"),
        );
        this.scrapeJobs = [{ job: args.group ?? "tikv", targets: group.members.map((m) => `${m.host}:${TIKV_STATUS_PORT}`) }];
        this.ready = group.ready;
        this.registerOutputs({ storeAddresses: this.storeAddresses });
    }
}

/**
 * The TiKV config file (TOML) at {@link TIKV_CONFIG_PATH}: the memory limits, then the caller's
 * `configToml`; undefined when there is neither (so a stack that sets none renders exactly as
 * before). Keys from the TiKV config reference (docs.pingcap.com/tidb/stable/tikv-configuration-file):
 * top-level `memory-usage-limit` (first: top-level keys must precede every table), and
 * `[storage.block-cache] capacity` (last: a table header claims the keys after it); sizes as
 * TiKV's `ReadableSize` reads them (`"2048MB"`, binary units: tikv `components/tikv_util/src/config.rs`).
 */
export function tikvConfigFile(
    args: Pick<TikvClusterArgs, "memoryLimitMiB" | "blockCacheMiB" | "configToml">,
): { path: string; content: string } | undefined {
    const parts = [
        ...(args.memoryLimitMiB ? [`memory-usage-limit = "${args.memoryLimitMiB}MB"\n`] : []),
        ...(args.configToml !== undefined ? [args.configToml.endsWith("\n") ? args.configToml : `${args.configToml}\n`] : []),
        ...(args.blockCacheMiB ? [`[storage.block-cache]\ncapacity = "${args.blockCacheMiB}MB"\n`] : []),
    ];
    return parts.length ? { path: TIKV_CONFIG_PATH, content: parts.join("") } : undefined;
}
