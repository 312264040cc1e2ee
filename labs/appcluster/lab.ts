/**
 * The app cluster lab: the user's image as N nodes (node 1 bootstraps, the rest join), its
 * scrape targets and the generic dashboard, and the README's recipes as outputs.
 */
import { AppClusterLabConfig } from "./config";
import { Platform } from "../../components/platform";
import { LabBuild, LabContext, LabOutputs } from "../types";
import { appCluster } from "./dashboards/app-cluster";
import { AppCluster, AppNode } from "./app-cluster";
import { appLeaveTask, deployedNodes } from "./leave";

/**
 * The commands users copy: `statusCommand` (every running node's health path) and `logsCommands`
 * (one per node). Docker: curl of each node's published port, `docker logs`. Kubernetes: the API
 * server's pod proxy, which needs no port-forward (`GET /api/v1/namespaces/{ns}/pods/{pod}:{port}/proxy/{path}`,
 * Kubernetes API reference, Pod → "proxy"; `kubectl get --raw`), and `kubectl logs -f pod/<pod>`;
 * each node is a StatefulSet of one pod, `app-<i>-0`.
 */
function nodeCommands(
    config: AppClusterLabConfig,
    nodes: AppNode[],
    platform: Platform,
): { statusCommand: string; logsCommands: string[] } {
    const running = nodes.filter((n) => !n.stopped);
    if (config.platform !== "kubernetes") {
        return {
            statusCommand: running.map((n) => `curl -fsS ${n.apiUrl}${config.app.healthPath}`).join(" && "),
            logsCommands: nodes.map((n) => platform.taskLogsCommand(n.host)),
        };
    }
    const { namespace, context } = config.kubernetes;
    const kubectl = `kubectl${context ? ` --context ${context}` : ""} -n ${namespace}`;
    const pod = (n: AppNode) => `${n.name}-0`;
    return {
        statusCommand: running
            .map(
                (n) =>
                    `${kubectl} get --raw /api/v1/namespaces/${namespace}/pods/${pod(n)}:${config.app.ports.api.containerPort}/proxy${config.app.healthPath}`,
            )
            .join(" && "),
        logsCommands: nodes.map((n) => `${kubectl} logs -f pod/${pod(n)}`),
    };
}

/**
 * Builds the app cluster lab on `platform`. A scale-in with `app.leavePath` set (the deployed
 * count from `previous`, the guard state) also registers the leave task `app-leave-<from>-to-<to>`.
 * @returns outputs: per-node API and KV URLs, the join address, and commands for status,
 *   logs and the fault drill; Prometheus/Grafana URLs when on.
 */
export function buildAppClusterLab(config: AppClusterLabConfig, platform: Platform, { previous }: LabContext): LabBuild {
    const cluster = new AppCluster("app", { platform, app: config.app });
    // Scale-in with a leave path: the leaving nodes are asked to leave before Pulumi deletes them (labs/appcluster/leave.ts).
    const deployed = deployedNodes(previous);
    if (config.app.leavePath && deployed !== undefined && deployed > config.app.nodes) {
        appLeaveTask({ platform, app: config.app, from: deployed, to: config.app.nodes }, cluster);
    }
    const { nodes } = cluster;
    const outputs: LabOutputs = {
        apiUrls: nodes.map((n) => n.apiUrl),
        kvUrls: nodes.map((n) => n.kvUrl),
        joinAddress: cluster.joinAddress,
        stoppedNodes: nodes.filter((n) => n.stopped).map((n) => n.id),
        ...nodeCommands(config, nodes, platform),
        faultDrill: [
            "pulumi config set --path 'app.stopped[0]' 2 && pulumi up   # stop node 2, keep its volume",
            "pulumi config rm --path 'app.stopped' && pulumi up          # bring node 2 back with its data",
        ],
        scaleOut: `pulumi config set --path app.nodes ${config.app.nodes + 1} && pulumi up   # adds node ${config.app.nodes + 1}, joining through ${cluster.joinAddress}`,
    };
    return { outputs, monitoring: { scrapeJobs: cluster.scrapeJobs, dashboards: [appCluster] } };
}
