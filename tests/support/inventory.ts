/**
 * What an evaluated stack registers, in the terms the diagrams use (docs/diagrams/README.md):
 * members, entry Services, tasks and Grafana dashboards. Read from the registered resources'
 * inputs only (types, names, labels, replicas, rendered files), so it holds wherever the
 * components live.
 */
import { Graph, ofType, renderedFiles } from "./evaluate";

/** A stack's inventory. */
export interface Inventory {
    /** Member names: `<StatefulSet>-<ordinal>` on Kubernetes, containers labelled `clusterlab.member` on Docker. */
    members: string[];
    /**
     * Kubernetes Services a user or client connects to: every Service but the platform's
     * per-group `<group>-peer` (headless, member DNS) and `<group>-client` ones. Empty on Docker.
     */
    services: string[];
    /** Jobs, Deployments, Docker containers labelled `clusterlab.task`, and Docker image builds. */
    tasks: string[];
    /** Grafana dashboards provisioned: title → panel titles (rows excluded). */
    dashboards: Map<string, string[]>;
}

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const CONTAINER = "docker:index/container:Container";

/** The inventory of an evaluated graph. */
export function inventory(graph: Graph): Inventory {
    const label = (c: { inputs: Record<string, any> }, key: string): string | undefined =>
        (c.inputs.labels as { label: string; value: string }[] | undefined)?.find((l) => l.label === key)?.value;
    const members = [
        ...ofType(graph, STATEFUL_SET).flatMap((s) => Array.from({ length: s.inputs.spec.replicas as number }, (_, i) => `${s.name}-${i}`)),
        ...ofType(graph, CONTAINER).flatMap((c) => label(c, "clusterlab.member") ?? []),
    ];
    const services = ofType(graph, "kubernetes:core/v1:Service")
        .map((s) => s.name)
        .filter((n) => !/-(peer|client)$/.test(n));
    const tasks = [
        ...ofType(graph, "kubernetes:batch/v1:Job").map((j) => j.name),
        ...ofType(graph, "kubernetes:apps/v1:Deployment").map((d) => d.name),
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
