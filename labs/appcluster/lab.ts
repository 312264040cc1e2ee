/**
 * The app cluster lab: the user's image as N nodes (node 1 bootstraps, the rest join), its
 * scrape targets and the generic dashboard, and the README's recipes as outputs.
 */
import { AppClusterLabConfig } from "./config";
import { Platform } from "../../components/platform";
import { LabOutputs } from "../types";
import { observe } from "../../components/observability/observe";
import { appCluster } from "./dashboards/app-cluster";
import { AppCluster } from "./app-cluster";

/**
 * Builds the app cluster lab on `platform`.
 * @returns outputs: per-node API and KV URLs, the join address, and commands for status,
 *   logs and the fault drill; Prometheus/Grafana URLs when on.
 */
export function buildAppClusterLab(config: AppClusterLabConfig, platform: Platform): LabOutputs {
    const cluster = new AppCluster("app", { platform, app: config.app });
    const { nodes } = cluster;
    const outputs: LabOutputs = {
        apiUrls: nodes.map((n) => n.apiUrl),
        kvUrls: nodes.map((n) => n.kvUrl),
        joinAddress: cluster.joinAddress,
        stoppedNodes: nodes.filter((n) => n.stopped).map((n) => n.id),
        statusCommand: nodes.map((n) => `curl -fsS ${n.apiUrl}${config.app.healthPath}`).join(" && "),
        logsCommands: nodes.map((n) => platform.taskLogsCommand(n.host)),
        faultDrill: [
            "pulumi config set --path 'app.stopped[0]' 2 && pulumi up   # stop node 2, keep its volume",
            "pulumi config rm --path 'app.stopped' && pulumi up          # bring node 2 back with its data",
        ],
        scaleOut: `pulumi config set --path app.nodes ${config.app.nodes + 1} && pulumi up   # adds node ${config.app.nodes + 1}, joining through ${cluster.joinAddress}`,
    };
    Object.assign(outputs, observe(config, platform, { scrapeJobs: cluster.scrapeJobs, dashboards: [appCluster] }));
    return outputs;
}
