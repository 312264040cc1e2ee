/** The bring-your-own-image lab: N nodes of the user's raft service (node 1 bootstraps, the rest join), Prometheus, Grafana. */
import { ANYWHERE, ReplacingRule } from "../../components/guard-rules";
import { defineLab } from "../types";
import { APPCLUSTER_HOST_PORTS, AppClusterLabConfig } from "./config";
import { buildAppClusterLab } from "./lab";

/** The app cluster lab's definition (registered in labs/index.ts). */
export const appclusterLab = defineLab({
    name: "appcluster",
    schema: AppClusterLabConfig,
    hostPorts: APPCLUSTER_HOST_PORTS,
    build: buildAppClusterLab,
    guard: {
        counts: [{ path: "app.nodes", removes: "nodes holding data", allow: "app.allowScaleIn" }],
        // Each app node is its own group with its own volume. On Kubernetes only the volume size
        // replaces them; on Docker every input every node shares recreates all nodes at once.
        replacing: [
            ...ANYWHERE,
            { path: "app.storageGiB", on: "kubernetes" },
            ...[
                "arch",
                "app.image",
                "app.dataDir",
                "app.healthPath",
                ...["nodeId", "nodeName", "httpAddr", "raftAddr", "joinAddr", "dataDir"].map((k) => `app.env.${k}`),
                ...["api", "kv", "raft"].flatMap((p) => [`app.ports.${p}.containerPort`, `app.ports.${p}.hostPortBase`]),
            ].map((path): ReplacingRule => ({ path, on: "docker" })),
        ],
    },
});
