/**
 * What an evaluated stack registers, in the terms the diagrams use (docs/diagrams/README.md):
 * members, entry Services, tasks and Grafana dashboards, by the names Kubernetes or Docker know
 * them by. Read from the registered resources' inputs only (types, names, labels, replicas,
 * rendered files), so it holds wherever the components live.
 */
import { Graph, ofType, renderedFiles } from "./evaluate";

/** A stack's inventory. */
export interface Inventory {
    /** Member names: `<StatefulSet>-<ordinal>` on Kubernetes, containers labelled `clusterlab.member` on Docker. */
    members: string[];
    /**
     * Kubernetes Services a user or client connects to, by `metadata.name`: every Service but the
     * platform's per-group ones (Service `<group>` and the headless `<group>-peer`). Empty on Docker.
     */
    services: string[];
    /** Jobs, Deployments, Docker containers labelled `clusterlab.task`, and Docker image builds. */
    tasks: string[];
    /** Grafana dashboards provisioned: title → panel titles (rows excluded). */
    dashboards: Map<string, string[]>;
}

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";

/** The name Kubernetes knows an object by (`metadata.name`; Pulumi's resource name when unset). */
const k8sName = (r: { name: string; inputs: Record<string, any> }): string => r.inputs.metadata?.name ?? r.name;
const CONTAINER = "docker:index/container:Container";

/** The inventory of an evaluated graph. */
export function inventory(graph: Graph): Inventory {
    const label = (c: { inputs: Record<string, any> }, key: string): string | undefined =>
        (c.inputs.labels as { label: string; value: string }[] | undefined)?.find((l) => l.label === key)?.value;
    const members = [
        ...ofType(graph, STATEFUL_SET).flatMap((s) =>
            Array.from({ length: s.inputs.spec.replicas as number }, (_, i) => `${k8sName(s)}-${i}`),
        ),
        ...ofType(graph, CONTAINER).flatMap((c) => label(c, "clusterlab.member") ?? []),
    ];
    // The platform registers two Services per group, as resources `<group>-client` (Service
    // `<group>`) and `<group>-peer` (headless); the rest are the lab's own entrypoints.
    const services = ofType(graph, "kubernetes:core/v1:Service")
        .filter((s) => !/-(peer|client)$/.test(s.name))
        .map(k8sName);
    const tasks = [
        ...ofType(graph, "kubernetes:batch/v1:Job").map(k8sName),
        ...ofType(graph, "kubernetes:apps/v1:Deployment").map(k8sName),
        ...ofType(graph, CONTAINER).flatMap((c) => label(c, "clusterlab.task") ?? []),
        ...ofType(graph, "docker:index/image:Image").map((i) => i.name),
    ];
    const dashboards = new Map<string, string[]>();
    if (members.includes("grafana-0")) {
        for (const [path, text] of Object.entries(renderedFiles(graph, "grafana"))) {
            if (!path.endsWith(".json")) continue;
            const json = JSON.parse(text) as { title: string; panels?: { type: string; title: string; panels?: { title: string }[] }[] };
            dashboards.set(
                json.title,
                (json.panels ?? []).flatMap((p) => (p.type === "row" ? (p.panels ?? []) : [p])).map((p) => p.title),
            );
        }
    }
    return { members: members.sort(), services: services.sort(), tasks, dashboards };
}
