/**
 * The etcd metrics lab: 3 members, Prometheus, Grafana, the etcd benchmark and failpoint
 * scenarios. Image `gcr.io/etcd-development/etcd` (etcd.io/docs/v3.5/op-guide/container/).
 */
import * as pulumi from "@pulumi/pulumi";
import { EtcdLabConfig } from "./config";
import { EtcdCluster, EtcdClusterArgs, etcdMemberFlags } from "./etcd-cluster";
import { EtcdScenarioRun } from "./scenario";
import { etcdBenchmarkPlan } from "./etcd-benchmark";
import { LoadGen } from "../../components/load-gen";
import { Platform, contentHash } from "../../components/platform";
import { etcdAlertRules } from "./alerts";
import { EtcdLinearizability } from "./linearizability";
import { NETWORK_SCENARIOS, memberKillScript } from "./network";
import { EtcdPeerProxies, hostTemplate, proxyHost } from "./peer-proxy";
import { LabBuild, LabContext, LabMemory, LabOutputs } from "../types";
import { etcdMembership } from "./joins";
import { ETCD_MAX_MEMBERS } from "./self-join";
import { ETCD_IMAGE, etcdMemberSpec } from "./member-spec";
import { rollRevision } from "../roll";
import type { GuardState } from "../../components/guard";

/**
 * A digest of what shapes every member: the cluster arguments and the flags they render. Any
 * change that replaces (Docker) or rolls (Kubernetes) the members changes one of these, and a
 * new member starts with every failpoint off, so the scenario step must run again. Re-running it
 * on a change that does not restart members is harmless: the step is idempotent.
 */
export function memberRevision(args: Omit<EtcdClusterArgs, "platform">): string {
    const flags = etcdMemberFlags({ name: "etcd-0", host: "etcd-0" }, ["etcd-0"], args);
    return contentHash(JSON.stringify({ args, flags }));
}

/**
 * Whether this change rolls the members on Docker, one at a time: the members' spec digest
 * (labs/etcd/member-spec.ts) differs from the remembered one, no member joins or leaves, and there
 * is more than one member. On
 * Kubernetes the StatefulSet rolls its pods itself; a new stack has nothing to roll.
 */
export function etcdRoll(config: EtcdLabConfig, previous: GuardState | undefined, memory: LabMemory): EtcdClusterArgs["roll"] {
    const revision = rollRevision(previous, config.platform, {
        name: "etcd",
        countPath: "etcd.members",
        members: config.etcd.members,
        spec: etcdMemberSpec(config),
    });
    if (!revision) return undefined;
    // A failpoint build reports its own binary's version, not etcd.version.
    const from = memory.version;
    const versions =
        !config.etcd.failpointImage && typeof from === "string" && from !== config.etcd.version
            ? { from, to: config.etcd.version }
            : undefined;
    return { revision, versions };
}

/**
 * Builds the etcd lab on `platform`.
 * @returns outputs: client endpoints, scenario, Prometheus/Grafana URLs, Grafana password (secret).
 */
export function buildEtcdLab(config: EtcdLabConfig, platform: Platform, { stack, memory, previous }: LabContext): LabBuild {
    const image = config.etcd.failpointImage ?? `${ETCD_IMAGE}:${config.etcd.version}`;
    const membership = etcdMembership(config.etcd.members, memory);
    // The peer hosts of every member a flag or a step names: the bootstrap members' --initial-cluster
    // can name more than run now, and a scale-in's steps name the members that leave.
    // Self-joining members (Kubernetes with a steps image) carry a table of every ordinal the lab can have.
    const selfJoin = config.platform === "kubernetes" && config.etcd.stepsImage !== undefined;
    const named = selfJoin ? ETCD_MAX_MEMBERS : Math.max(config.etcd.members, membership.bootstrap, membership.deployed);
    const memberArgs = {
        members: config.etcd.members,
        image,
        clusterToken: `clusterlab-${stack}`,
        quotaBackendBytes: config.etcd.quotaBackendBytes,
        clientHostPort: config.etcd.clientHostPort,
        storageGiB: config.etcd.storageGiB,
        failpointPort: config.etcd.failpointImage ? config.etcd.failpointPort : undefined,
        // With peer proxies every member advertises its proxy, in every scenario (baseline too).
        advertisedPeerHosts: config.etcd.peerProxies ? Array.from({ length: named }, (_, i) => proxyHost(platform, i)) : undefined,
    };
    const etcd = new EtcdCluster("etcd", {
        platform,
        ...memberArgs,
        membership,
        stepsImage: config.etcd.stepsImage,
        selfJoin,
        roll: selfJoin ? undefined : etcdRoll(config, previous, memory),
    });
    const proxies = (dependsOn: pulumi.Resource[]): pulumi.Resource[] =>
        config.etcd.peerProxies
            ? new EtcdPeerProxies("peer-proxies", {
                  platform,
                  members: config.etcd.members,
                  scenario: config.scenario,
                  settings: config.etcd,
                  image: config.etcd.peerProxyImage,
                  memberHostTemplate: hostTemplate(platform, "etcd"),
                  dependsOn,
              }).ready
            : [];
    // The switch step writes (it gives back a db-size-limit fill), which needs a leader: network
    // faults are applied after it, and removed before it.
    const faulty = (NETWORK_SCENARIOS as readonly string[]).includes(config.scenario);
    const healed = faulty ? [] : proxies([]);
    const scenario = new EtcdScenarioRun("scenario", {
        platform,
        scenario: config.scenario,
        failpoints: config.failpoints,
        failpointEndpoints: etcd.failpointEndpoints,
        clientEndpoints: etcd.endpoints,
        memberRevision: memberRevision(memberArgs),
        defragAfterRevisions: config.load.keySpaceSize,
        dependsOn: [...etcd.ready, ...healed],
    });
    const proxyReady = faulty ? proxies(scenario.ready) : healed;
    const outputs: LabOutputs = { etcdEndpoints: etcd.userEndpoints, scenario: config.scenario };
    const loads: LoadGen[] = [];
    if (config.load.enabled) {
        loads.push(
            new LoadGen("etcd-benchmark", {
                platform,
                plan: etcdBenchmarkPlan(config, etcd.endpoints),
                dependsOn: [...etcd.ready, ...scenario.ready, ...proxyReady],
            }),
        );
    }
    scenario.underLoad(loads);
    if (config.scenario === "member-kill") {
        const i = config.etcd.faultMember;
        scenario.stepUnderLoad(
            "member-kill",
            memberKillScript(
                { client: etcd.endpoints[i], failpoints: etcd.failpointEndpoints[i] },
                etcd.endpoints[(i + 1) % etcd.endpoints.length],
            ),
            // After the proxies drop the previous scenario's fault: an isolated victim saves no raft entry, so never crashes.
            [...loads, ...proxyReady],
        );
    }
    const checks: EtcdLinearizability[] = [];
    if (config.linearizability.enabled) {
        checks.push(
            new EtcdLinearizability("linearizability", {
                platform,
                scenario: config.scenario,
                endpoints: etcd.endpoints,
                seconds: config.linearizability.seconds,
                image: config.linearizability.image,
                dependsOn: [...scenario.ready, ...proxyReady, ...loads],
            }),
        );
        outputs.linearizabilityCheck = checks[0].checkTask;
        outputs.linearizabilityLogs = platform.taskLogsCommand(checks[0].checkTask);
    }
    return {
        outputs,
        monitoring: {
            scrapeJobs: [...etcd.scrapeJobs, ...loads.flatMap((l) => l.scrapeJobs), ...checks.flatMap((c) => c.scrapeJobs)],
            dashboards: [...etcd.dashboards, ...loads.flatMap((l) => l.dashboards)],
            ruleFiles: { "/etc/prometheus/rules/etcd.yml": etcdAlertRules() },
        },
    };
}
