/**
 * etcd members as a platform-neutral member group.
 *
 * Ports 2379 (client), 2380 (peer), 2381 (metrics, `--listen-metrics-urls`); health from
 * `etcdctl endpoint health` because the official images are distroless (no shell, no curl).
 * Flags: etcd `server/etcdmain/help.go`. `--metrics=extensive` adds
 * `grpc_server_handling_seconds` (etcd `server/etcdmain/help.go`, `--metrics`). Image `gcr.io/etcd-development/etcd`
 * (amd64, arm64). Failpoints: a gofail build serves them over HTTP at `GOFAIL_HTTP`.
 */
import * as pulumi from "@pulumi/pulumi";
import { HealthProbe, Platform } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { etcdCompaction } from "./dashboards/etcd-compaction";
import { etcdDefrag } from "./dashboards/etcd-defrag";
import { etcdPeers } from "./dashboards/etcd-peers";
import { etcdPuts } from "./dashboards/etcd-puts";
import { etcdRanges } from "./dashboards/etcd-ranges";

/** etcd client port. */
export const ETCD_CLIENT_PORT = 2379;
/** etcd peer port. */
export const ETCD_PEER_PORT = 2380;
/** Dedicated metrics port (`--listen-metrics-urls`), so scrapes do not queue behind client traffic. */
export const ETCD_METRICS_PORT = 2381;

/** Arguments of {@link EtcdCluster}. */
export interface EtcdClusterArgs {
    platform: Platform;
    /** Members, 1, 3 or 5; all bootstrap together (`--initial-cluster-state=new`). */
    members: number;
    /** Pinned image reference (official or a failpoint build). */
    image: string;
    /** `--initial-cluster-token`: keeps two labs from cross-talking. */
    clusterToken: string;
    /** `--quota-backend-bytes`, bytes. */
    quotaBackendBytes: number;
    /** Docker: host port of member 0's client URL (member N: +N). */
    clientHostPort: number;
    storageGiB: number;
    /** When set, the image is a gofail build: `GOFAIL_HTTP=0.0.0.0:<port>` and the port is exposed. */
    failpointPort?: number;
}

/** The flags of one member; `host` is its advertise host, `hosts` every member's, in order. */
export function etcdMemberFlags(
    member: { name: string; host: string },
    hosts: string[],
    args: Pick<EtcdClusterArgs, "clusterToken" | "quotaBackendBytes">,
): string[] {
    return [
        `--name=${member.name}`,
        "--data-dir=/var/lib/etcd",
        `--listen-peer-urls=http://0.0.0.0:${ETCD_PEER_PORT}`,
        `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
        `--listen-metrics-urls=http://0.0.0.0:${ETCD_METRICS_PORT}`,
        `--initial-advertise-peer-urls=http://${member.host}:${ETCD_PEER_PORT}`,
        `--advertise-client-urls=http://${member.host}:${ETCD_CLIENT_PORT}`,
        `--initial-cluster=${hosts.map((h, i) => `etcd-${i}=http://${h}:${ETCD_PEER_PORT}`).join(",")}`,
        `--initial-cluster-token=${args.clusterToken}`,
        "--initial-cluster-state=new",
        "--metrics=extensive",
        `--quota-backend-bytes=${args.quotaBackendBytes}`,
    ];
}

/**
 * The members' readiness probe. Official images are distroless (no shell, curl or wget), so
 * the probe runs `etcdctl endpoint health`. A failpoint build must not run etcdctl: the
 * probe inherits the container's environment, and a gofail-linked etcdctl serves
 * `GOFAIL_HTTP` at start-up (etcd-io/gofail `runtime/runtime.go` `init`), finds the port held
 * by etcd and exits 1 (`bind: address already in use`). So with failpoints the probe is an
 * HTTP GET of `/health` on the metrics port, which `--listen-metrics-urls` serves
 * (etcd.io/docs/v3.5/op-guide/configuration/ "--listen-metrics-urls": "/metrics and /health");
 * Kubernetes runs it natively, Docker with the image's curl or wget.
 *
 * @param failpoints whether the image is a failpoint (gofail) build.
 */
export function etcdReadiness(failpoints: boolean): HealthProbe {
    return failpoints
        ? { http: { port: ETCD_METRICS_PORT, path: "/health" } }
        : { exec: ["/usr/local/bin/etcdctl", "endpoint", "health", `--endpoints=http://127.0.0.1:${ETCD_CLIENT_PORT}`] };
}

/** An etcd cluster (`clusterlab:index:EtcdCluster`). */
export class EtcdCluster extends pulumi.ComponentResource {
    /** In-lab client endpoints, e.g. `http://etcd-0:2379`. */
    public readonly endpoints: string[];
    /** Client URLs a user on the host uses with etcdctl. */
    public readonly userEndpoints: string[];
    /** Failpoint HTTP endpoints (gofail), when the image is a failpoint build. */
    public readonly failpointEndpoints: string[];
    /** Scrape job `etcd` on the metrics port. */
    public readonly scrapeJobs: ScrapeJob[];
    /** The dashboards that read this cluster's metrics. */
    public readonly dashboards: DashboardDefinition[] = [etcdPuts, etcdRanges, etcdPeers, etcdCompaction, etcdDefrag];
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: EtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:EtcdCluster", name, {}, opts);
        const { platform } = args;
        const hosts = Array.from({ length: args.members }, (_, i) => platform.memberHost("etcd", i));
        const group = platform.deployGroup(
            {
                name: "etcd",
                component: "etcd",
                replicas: args.members,
                image: platform.image(args.image),
                command: ["/usr/local/bin/etcd"],
                args: (m) => etcdMemberFlags(m, hosts, args),
                env: args.failpointPort ? { GOFAIL_HTTP: `0.0.0.0:${args.failpointPort}` } : undefined,
                ports: [
                    { name: "client", containerPort: ETCD_CLIENT_PORT, hostPortBase: args.clientHostPort },
                    { name: "peer", containerPort: ETCD_PEER_PORT },
                    { name: "metrics", containerPort: ETCD_METRICS_PORT },
                    ...(args.failpointPort ? [{ name: "failpoints", containerPort: args.failpointPort }] : []),
                ],
                data: { mountPath: "/var/lib/etcd", sizeGiB: args.storageGiB },
                readiness: etcdReadiness(args.failpointPort !== undefined),
                waitHealthy: true,
            },
            this,
        );
        this.endpoints = group.members.map((m) => `http://${m.host}:${ETCD_CLIENT_PORT}`);
        this.userEndpoints = group.members.map((m) => platform.memberUrl(m.name, ETCD_CLIENT_PORT, args.clientHostPort + m.ordinal));
        this.failpointEndpoints = args.failpointPort ? group.members.map((m) => `http://${m.host}:${args.failpointPort}`) : [];
        this.scrapeJobs = [{ job: "etcd", targets: group.members.map((m) => `${m.host}:${ETCD_METRICS_PORT}`) }];
        this.ready = group.ready;
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
