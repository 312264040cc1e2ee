/**
 * A raft-style service from the user's own image (`clusterlab:index:AppCluster`), laid out the
 * way such teams hand-write docker-compose files: node 1 bootstraps a new cluster, nodes 2..N
 * join it through node 1's HTTP API (`JOIN_ADDR`), each node has an API, a KV and a raft port
 * on fixed host ports, and a data volume of its own.
 *
 * Each node is its own member group of one (ordinal 0), named `<name>-<i>`: the env contract
 * differs per node (`NODE_ID`, `JOIN_ADDR` empty only on node 1), and a group's env is one
 * template on Kubernetes. So a node's spec never depends on how many nodes there are, and
 * scale-out only adds groups: no existing member is rewritten.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppClusterLabConfig } from "./config";
import { Platform } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";

type App = AppClusterLabConfig["app"];

/** Arguments of {@link AppCluster}. */
export interface AppClusterArgs {
    platform: Platform;
    /** The validated `app` block of the stack config (image, nodes, env names, ports, paths, stopped). */
    app: App;
    /** Group name prefix: node i is `<name>-<i>`. Default `app`. */
    name?: string;
}

/** One node's published addresses. */
export interface AppNode {
    /** 1-based node ordinal (`NODE_ID`). */
    id: number;
    /** `NODE_NAME`, the member group's name, e.g. `app-2`. */
    name: string;
    /** How other nodes reach it, e.g. `app-2-0` on Docker. */
    host: string;
    /** HTTP API from the host, e.g. `http://127.0.0.1:8082`. */
    apiUrl: string;
    /** KV API from the host, e.g. `http://127.0.0.1:9082`. */
    kvUrl: string;
    /** Whether the node is stopped by `app.stopped` (the fault drill). */
    stopped: boolean;
}

/**
 * The environment of node `id`: the contract names come from config, the values from the
 * node's place in the cluster. `JOIN_ADDR` is empty for node 1 (it bootstraps) and node 1's
 * API address for every other node.
 */
export function appNodeEnv(app: App, id: number, name: string, host: string, joinAddress: string): Record<string, string> {
    return {
        ...app.extraEnv,
        [app.env.nodeId]: String(id),
        [app.env.nodeName]: name,
        [app.env.httpAddr]: `${host}:${app.ports.api.containerPort}`,
        [app.env.raftAddr]: `${host}:${app.ports.raft.containerPort}`,
        [app.env.joinAddr]: id === 1 ? "" : joinAddress,
        [app.env.dataDir]: app.dataDir,
    };
}

function nodeName(prefix: string, id: number): string {
    return `${prefix}-${id}`;
}

/** N nodes of the user's image (`clusterlab:index:AppCluster`). */
export class AppCluster extends pulumi.ComponentResource {
    public readonly nodes: AppNode[];
    /** The address joiners use (`JOIN_ADDR`): node 1's API, e.g. `app-1-0:8080`. */
    public readonly joinAddress: string;
    /** Scrape job `app` over every node's metrics path, when `metricsPath` is set. */
    public readonly scrapeJobs: ScrapeJob[];
    /** Node containers/StatefulSets dependents wait for. */
    public readonly ready: pulumi.Resource[] = [];

    constructor(name: string, args: AppClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:AppCluster", name, {}, opts);
        const { platform, app } = args;
        const prefix = args.name ?? "app";
        const hostOf = (id: number) => platform.memberHost(nodeName(prefix, id), 0);
        this.joinAddress = `${hostOf(1)}:${app.ports.api.containerPort}`;
        const stopped = new Set(app.stopped);
        const image = platform.image(app.image);
        this.nodes = [];
        for (let id = 1; id <= app.nodes; id++) {
            const group = nodeName(prefix, id);
            const host = hostOf(id);
            const deployed = platform.deployGroup(
                {
                    name: group,
                    component: "app",
                    replicas: 1,
                    image,
                    args: () => [],
                    env: appNodeEnv(app, id, group, host, this.joinAddress),
                    // Node i publishes base + i: a one-member group's ordinal is 0, so the base moves by i.
                    ports: [
                        { name: "api", containerPort: app.ports.api.containerPort, hostPortBase: app.ports.api.hostPortBase + id },
                        { name: "kv", containerPort: app.ports.kv.containerPort, hostPortBase: app.ports.kv.hostPortBase + id },
                        { name: "raft", containerPort: app.ports.raft.containerPort, hostPortBase: app.ports.raft.hostPortBase + id },
                    ],
                    data: { mountPath: app.dataDir, sizeGiB: app.storageGiB },
                    readiness: { http: { port: app.ports.api.containerPort, path: app.healthPath } },
                    // Joiners start once the bootstrap node answers its health path.
                    waitHealthy: id === 1,
                    dependsOn: id === 1 ? undefined : this.ready.slice(0, 1),
                    stopped: stopped.has(id),
                },
                this,
            );
            this.ready.push(...deployed.ready);
            this.nodes.push({
                id,
                name: group,
                host,
                apiUrl: platform.memberUrl(deployed.members[0].name, app.ports.api.containerPort, app.ports.api.hostPortBase + id),
                kvUrl: platform.memberUrl(deployed.members[0].name, app.ports.kv.containerPort, app.ports.kv.hostPortBase + id),
                stopped: stopped.has(id),
            });
        }
        this.scrapeJobs = app.metricsPath
            ? [{ job: "app", targets: this.nodes.map((n) => `${n.host}:${app.ports.api.containerPort}`), metricsPath: app.metricsPath }]
            : [];
        this.registerOutputs({ joinAddress: this.joinAddress, nodes: this.nodes });
    }
}
