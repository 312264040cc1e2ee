/**
 * The etcd metrics lab: 3 members, Prometheus, Grafana, the etcd benchmark and failpoint
 * scenarios. Image `gcr.io/etcd-development/etcd` (etcd.io/docs/v3.5/op-guide/container/).
 */
import { EtcdLabConfig } from "../config";
import { EtcdCluster } from "../etcd-cluster";
import { EtcdScenarioRun } from "../etcd-scenario";
import { etcdBenchmarkPlan } from "../load/etcd-benchmark";
import { LoadGen } from "../load-gen";
import { Platform } from "../platform";
import { etcdAlertRules } from "../etcd-alerts";
import { observe } from "./observe";
import { LabContext, LabOutputs } from "./types";

/**
 * Builds the etcd lab on `platform`.
 * @returns outputs: client endpoints, scenario, Prometheus/Grafana URLs, Grafana password (secret).
 */
export function buildEtcdLab(config: EtcdLabConfig, platform: Platform, { stack }: LabContext): LabOutputs {
    const image = config.etcd.failpointImage ?? `gcr.io/etcd-development/etcd:${config.etcd.version}`;
    const etcd = new EtcdCluster("etcd", {
        platform,
        members: config.etcd.members,
        image,
        clusterToken: `clusterlab-${stack}`,
        quotaBackendBytes: config.etcd.quotaBackendBytes,
        clientHostPort: config.etcd.clientHostPort,
        storageGiB: config.etcd.storageGiB,
        failpointPort: config.etcd.failpointImage ? config.etcd.failpointPort : undefined,
    });
    const scenario = new EtcdScenarioRun("scenario", {
        platform,
        scenario: config.scenario,
        failpoints: config.failpoints,
        failpointEndpoints: etcd.failpointEndpoints,
        clientEndpoints: etcd.endpoints,
        etcdImage: platform.image(image),
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
