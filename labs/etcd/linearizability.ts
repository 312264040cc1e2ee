/**
 * The etcd lab's correctness check (`clusterlab:index:EtcdLinearizability`), in every scenario:
 * docker/etcd-linearizability (etcd client v3.5.17 + porcupine v1.3.1) records puts and
 * linearizable gets on a few keys under the scenario's load and checks the history. Two parts,
 * as the CDC lab's checker:
 * - a one-shot step `linearizability-<scenario>-<hash>`, waited for: exit 0 only when the history
 *   is linearizable, so a violation fails `pulumi up`; its log holds the JSON verdict and the path
 *   of porcupine's `history.html` (`/out/history.html` in the step's container);
 * - the verdict exporter, member group `etcd-linearizability`: the same check with `--serve`,
 *   keeping `clusterlab_etcd_linearizable` and `clusterlab_etcd_linearizability_check_done` on
 *   `/metrics` (port {@link CHECKER_METRICS_PORT}) for Prometheus, the panel and the alert. Its
 *   args carry the scenario, so every switch records a new history.
 */
import * as pulumi from "@pulumi/pulumi";
import { imageSource, resolveImage } from "../../components/images";
import { Platform, contentHash } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";

/** The checker's `/metrics` port. */
export const CHECKER_METRICS_PORT = 9106;
/** Member group (and scrape job) of the verdict exporter. */
export const VERDICT_GROUP = "etcd-linearizability";
/** Where the checker image is built when config names none. */
export const CHECKER_BUILD = { name: "etcd-linearizability", context: "docker/etcd-linearizability", tag: "v1" };

/** The checker's flags (docker/etcd-linearizability/main.go). */
export function checkerArgs(endpoints: string[], seconds: number): string[] {
    return [`--endpoints=${endpoints.join(",")}`, `--duration=${seconds}s`, "--op-timeout=5s", "--check-timeout=60s", "--out=/out"];
}

/** Arguments of {@link EtcdLinearizability}. */
export interface EtcdLinearizabilityArgs {
    platform: Platform;
    scenario: string;
    /** In-lab client URLs. */
    endpoints: string[];
    /** Seconds the history is recorded. */
    seconds: number;
    /** Pinned image; built from {@link CHECKER_BUILD} when unset (Docker only). */
    image?: string;
    /** What the step waits for (the scenario's switch step, the started load). */
    dependsOn: pulumi.Resource[];
}

/** The step and the verdict exporter. */
export class EtcdLinearizability extends pulumi.ComponentResource {
    /** Name of the one-shot step, whose log holds the verdict (a stack output). */
    public readonly checkTask: string;
    public readonly scrapeJobs: ScrapeJob[];

    constructor(name: string, args: EtcdLinearizabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:EtcdLinearizability", name, {}, opts);
        const { platform } = args;
        const image = resolveImage(platform, imageSource(args.image, CHECKER_BUILD), this);
        const flags = checkerArgs(args.endpoints, args.seconds);
        this.checkTask = `linearizability-${args.scenario}-${contentHash(flags.join(" "))}`;
        const step = platform.runTask(
            {
                name: this.checkTask,
                component: "linearizability",
                image,
                command: ["/usr/local/bin/etcd-linearizability"],
                args: flags,
                waitForCompletion: true,
                dependsOn: args.dependsOn,
            },
            this,
        );
        platform.deployGroup(
            {
                name: VERDICT_GROUP,
                component: "linearizability",
                replicas: 1,
                image,
                command: ["/usr/local/bin/etcd-linearizability"],
                // `--run` rolls the exporter on every switch: a new process, a new key prefix, a new history.
                args: () => [...flags, `--metrics-addr=0.0.0.0:${CHECKER_METRICS_PORT}`, "--serve", `--run=${args.scenario}`],
                ports: [{ name: "metrics", containerPort: CHECKER_METRICS_PORT }],
                dependsOn: [step],
            },
            this,
        );
        this.scrapeJobs = [{ job: VERDICT_GROUP, targets: [`${platform.serviceHost(VERDICT_GROUP)}:${CHECKER_METRICS_PORT}`] }];
        this.registerOutputs({ checkTask: this.checkTask });
    }
}
