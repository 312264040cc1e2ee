/**
 * The etcd metrics lab: 3 members, Prometheus, Grafana, the etcd benchmark and failpoint
 * scenarios. Image `gcr.io/etcd-development/etcd` (etcd.io/docs/v3.5/op-guide/container/).
 */
import { EtcdLabConfig } from "./config";
import { EtcdCluster, EtcdClusterArgs, etcdMemberFlags } from "./etcd-cluster";
import { EtcdScenarioRun } from "./scenario";
import { etcdBenchmarkPlan } from "./etcd-benchmark";
import { LoadGen } from "../../components/load-gen";
import { Platform, contentHash } from "../../components/platform";
import { etcdAlertRules } from "./alerts";
import { observe } from "../../components/observability/observe";
import { LabContext, LabOutputs } from "../types";

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
 * Builds the etcd lab on `platform`.
 * @returns outputs: client endpoints, scenario, Prometheus/Grafana URLs, Grafana password (secret).
 */
export function buildEtcdLab(config: EtcdLabConfig, platform: Platform, { stack }: LabContext): LabOutputs {
    const image = config.etcd.failpointImage ?? `gcr.io/etcd-development/etcd:${config.etcd.version}`;
    const memberArgs = {
        members: config.etcd.members,
        image,
        clusterToken: `clusterlab-${stack}`,
        quotaBackendBytes: config.etcd.quotaBackendBytes,
        clientHostPort: config.etcd.clientHostPort,
        storageGiB: config.etcd.storageGiB,
        failpointPort: config.etcd.failpointImage ? config.etcd.failpointPort : undefined,
    };
    const etcd = new EtcdCluster("etcd", { platform, ...memberArgs });
    const scenario = new EtcdScenarioRun("scenario", {
        platform,
        scenario: config.scenario,
        failpoints: config.failpoints,
        failpointEndpoints: etcd.failpointEndpoints,
        clientEndpoints: etcd.endpoints,
        memberRevision: memberRevision(memberArgs),
        defragAfterRevisions: config.load.keySpaceSize,
        dependsOn: etcd.ready,
    });
    const outputs: LabOutputs = { etcdEndpoints: etcd.userEndpoints, scenario: config.scenario };
    const loads: LoadGen[] = [];
    if (config.load.enabled) {
        loads.push(
            new LoadGen("etcd-benchmark", {
                platform,
                plan: etcdBenchmarkPlan(config, etcd.endpoints),
                dependsOn: [...etcd.ready, ...scenario.ready],
            }),
        );
    }
    scenario.underLoad(loads);
    Object.assign(
        outputs,
        observe(config, platform, {
            scrapeJobs: [...etcd.scrapeJobs, ...loads.flatMap((l) => l.scrapeJobs)],
            dashboards: [...etcd.dashboards, ...loads.flatMap((l) => l.dashboards)],
            ruleFiles: { "/etc/prometheus/rules/etcd.yml": etcdAlertRules() },
        }),
    );
    return outputs;
}
