/**
 * PD (the TiKV placement driver) as a platform-neutral member group.
 *
 * Ports 2379 (client/HTTP, also `/metrics`) and 2380 (peer); health `/pd/api/v1/health`
 * (tikv/pd `server/api/router.go`). Flags from tikv/pd `cmd/pd-server/main.go`: bootstrap
 * members start with `--initial-cluster`, scale-out members with `--join` (never both;
 * `server/join/join.go`). Image `pingcap/pd` (ENTRYPOINT `/pd-server`), multi-arch since v6.5.
 */
import * as pulumi from "@pulumi/pulumi";
import { DeployedGroup, MemberIdentity, Platform } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { pdOverview } from "./dashboards/pd-overview";
import { ChainStep, chainMembers } from "../roll";

/** PD client port (HTTP API, gRPC, `/metrics`). */
export const PD_CLIENT_PORT = 2379;
/** PD peer port (etcd raft between members). */
export const PD_PEER_PORT = 2380;

/** Arguments of {@link PdCluster}. */
export interface PdClusterArgs {
    platform: Platform;
    /** Total members, 1..9. Members past `bootstrapMembers` join. */
    members: number;
    /** Members that form the initial cluster; changing this later would replace members. */
    bootstrapMembers: number;
    /** Pinned image reference, e.g. `pingcap/pd:v8.5.1`. */
    image: string;
    /** Docker: host port of member 0's client URL (member N: +N). */
    clientHostPort: number;
    /**
     * Group name and member-name prefix; default `pd` (members `pd-0`, …; scale-out group
     * `<group>-join`; scrape job `<group>`). A lab with two PD clusters names them apart
     * (`main-pd`, `recovery-pd`). Changing it on a live stack replaces every member.
     */
    group?: string;
    /** Every member waits for these (a PD scale-in's member deletes: labs/tikv/scale-in.ts). */
    dependsOn?: pulumi.Resource[];
    /**
     * A rolling restart to a new spec (Docker: the platform would replace every member at once):
     * each member is a group of one, replaced between the tasks of labs/tikv/roll.ts `pdRollSteps`
     * (labs/roll.ts); `ready` is then the last task.
     */
    roll?: ChainStep[];
}

/**
 * The name of PD member `ordinal` (its `--name`, pod or container name): `<group>-<ordinal>` for
 * a bootstrap member, `<group>-join-<ordinal>` for a scale-out member, whose group is
 * `<group>-join` ({@link PdCluster}).
 */
export function pdMemberName(ordinal: number, bootstrapMembers: number, group = "pd"): string {
    return `${ordinal < bootstrapMembers ? group : `${group}-join`}-${ordinal}`;
}

/**
 * A PD cluster (`clusterlab:index:PdCluster`): group `pd` of bootstrap members, group
 * `pd-join` of scale-out members. The spec of an existing member never depends on
 * `members`, so a scale-out only adds.
 */
export class PdCluster extends pulumi.ComponentResource {
    /** In-lab client URLs of every member, e.g. `http://pd-0:2379`. */
    public readonly clientUrls: string[];
    /** `host:port` list of the bootstrap members, as TiKV `--pd-endpoints` and go-ycsb `tikv.pd` take it (stable across scale-out). */
    public readonly endpoints: string;
    /** Client URLs a user on the host opens (Docker: `http://127.0.0.1:2379`, …). */
    public readonly userClientUrls: string[];
    /** Scrape job `pd` (`:2379/metrics`). */
    public readonly scrapeJobs: ScrapeJob[];
    /** The dashboards that read PD's metrics. */
    public readonly dashboards: DashboardDefinition[] = [pdOverview];
    /** Resources TiKV must wait on (PD healthy; after a roll, its last task). */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: PdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:PdCluster", name, {}, opts);
        const { platform } = args;
        const group = args.group ?? "pd";
        const bootstrapHosts = Array.from({ length: args.bootstrapMembers }, (_, i) => platform.memberHost(group, i));
        const initialCluster = bootstrapHosts.map((host, i) => `${group}-${i}=http://${host}:${PD_PEER_PORT}`).join(",");
        const joinUrls = bootstrapHosts.map((host) => `http://${host}:${PD_CLIENT_PORT}`).join(",");
        const common = {
            component: "pd",
            image: platform.image(args.image),
            ports: [
                { name: "client", containerPort: PD_CLIENT_PORT, hostPortBase: args.clientHostPort },
                { name: "peer", containerPort: PD_PEER_PORT },
            ],
            data: { mountPath: "/data", sizeGiB: 5 },
            readiness: { http: { port: PD_CLIENT_PORT, path: "/pd/api/v1/health" } },
            waitHealthy: true,
        };
        const memberFlags = (m: { name: string; host: string }) => [
            `--name=${m.name}`,
            "--data-dir=/data",
            `--client-urls=http://0.0.0.0:${PD_CLIENT_PORT}`,
            `--advertise-client-urls=http://${m.host}:${PD_CLIENT_PORT}`,
            `--peer-urls=http://0.0.0.0:${PD_PEER_PORT}`,
            `--advertise-peer-urls=http://${m.host}:${PD_PEER_PORT}`,
        ];
        // Bootstrap members start with --initial-cluster, scale-out members (group `<group>-join`) with --join.
        const groupOf = (ordinal: number, replicas: number, dependsOn?: pulumi.Resource[]) =>
            platform.deployGroup(
                {
                    ...common,
                    ...(ordinal < args.bootstrapMembers
                        ? { name: group, args: (m: MemberIdentity) => [...memberFlags(m), `--initial-cluster=${initialCluster}`] }
                        : { name: `${group}-join`, args: (m: MemberIdentity) => [...memberFlags(m), `--join=${joinUrls}`] }),
                    replicas,
                    firstOrdinal: ordinal,
                    dependsOn,
                },
                this,
            );
        let all: DeployedGroup["members"];
        if (args.roll) {
            const rolled = chainMembers(platform, this, args.roll, args.dependsOn ?? [], (ordinal, dependsOn) =>
                groupOf(ordinal, 1, dependsOn),
            );
            all = rolled.members;
            this.ready = rolled.ready;
        } else {
            const bootstrap = groupOf(0, args.bootstrapMembers, args.dependsOn);
            const scaleOut = args.members - args.bootstrapMembers;
            const joined =
                scaleOut > 0
                    ? groupOf(args.bootstrapMembers, scaleOut, [...bootstrap.ready, ...(args.dependsOn ?? [])])
                    : { members: [], ready: [] };
            all = [...bootstrap.members, ...joined.members];
            this.ready = [...bootstrap.ready, ...joined.ready];
        }
        this.clientUrls = all.map((m) => `http://${m.host}:${PD_CLIENT_PORT}`);
        this.endpoints = bootstrapHosts.map((h) => `${h}:${PD_CLIENT_PORT}`).join(",");
        this.userClientUrls = all.map((m) => platform.memberUrl(m.name, PD_CLIENT_PORT, args.clientHostPort + m.ordinal));
        this.scrapeJobs = [{ job: group, targets: all.map((m) => `${m.host}:${PD_CLIENT_PORT}`) }];
        this.registerOutputs({ clientUrls: this.clientUrls, endpoints: this.endpoints });
    }
}
