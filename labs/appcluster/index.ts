/** The bring-your-own-image lab: N nodes of the user's raft service (node 1 bootstraps, the rest join), Prometheus, Grafana. */
import { defineLab } from "../types";
import { APPCLUSTER_HOST_PORTS, AppClusterLabConfig, appclusterCrossChecks } from "./config";
import { buildAppClusterLab } from "./lab";

/** The app cluster lab's definition (registered in labs/index.ts). */
export const appclusterLab = defineLab({
    name: "appcluster",
    schema: AppClusterLabConfig,
    hostPorts: APPCLUSTER_HOST_PORTS,
    crossChecks: appclusterCrossChecks,
    build: buildAppClusterLab,
    // One group per node on the platforms, one here: the guard compares what every node shares.
    groups: (c) => [
        {
            name: "app",
            members: c.app.nodes,
            stateful: true,
            scaleIn: { path: "app.nodes", removes: "nodes holding data", allow: "app.allowScaleIn" },
            fields: {
                image: { "app.image": c.app.image },
                spec: {
                    "app.dataDir": c.app.dataDir,
                    "app.healthPath": c.app.healthPath,
                    "app.extraEnv": c.app.extraEnv,
                    ...Object.fromEntries(Object.entries(c.app.env).map(([k, v]) => [`app.env.${k}`, v])),
                    ...Object.fromEntries(Object.entries(c.app.ports).map(([k, p]) => [`app.ports.${k}.containerPort`, p.containerPort])),
                },
                hostPorts: Object.fromEntries(Object.entries(c.app.ports).map(([k, p]) => [`app.ports.${k}.hostPortBase`, p.hostPortBase])),
                volumeSize: { "app.storageGiB": c.app.storageGiB },
            },
        },
    ],
});
