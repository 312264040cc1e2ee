/**
 * Bench section: the Kubernetes stacks on kube-local (a real API server, kwok nodes). Per step:
 * evaluation time under mocks, the objects and creation waves it yields, and the time to
 * apply it with server-side apply and wait as the provider would — ratios within this one run.
 * Starts kube-local (tests/support/kube-local.ts: `KUBE_LOCAL_DIR`, by default beside the checkout as in CI) and stops it; says loudly when it cannot.
 */
import { performance } from "node:perf_hooks";
import { guardState, GuardState } from "../../components/guard";
import { Kubectl, applyGraph, summarize } from "../../tests/support/kube-apply";
import { startKubeLocal } from "../../tests/support/kube-local";
import { manifestWaves } from "../../tests/support/kube-manifests";
import { Graph, evaluate, stackConfig } from "../../tests/support/evaluate";

/** Stacks taken through their steps in order, one namespace each. */
const SEQUENCES: { namespace: string; steps: [string, string, Record<string, unknown>][] }[] = [
    {
        namespace: "bench-crdb",
        steps: [
            ["crdb phase0", "phase0", {}],
            ["crdb phase1", "phase1", {}],
            ["crdb phase2", "phase2", {}],
        ],
    },
    {
        namespace: "bench-tikv",
        steps: [
            ["tikv-k8s 3 PD + 3 TiKV", "tikv-k8s", {}],
            ["tikv-k8s 5 PD + 5 TiKV", "tikv-k8s", { pd: { members: 5 }, tikv: { stores: 5 } }],
        ],
    },
];

/** Prints the table; never throws (a missing kube-local is printed, not hidden). */
export async function kubernetesBench(): Promise<void> {
    console.log("\n## Kubernetes stacks on kube-local (apply = server-side apply + provider-style waits)");
    let cluster;
    try {
        cluster = startKubeLocal();
    } catch (err) {
        console.log(`!! kube-local could not start, Kubernetes section NOT MEASURED: ${(err as Error).message}`);
        return;
    }
    try {
        const kubectl = new Kubectl(cluster.kubeconfig);
        console.log(`kube-local up in ${cluster.startSeconds.toFixed(1)} s`);
        console.log("| step | evaluate ms | objects | waves | apply s | API server | apply ÷ evaluate |");
        console.log("|---|---:|---:|---:|---:|---|---:|");
        for (const { namespace, steps } of SEQUENCES) {
            let deployed: GuardState | undefined;
            let previous: Graph | undefined;
            for (const [label, stack, overrides] of steps) {
                const config = stackConfig(stack, { ...overrides, kubernetes: { namespace }, grafanaAdminPassword: "bench-password" });
                const started = performance.now();
                const graph = await evaluate(config, `bench-${namespace}`, deployed);
                const evaluateMs = performance.now() - started;
                const waves = manifestWaves(graph);
                const report = applyGraph(kubectl, graph, previous);
                const outcome = report.refused ? `REFUSED: ${report.refused.split("\n")[0]}` : summarize(report);
                console.log(
                    `| ${label} | ${evaluateMs.toFixed(0)} | ${waves.flat().length} | ${waves.length} | ${report.seconds.toFixed(1)} | ${outcome} | ${((report.seconds * 1000) / evaluateMs).toFixed(1)} |`,
                );
                if (report.refused) break;
                deployed = guardState(config, deployed);
                previous = graph;
            }
        }
    } finally {
        cluster.stop();
    }
}
