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
import { DeployedGroup, HealthProbe, MemberGroupSpec, MemberIdentity, Platform } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { etcdCompaction } from "./dashboards/etcd-compaction";
import { etcdDefrag } from "./dashboards/etcd-defrag";
import { etcdPeers } from "./dashboards/etcd-peers";
import { etcdPuts } from "./dashboards/etcd-puts";
import { etcdRanges } from "./dashboards/etcd-ranges";
import { EtcdMembership, bootstrapMembersPresent, etcdMembership, joiningOrdinals, memberDataDir } from "./joins";
import { etcdJoinCluster, etcdJoinFlags, etcdMemberName } from "./membership";
import { ETCD_MAX_MEMBERS, etcdPromoteScript, etcdSelfJoinState, etcdStartScript } from "./self-join";
import { etcdGrowSteps, etcdRollSteps, etcdShrinkTask, etcdStepTarget, etcdStepsBuild } from "./membership-tasks";
import { imageSource, resolveImage } from "../../components/images";
import { ChainStep, chainMembers } from "../roll";

/** etcd client port. */
export const ETCD_CLIENT_PORT = 2379;
/** etcd peer port. */
export const ETCD_PEER_PORT = 2380;
/** Dedicated metrics port (`--listen-metrics-urls`), so scrapes do not queue behind client traffic. */
export const ETCD_METRICS_PORT = 2381;

/** Arguments of {@link EtcdCluster}. */
export interface EtcdClusterArgs {
    platform: Platform;
    /** Members, 1, 3 or 5: the bootstrap members (`--initial-cluster-state=new`) and those that joined later ({@link EtcdClusterArgs.membership}). */
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
    /**
     * The peer host each member advertises, by ordinal (its peer proxy's: labs/etcd/peer-proxy.ts),
     * for every ordinal a flag or a membership step names (those leaving too); default the member's
     * own host. Changing it changes every member's flags.
     */
    advertisedPeerHosts?: string[];
    /**
     * Who bootstrapped and who joined (labs/etcd/joins.ts); default: every member bootstraps.
     * Joiners start with `--initial-cluster-state=existing`, after a learner-add task.
     */
    membership?: EtcdMembership;
    /**
     * Pinned image with a POSIX shell and `/usr/local/bin/etcdctl` for the membership tasks; when
     * unset, docker/etcd-steps is built on the platform (Docker only) from `image`'s etcdctl.
     */
    stepsImage?: string;
    /**
     * A rolling restart to a new member spec (Docker: the platform would replace every member at
     * once): members are replaced one at a time, highest ordinal first, between the tasks of
     * labs/etcd/membership-tasks.ts `etcdRollSteps`. `revision` names the new spec; `versions` makes
     * each task wait until the replaced member reports `to`.
     */
    roll?: { revision: string; versions?: { from: string; to: string } };
    /**
     * Kubernetes: members join and leave by themselves (labs/etcd/self-join.ts): one pod template
     * for every count, a start helper in `stepsImage` that writes each member's config file and
     * promotes a learner, and a scale-in task that runs before the StatefulSet shrinks. Needs
     * `stepsImage`; a roll is then the StatefulSet's own.
     */
    selfJoin?: boolean;
}

/** The scratch directory a self-joining member shares with its start helper (labs/etcd/self-join.ts). */
const ETCD_START_DIR = "/etc/etcd-start";
/** Where a self-joining member's config file is written and read. */
export const ETCD_START_CONFIG = `${ETCD_START_DIR}/etcd.conf.yml`;
/** The file the promote container creates once its member votes (its readiness). */
export const ETCD_VOTING_FILE = `${ETCD_START_DIR}/voting`;
/** Where the self-join scripts read the membership state (the `etcd-start-state` ConfigMap). */
export const ETCD_START_STATE = "/etc/etcd-membership";

/**
 * The flags of one member; `host` is its advertise host, `hosts` every member's peer host
 * (its proxy's when there are peer proxies), in order.
 */
export function etcdMemberFlags(
    member: { name: string; host: string },
    hosts: string[],
    args: Pick<EtcdClusterArgs, "clusterToken" | "quotaBackendBytes">,
): string[] {
    const ordinal = Number(/(\d+)$/.exec(member.name)?.[1] ?? 0);
    const peerHost = hosts[ordinal] ?? member.host;
    return [
        `--name=${member.name}`,
        "--data-dir=/var/lib/etcd",
        `--listen-peer-urls=http://0.0.0.0:${ETCD_PEER_PORT}`,
        `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
        `--listen-metrics-urls=http://0.0.0.0:${ETCD_METRICS_PORT}`,
        `--initial-advertise-peer-urls=http://${peerHost}:${ETCD_PEER_PORT}`,
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

/**
 * An etcd cluster (`clusterlab:index:EtcdCluster`): the bootstrap members as one group, each
 * joiner as a group of one started between its learner-add and promote tasks, and on a scale-in
 * the removal task. With `selfJoin` (Kubernetes), one group whose members join by themselves and
 * the removal task ahead of it. `ready` resolves once every member is a voting member.
 * @throws Error when `membership` does not list `members` members, members join or leave on
 * Kubernetes without `stepsImage` (no local build there), or `selfJoin` comes without
 * `stepsImage` or with `roll`.
 */
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
        const m = args.membership ?? etcdMembership(args.members, {});
        if (m.joins.length !== args.members)
            throw new Error(`EtcdCluster: membership lists ${m.joins.length} members, args.members is ${args.members}`);
        const peerHost = (i: number) => {
            if (!args.advertisedPeerHosts) return platform.memberHost("etcd", i);
            const host = args.advertisedPeerHosts[i];
            // A member's own host in place of its proxy's would make the steps look for a peer URL nobody advertises.
            if (host === undefined)
                throw new Error(`EtcdCluster: no advertised peer host for member ${i} (${args.advertisedPeerHosts.length} given)`);
            return host;
        };
        const range = (n: number) => Array.from({ length: n }, (_, i) => i);
        const group = (replicas: number, extra: Pick<MemberGroupSpec, "args" | "firstOrdinal" | "waitHealthy" | "dependsOn" | "helper">) =>
            platform.deployGroup(
                {
                    name: "etcd",
                    component: "etcd",
                    replicas,
                    image: platform.image(args.image),
                    command: ["/usr/local/bin/etcd"],
                    env: args.failpointPort ? { GOFAIL_HTTP: `0.0.0.0:${args.failpointPort}` } : undefined,
                    ports: [
                        { name: "client", containerPort: ETCD_CLIENT_PORT, hostPortBase: args.clientHostPort },
                        { name: "peer", containerPort: ETCD_PEER_PORT },
                        { name: "metrics", containerPort: ETCD_METRICS_PORT },
                        ...(args.failpointPort ? [{ name: "failpoints", containerPort: args.failpointPort }] : []),
                    ],
                    data: { mountPath: "/var/lib/etcd", sizeGiB: args.storageGiB },
                    readiness: etcdReadiness(args.failpointPort !== undefined),
                    ...extra,
                },
                this,
            );
        const target = etcdStepTarget(platform, peerHost);
        // Resolved (pulled or built) only when members join, leave or roll.
        let steps: pulumi.Input<string> | undefined;
        const stepsImage = () => (steps ??= resolveImage(platform, imageSource(args.stepsImage, etcdStepsBuild(args.image)), this));
        // The bootstrap members keep the --initial-cluster they bootstrapped with (labs/etcd/joins.ts). A
        // joiner has the flags of the members at its join, state existing, its own data directory.
        const bootstrapHosts = range(m.bootstrap).map(peerHost);
        const present = bootstrapMembersPresent(m);
        const flagsOf =
            (ordinal: number) =>
            (member: MemberIdentity): string[] =>
                ordinal < present
                    ? etcdMemberFlags(member, bootstrapHosts, args)
                    : etcdJoinFlags(
                          etcdMemberFlags(member, range(ordinal + 1).map(peerHost), args),
                          etcdJoinCluster(target, ordinal),
                          memberDataDir(m, ordinal),
                      );
        // One member as a group of one. A joiner is a learner until promoted, and a learner fails the
        // health probe (linearizable reads), so a joiner is never waited for healthy: a task waits for it.
        const member = (ordinal: number, dependsOn: pulumi.Resource[]) =>
            group(1, { firstOrdinal: ordinal, waitHealthy: ordinal < present, dependsOn, args: flagsOf(ordinal) });
        const joining = joiningOrdinals(m);
        const members: DeployedGroup["members"] = [];
        let ready: pulumi.Resource[] = [];
        // Tasks and members in turn (labs/roll.ts): each task waits for what came before it, each member for its task.
        const chain = (steps: ChainStep[], start: pulumi.Resource[]): pulumi.Resource[] => {
            const linked = chainMembers(platform, this, steps, start, member);
            members.push(...linked.members);
            return linked.ready;
        };
        if (args.selfJoin) {
            if (!args.stepsImage) throw new Error("EtcdCluster: selfJoin needs stepsImage (a shell and etcdctl beside each member)");
            if (args.roll) throw new Error("EtcdCluster: selfJoin members roll with their StatefulSet, not by roll steps");
            const image = stepsImage();
            const selfJoin = {
                members: range(ETCD_MAX_MEMBERS).map((i) => ({
                    ordinal: i,
                    flags: etcdMemberFlags(
                        { name: etcdMemberName(i), host: platform.memberHost("etcd", i) },
                        range(ETCD_MAX_MEMBERS).map(peerHost),
                        args,
                    ),
                    clientUrl: target.clientUrl(i),
                })),
                bootstrap: m.bootstrap,
                etcdctl: target.etcdctl,
                configPath: ETCD_START_CONFIG,
                statePath: ETCD_START_STATE,
                votingFile: ETCD_VOTING_FILE,
            };
            // The new count is stored first, so a leaving pod that restarts once the removal ran reads it
            // and stays out. Removals next: the StatefulSet deletes the highest pods only once they left the member list.
            const state = platform.memberState(
                { group: "etcd", component: "etcd", files: etcdSelfJoinState(args.members, m.deployed > 0) },
                this,
            );
            const shrink =
                m.deployed > args.members
                    ? [platform.runTask({ ...etcdShrinkTask(target, m.deployed, args.members, image), dependsOn: [state.resource] }, this)]
                    : [];
            const deployed = group(args.members, {
                args: () => [`--config-file=${ETCD_START_CONFIG}`],
                dependsOn: shrink,
                helper: {
                    image,
                    sharedPath: ETCD_START_DIR,
                    before: { name: "etcd-start", script: etcdStartScript(selfJoin) },
                    // Ready once its member votes: a learner's /health (the failpoint probe) answers true.
                    beside: {
                        name: "etcd-promote",
                        script: etcdPromoteScript(selfJoin),
                        readiness: { exec: ["/bin/sh", "-c", `test -f ${ETCD_VOTING_FILE}`], initialDelaySeconds: 1, periodSeconds: 2 },
                    },
                    state: { path: ETCD_START_STATE, from: state },
                },
            });
            members.push(...deployed.members);
            ready.push(...shrink, ...deployed.ready);
        } else if (args.roll) {
            if (joining.length || m.deployed > args.members) throw new Error("EtcdCluster: a roll and a membership change in one update");
            // Each member waits for the task after the one replaced before it (labs/etcd/membership-tasks.ts).
            // The edges are dependsOn only, so replacing one member deletes no other first (Pulumi replaces a
            // dependent only when one of its inputs depends on the replaced resource: pulumi/pulumi
            // pkg/resource/deploy/step_generator.go `calculateDependentReplacements`).
            ready = chain(etcdRollSteps(target, args.members, args.roll.revision, stepsImage(), args.roll.versions), []);
        } else {
            const bootstrap = group(present, { args: flagsOf(0), waitHealthy: true });
            members.push(...bootstrap.members);
            ready.push(...bootstrap.ready);
            for (let ordinal = present; ordinal < args.members && !joining.includes(ordinal); ordinal++) {
                const deployed = member(ordinal, []);
                members.push(...deployed.members);
                ready.push(...deployed.ready);
            }
        }
        // Joins and removals as tasks, each member its own flags (Docker); self-joining members did theirs above.
        if (!args.selfJoin && joining.length)
            ready.push(...chain(etcdGrowSteps(target, joining[0], args.members, stepsImage()), [...ready]));
        if (!args.selfJoin && m.deployed > args.members) {
            ready.push(
                platform.runTask({ ...etcdShrinkTask(target, m.deployed, args.members, stepsImage()), dependsOn: [...ready] }, this),
            );
        }
        this.endpoints = members.map((m) => `http://${m.host}:${ETCD_CLIENT_PORT}`);
        this.userEndpoints = members.map((m) => platform.memberUrl(m.name, ETCD_CLIENT_PORT, args.clientHostPort + m.ordinal));
        this.failpointEndpoints = args.failpointPort ? members.map((m) => `http://${m.host}:${args.failpointPort}`) : [];
        this.scrapeJobs = [{ job: "etcd", targets: members.map((m) => `${m.host}:${ETCD_METRICS_PORT}`) }];
        this.ready = ready;
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
