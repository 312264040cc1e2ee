/**
 * Applies a stack's configs in order to one namespace of a real API server, as successive
 * `pulumi up`s would: each config is evaluated under mocks with the guard state the previous
 * one deployed, then applied (tests/support/kube-apply.ts). Reusable by any lab's tier test.
 */
import { StackConfig } from "../../components/config";
import { GuardState, guardState } from "../../components/guard";
import { ApplyReport, Kubectl, applyGraph, summarize } from "./kube-apply";
import { Graph, evaluate } from "./evaluate";

/** One applied step. */
export interface AppliedStep {
    label: string;
    graph: Graph;
    report: ApplyReport;
}

/** A stack taken through configs on one namespace; remembers what it deployed. */
export class KubeStack {
    private deployed?: GuardState;
    private last?: Graph;
    readonly steps: AppliedStep[] = [];

    constructor(
        private readonly kubectl: Kubectl,
        /** Stack name the program sees. */
        readonly stack: string,
    ) {}

    /**
     * Evaluates `config` and applies it; a refused apply is returned, not thrown, and not
     * recorded as deployed.
     */
    async apply(label: string, config: StackConfig): Promise<AppliedStep> {
        const graph = await evaluate(config, this.stack, this.deployed);
        const report = applyGraph(this.kubectl, graph, this.last);
        const step = { label, graph, report };
        this.steps.push(step);
        if (!report.refused) {
            this.deployed = guardState(config, this.deployed);
            this.last = graph;
        }
        return step;
    }

    /** The graph of the last accepted apply. */
    get lastGraph(): Graph | undefined {
        return this.last;
    }
}

/** One line per step: `phase1: created 9, configured 2, unchanged 24, deleted 1 (17.7 s)` plus changed objects. */
export function describeSteps(steps: AppliedStep[]): string {
    return steps
        .map(({ label, report }) => {
            const head = `${label}: ${report.refused ? `REFUSED: ${report.refused}` : summarize(report)} (${report.seconds.toFixed(1)} s)`;
            const changed = report.outcomes
                .filter((o) => o.outcome === "configured" || o.outcome === "deleted")
                .map((o) => `${o.outcome} ${o.ref}`);
            return [head, ...changed.map((c) => `    ${c}`)].join("\n");
        })
        .join("\n");
}
