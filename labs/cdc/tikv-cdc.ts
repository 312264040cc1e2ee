/**
 * TiKV-CDC (github.com/tikv/migration `cdc/`): the capture servers and the changefeed that
 * replicates the main cluster's RawKV writes into the recovery cluster.
 *
 * Facts, from tikv/migration `cdc/README.md` and `cdc/pkg/cmd/server/server.go`,
 * `cdc/pkg/cmd/cli/cli_changefeed_create.go`, `cdc/cdc/http_router.go`:
 * - `tikv-cdc server --pd <upstream PD URLs> --addr 0.0.0.0:8600 --advertise-addr <host>:8600
 *   --data-dir <dir> --gc-ttl <seconds>`; the HTTP API and `/metrics` share port 8600;
 *   `GET /api/v1/status` answers once the server runs.
 * - `tikv-cdc cli changefeed create --pd <upstream> --sink-uri "tikv://<downstream PD host:port,…>/"
 *   --changefeed-id <id> --no-confirm` writes the changefeed into the upstream PD's etcd (no
 *   capture needs to run yet); `changefeed query -s` prints `{"state": …, "tso": …, "checkpoint": …}`;
 *   `changefeed pause|resume` stop it and let it continue from its checkpoint.
 * - Image: `docker/tikv-cdc` builds one at a pinned tag (binary `tikv-cdc` on PATH, as
 *   upstream's `cdc/deployments/tikv-cdc/docker/Dockerfile` installs it), or `cdc.image` names one.
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform, contentHash } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { cdcReplication } from "./dashboards/cdc-replication";
import { ImageSource, resolveImage } from "../../components/images";

/** TiKV-CDC's port: HTTP API and `/metrics` (`--addr`). */
export const TIKV_CDC_PORT = 8600;

/** Arguments of {@link TikvCdc}. */
export interface TikvCdcArgs {
    platform: Platform;
    /** Capture servers, 1..3; one is elected owner. */
    members: number;
    /** A pinned image reference (`cdc.image`), or a build of `docker/tikv-cdc` at a tikv/migration tag. */
    image: ImageSource;
    /** Upstream (main cluster) PD `host:port` list: what the servers and the CLI talk to. */
    upstreamPdEndpoints: string;
    /** Downstream (recovery cluster) PD `host:port` list: the sink. */
    downstreamPdEndpoints: string;
    /** Changefeed id, `^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$`. */
    changefeedId: string;
    /** `--gc-ttl`, seconds: how long a paused changefeed keeps the upstream's GC safepoint. */
    gcTtlSeconds: number;
    /** Docker: host port of member 0's HTTP API (member N: +N). */
    hostPort: number;
    /** Start once both clusters are healthy. */
    dependsOn: pulumi.Resource[];
}

/** `http://h1:2379,http://h2:2379` from `h1:2379,h2:2379`. */
function pdUrls(endpoints: string): string {
    return endpoints
        .split(",")
        .map((e) => `http://${e}`)
        .join(",");
}

/** The changefeed's sink URI: the downstream PD endpoints under the `tikv` scheme. */
export function sinkUri(downstreamPdEndpoints: string): string {
    return `tikv://${downstreamPdEndpoints}/`;
}

/** A changefeed action a case step can take. */
export type ChangefeedAction = "pause" | "resume";

/** The state `query -s` must show for an action to be needed (README: `stopped` = paused). */
const ACTION_FROM_STATE: Record<ChangefeedAction, string> = { pause: "normal", resume: "stopped" };

/**
 * TiKV-CDC servers plus the changefeed (`clusterlab:index:TikvCdc`). The changefeed is created
 * once, by a one-shot step that first asks whether it exists, so re-running it on a live
 * stack is harmless; {@link TikvCdc.changefeedStep} pauses or resumes it for a case.
 */
export class TikvCdc extends pulumi.ComponentResource {
    /** `host:8600` of each server, as Prometheus and the checker reach them. */
    public readonly addresses: string[];
    /** The HTTP API URL the checker polls, e.g. `http://tikv-cdc-0:8600`. */
    public readonly apiUrl: string;
    /** HTTP API URLs a user on the host opens (`/api/v1/changefeeds`). */
    public readonly userUrls: string[];
    /** The changefeed's sink URI (names the recovery PD endpoints). */
    public readonly sinkUri: string;
    public readonly changefeedId: string;
    /** Scrape job `tikv-cdc` (TiUP's job name for it), `:8600/metrics`. */
    public readonly scrapeJobs: ScrapeJob[];
    public readonly dashboards: DashboardDefinition[] = [cdcReplication];
    /** Servers healthy and changefeed created. */
    public readonly ready: pulumi.Resource[];

    /** The image every server and step runs. */
    public readonly image: pulumi.Input<string>;
    private readonly args: TikvCdcArgs;
    /** `tikv-cdc cli changefeed`; each subcommand then takes {@link pd}, as the README writes it. */
    private readonly cli: string;
    private readonly pd: string;

    constructor(name: string, args: TikvCdcArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:TikvCdc", name, {}, opts);
        this.args = args;
        const { platform } = args;
        const upstream = pdUrls(args.upstreamPdEndpoints);
        this.image = resolveImage(platform, args.image, this);
        const image = this.image;
        const group = platform.deployGroup(
            {
                name: "tikv-cdc",
                component: "tikv-cdc",
                replicas: args.members,
                image,
                command: ["tikv-cdc"],
                args: (m) => [
                    "server",
                    `--pd=${upstream}`,
                    `--addr=0.0.0.0:${TIKV_CDC_PORT}`,
                    `--advertise-addr=${m.host}:${TIKV_CDC_PORT}`,
                    "--data-dir=/data",
                    `--gc-ttl=${args.gcTtlSeconds}`,
                    "--log-level=info",
                ],
                ports: [{ name: "http", containerPort: TIKV_CDC_PORT, hostPortBase: args.hostPort }],
                data: { mountPath: "/data", sizeGiB: 5 },
                readiness: { http: { port: TIKV_CDC_PORT, path: "/api/v1/status" } },
                waitHealthy: true,
                dependsOn: args.dependsOn,
            },
            this,
        );
        this.addresses = group.members.map((m) => `${m.host}:${TIKV_CDC_PORT}`);
        this.apiUrl = `http://${this.addresses[0]}`;
        this.userUrls = group.members.map((m) =>
            platform.memberUrl(m.name, TIKV_CDC_PORT, args.hostPort + m.ordinal, "/api/v1/changefeeds"),
        );
        this.sinkUri = sinkUri(args.downstreamPdEndpoints);
        this.changefeedId = args.changefeedId;
        this.cli = "tikv-cdc cli changefeed";
        this.pd = `--pd=${upstream}`;
        this.scrapeJobs = [{ job: "tikv-cdc", targets: this.addresses }];

        const id = args.changefeedId;
        const create = [
            "set -e",
            `if ${this.cli} query -s ${this.pd} --changefeed-id=${id} >/dev/null 2>&1; then echo "changefeed ${id} exists"; exit 0; fi`,
            `${this.cli} create ${this.pd} --sink-uri='${this.sinkUri}' --changefeed-id=${id} --no-confirm`,
        ].join("\n");
        const created = platform.runTask(
            {
                name: `changefeed-${id}-${contentHash(create)}`,
                component: "tikv-cdc",
                image,
                command: ["/bin/sh", "-c"],
                args: [create],
                waitForCompletion: true,
                dependsOn: group.ready,
            },
            this,
        );
        this.ready = [...group.ready, created];
        this.registerOutputs({ addresses: this.addresses, sinkUri: this.sinkUri, changefeedId: this.changefeedId });
    }

    /** The shell script of a pause or resume step: acts only when the state calls for it, then shows the state. */
    public changefeedScript(action: ChangefeedAction): string {
        const id = this.args.changefeedId;
        return [
            "set -e",
            `state=$(${this.cli} query -s ${this.pd} --changefeed-id=${id})`,
            'echo "$state"',
            `if echo "$state" | grep -q '"state": *"${ACTION_FROM_STATE[action]}"'; then ${this.cli} ${action} ${this.pd} --changefeed-id=${id}; fi`,
            `${this.cli} query -s ${this.pd} --changefeed-id=${id}`,
        ].join("\n");
    }

    /**
     * A one-shot step that pauses or resumes the changefeed, waited for.
     * @param runId the run it belongs to (part of the step's name, so each run's steps are its own).
     */
    public changefeedStep(action: ChangefeedAction, runId: string, dependsOn: pulumi.Resource[]): pulumi.Resource {
        return this.args.platform.runTask(
            {
                name: `changefeed-${action}-${runId}`,
                component: "tikv-cdc",
                image: this.image,
                command: ["/bin/sh", "-c"],
                args: [this.changefeedScript(action)],
                waitForCompletion: true,
                dependsOn: [...new Set([...this.ready, ...dependsOn])],
            },
            this,
        );
    }
}
