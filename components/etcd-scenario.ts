/**
 * Applies an etcd scenario's failpoints: a one-shot task that PUTs each failpoint term to
 * every member's gofail HTTP endpoint, and turns `off` every failpoint the other scenarios
 * use, so switching scenarios reverts the previous one. gofail HTTP API: `PUT /<name>`
 * with the term as body (etcd-io/gofail `runtime/http.go`).
 */
import * as pulumi from "@pulumi/pulumi";
import { EtcdScenario } from "./config";
import { Platform, contentHash } from "./platform";

/** Image of the task: curl on a small base with a shell (`curlimages/curl`, multi-arch). */
export const CURL_IMAGE = "curlimages/curl:8.11.1";

/** Failpoint terms to set for `scenario`: its own, and `off` for every other scenario's. */
export function failpointTerms(
    scenario: EtcdScenario,
    failpoints: Partial<Record<EtcdScenario, Record<string, string>>>,
): Record<string, string> {
    const terms: Record<string, string> = {};
    for (const table of Object.values(failpoints)) for (const name of Object.keys(table ?? {})) terms[name] = "off";
    return { ...terms, ...(failpoints[scenario] ?? {}) };
}

/** The shell script the task runs: one `curl -X PUT` per member and failpoint; fails on any error. */
export function failpointScript(endpoints: string[], terms: Record<string, string>): string {
    const lines = endpoints.flatMap((endpoint) =>
        Object.entries(terms).map(
            ([name, term]) => `curl -fsS --retry 10 --retry-connrefused --max-time 5 -X PUT -d '${term}' ${endpoint}/${name}`,
        ),
    );
    return ["set -e", ...lines, "echo failpoints applied"].join("\n");
}

/** Arguments of {@link EtcdScenarioRun}. */
export interface EtcdScenarioArgs {
    platform: Platform;
    scenario: EtcdScenario;
    failpoints: Partial<Record<EtcdScenario, Record<string, string>>>;
    /** gofail HTTP endpoints of every member; empty when the image has no failpoints. */
    failpointEndpoints: string[];
    /** In-lab client endpoints, for the defrag the defrag-delay scenario triggers. */
    clientEndpoints: string[];
    /** The etcd image (has etcdctl) for the defrag step. */
    etcdImage: pulumi.Input<string>;
    dependsOn: pulumi.Resource[];
}

/** The scenario's one-shot steps (`clusterlab:index:EtcdScenario`). */
export class EtcdScenarioRun extends pulumi.ComponentResource {
    public readonly ready: pulumi.Resource[] = [];

    constructor(name: string, args: EtcdScenarioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:EtcdScenario", name, {}, opts);
        const terms = failpointTerms(args.scenario, args.failpoints);
        if (args.failpointEndpoints.length && Object.keys(terms).length) {
            const script = failpointScript(args.failpointEndpoints, terms);
            const hash = contentHash(script);
            this.ready.push(
                args.platform.runTask(
                    {
                        name: `failpoints-${args.scenario}-${hash}`,
                        component: "failpoints",
                        image: args.platform.image(CURL_IMAGE),
                        command: ["/bin/sh", "-c"],
                        args: [script],
                        waitForCompletion: true,
                        dependsOn: args.dependsOn,
                    },
                    this,
                ),
            );
        }
        if (args.scenario === "defrag-delay") {
            this.ready.push(
                args.platform.runTask(
                    {
                        name: "defrag-delay-defrag",
                        component: "defrag",
                        image: args.etcdImage,
                        command: ["/usr/local/bin/etcdctl"],
                        args: [`--endpoints=${args.clientEndpoints.join(",")}`, "--command-timeout=60s", "defrag"],
                        waitForCompletion: true,
                        dependsOn: [...args.dependsOn, ...this.ready],
                    },
                    this,
                ),
            );
        }
        this.registerOutputs({});
    }
}
