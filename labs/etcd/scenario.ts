/**
 * The etcd lab's scenarios: what each one should show an operator, and the one-shot steps
 * that put the cluster into it.
 *
 * Every step is a shell script run by an image with `sh` and `curl` (`curlimages/curl`;
 * the official etcd image is distroless). It talks to:
 * - gofail's HTTP endpoint on each member: `PUT /<name>` with the term as body
 *   (etcd-io/gofail `runtime/http.go`);
 * - etcd's JSON gRPC gateway on the client port (etcd 3.5 `server/embed/serve.go`, enabled by
 *   default): `/v3/kv/deleterange`, `/v3/kv/compaction`, `/v3/maintenance/{status,defragment,alarm}`
 *   with the `api/etcdserverpb/rpc.proto` messages as JSON (bytes base64, int64 as strings).
 */
import * as pulumi from "@pulumi/pulumi";
import { EtcdScenario } from "./config";
import { NETWORK_SCENARIOS } from "./network";
import { FILL_KEY_RANGE } from "./etcd-benchmark";
import { CURL_IMAGE } from "../../components/images";
import { Platform, contentHash } from "../../components/platform";

/** A panel, by dashboard uid and panel title. */
export interface PanelRef {
    dashboard: string;
    panel: string;
}

/** What a scenario is for, and the panels where its effect shows. */
export interface ScenarioView {
    /** One line for humans: the fault and what moves. */
    summary: string;
    /** Panels that show the effect (the T1 test runs every query of these against a real Prometheus). */
    panels: PanelRef[];
}

/** The lab's scenarios, designed from what the operator should see. */
export const SCENARIO_VIEWS: Record<EtcdScenario, ScenarioView> = {
    baseline: {
        summary: "No fault: the reference for every other scenario's latencies and sizes.",
        panels: [
            { dashboard: "etcd-puts", panel: "Put rate" },
            { dashboard: "etcd-puts", panel: "Put p99" },
            { dashboard: "etcd-ranges", panel: "Range rate" },
            { dashboard: "etcd-ranges", panel: "Range p99" },
        ],
    },
    "fsync-delay": {
        summary:
            "A slow disk: 100 ms more per sync, so 100 ms before every WAL sync and 200 ms before every bbolt commit (two syncs). Put p99 and backend commit p99 rise; the WAL fsync histogram does not (no 3.5 failpoint is inside its timer).",
        panels: [
            { dashboard: "etcd-puts", panel: "Put p99" },
            { dashboard: "etcd-puts", panel: "Backend commit p99" },
            { dashboard: "etcd-puts", panel: "Proposals pending / failed" },
        ],
    },
    "defrag-delay": {
        summary:
            "A defrag of a fragmented database under load, each member's copy delayed 5 s: defrag duration ≥ 5 s, fragmentation drops, the member keeps its leader.",
        panels: [
            { dashboard: "etcd-defrag", panel: "Fragmentation" },
            { dashboard: "etcd-defrag", panel: "Defrag duration p99" },
            { dashboard: "etcd-defrag", panel: "Has leader during defrag" },
        ],
    },
    compaction: {
        summary: "Puts overwrite a bounded key space and the benchmark compacts: keys compacted rise, in use falls below the file size.",
        panels: [
            { dashboard: "etcd-compaction", panel: "Keys compacted/s" },
            { dashboard: "etcd-compaction", panel: "DB size vs in use vs quota" },
        ],
    },
    "db-size-limit": {
        summary: "Large values fill the backend quota: the NOSPACE alarm fires and puts fail until the next scenario frees the space.",
        panels: [
            { dashboard: "etcd-compaction", panel: "Quota used" },
            { dashboard: "etcd-compaction", panel: "DB size vs in use vs quota" },
            { dashboard: "etcd-puts", panel: "Failed puts/s" },
        ],
    },
    "network-delay": {
        summary:
            "Every peer link's replies delayed (etcd.peerDelayMs, 1000 ms as in the seed lab's bridge -rx-delay): peer round-trip p99 rises by the delay; at or above the election timeout (1000 ms) the cluster keeps electing and commits stall.",
        panels: [
            { dashboard: "etcd-peers", panel: "Peer round trip p99" },
            { dashboard: "etcd-peers", panel: "Leader changes" },
            { dashboard: "etcd-peers", panel: "Proposals failed / pending" },
        ],
    },
    partition: {
        summary:
            "One member (etcd.faultMember) cut off from its peers in both directions: if it led, the others elect a new leader; its proposals fail and it sees no leader until the next scenario heals it.",
        panels: [
            { dashboard: "etcd-peers", panel: "Has leader per member" },
            { dashboard: "etcd-peers", panel: "Proposals failed / pending" },
            { dashboard: "etcd-peers", panel: "Peer bytes sent / received" },
        ],
    },
    "member-kill": {
        summary:
            "One member (etcd.faultMember) crashes under load (a gofail panic) and is restarted by the platform: it replays its WAL and catches up with the others' revision.",
        panels: [
            { dashboard: "etcd-peers", panel: "Has leader per member" },
            { dashboard: "etcd-peers", panel: "Leader changes" },
        ],
    },
};

/** Failpoint terms for `scenario`: its own, and `off` for every other scenario's. */
export function failpointTerms(
    scenario: EtcdScenario,
    failpoints: Partial<Record<EtcdScenario, Record<string, string>>>,
): Record<string, string> {
    const terms: Record<string, string> = {};
    for (const table of Object.values(failpoints)) for (const name of Object.keys(table ?? {})) terms[name] = "off";
    return { ...terms, ...(failpoints[scenario] ?? {}) };
}

/**
 * The environment variable that carries failpoint `name`'s term into the step (`FAILPOINT_walBeforeSync`).
 * Terms reach curl as the value of a quoted variable expansion, never as script text: the shell
 * does not re-parse an expansion's value, so no term can end the quoting (POSIX Shell Command
 * Language, 2.6.2 Parameter Expansion and 2.6.5 Field Splitting: inside double quotes no splitting
 * or further expansion happens). Names are `[A-Za-z][A-Za-z0-9]*` (labs/etcd/config.ts), so the
 * variable name is a valid shell name.
 */
export function failpointVariable(name: string): string {
    return `FAILPOINT_${name}`;
}

/** The step's environment: each failpoint's term for `scenario` ({@link failpointTerms}) under {@link failpointVariable}. */
export function failpointEnv(
    scenario: EtcdScenario,
    failpoints: Partial<Record<EtcdScenario, Record<string, string>>>,
): Record<string, string> {
    return Object.fromEntries(Object.entries(failpointTerms(scenario, failpoints)).map(([name, term]) => [failpointVariable(name), term]));
}

/** `PUT` of each failpoint's term to each member's gofail endpoint (`off`, or the term from the step's env); fails on any error. */
function failpointLines(endpoints: string[], names: string[], off: boolean): string[] {
    return endpoints.flatMap((endpoint) =>
        names.map(
            (name) =>
                `curl -fsS --retry 10 --retry-connrefused --max-time 5 -X PUT -d ${off ? "off" : `"$${failpointVariable(name)}"`} ${endpoint}/${name}`,
        ),
    );
}

/** Shell helpers every step uses: `post URL JSON` (bounded, retried) and `field NAME` (a JSON string field of stdin). */
const HELPERS = [
    "set -eu",
    `post() { curl -fsS --retry 10 --retry-connrefused --max-time 120 -X POST "$1" -d "$2"; }`,
    `field() { sed -n "s/.*\\"$1\\":\\"\\([0-9]*\\)\\".*/\\1/p"; }`,
];

/**
 * Gives back the space a db-size-limit fill took, as etcd's space-quota runbook does
 * (etcd.io/docs/v3.5/op-guide/maintenance/#space-quota): delete the fill keys, compact at that
 * revision, defragment every member, then disarm every NOSPACE alarm (what `etcdctl alarm disarm`
 * does: list the alarms, deactivate each; clientv3 `maintenance.AlarmDisarm`). Delete and
 * compaction are allowed while the alarm is armed. Idempotent: on a cluster with nothing to give
 * back it deletes nothing, compacts history and defragments small files.
 */
export function restoreSpaceLines(clientEndpoints: string[]): string[] {
    const b64 = (s: string) => Buffer.from(s, "binary").toString("base64");
    const first = clientEndpoints[0];
    return [
        `rev=$(post ${first}/v3/kv/deleterange '{"key":"${b64(FILL_KEY_RANGE.key)}","range_end":"${b64(FILL_KEY_RANGE.end)}"}' | field revision)`,
        `echo "fill keys deleted at revision $rev"`,
        `post ${first}/v3/kv/compaction "{\\"revision\\":\\"$rev\\",\\"physical\\":true}" >/dev/null || echo "revision $rev already compacted"`,
        ...clientEndpoints.map((ep) => `post ${ep}/v3/maintenance/defragment '{}' >/dev/null && echo "defragmented ${ep}"`),
        `for id in $(post ${first}/v3/maintenance/alarm '{"action":"GET"}' | grep -o '"memberID":"[0-9]*","alarm":"NOSPACE"' | field memberID); do`,
        `  post ${first}/v3/maintenance/alarm "{\\"action\\":\\"DEACTIVATE\\",\\"memberID\\":\\"$id\\",\\"alarm\\":\\"NOSPACE\\"}" >/dev/null`,
        `  echo "NOSPACE disarmed on member $id"`,
        "done",
    ];
}

/**
 * The switch step's script (run with {@link failpointEnv} as its environment): turn every failpoint off, give back any space the db-size-limit
 * scenario filled ({@link restoreSpaceLines}), then set this scenario's failpoints. Reverting
 * first means no previous fault slows the restore, and every switch ends in the same state
 * whatever the previous scenario was. A network scenario (labs/etcd/network.ts) skips the
 * restore: its writes need a leader, which the previous network fault (a switch from
 * network-delay to partition) may have taken away; a db-size-limit fill is given back by the
 * next switch to a scenario that is not a network one.
 * @param failpointEndpoints gofail endpoints (empty when the image has no failpoints).
 */
export function scenarioScript(
    scenario: EtcdScenario,
    failpoints: Partial<Record<EtcdScenario, Record<string, string>>>,
    failpointEndpoints: string[],
    clientEndpoints: string[],
): string {
    const every = Object.keys(failpointTerms(scenario, failpoints));
    const on = Object.keys(failpoints[scenario] ?? {});
    return [
        ...HELPERS,
        ...failpointLines(failpointEndpoints, every, true),
        ...((NETWORK_SCENARIOS as readonly string[]).includes(scenario) ? [] : restoreSpaceLines(clientEndpoints)),
        ...failpointLines(failpointEndpoints, on, false),
        `echo "scenario ${scenario} applied"`,
    ].join("\n");
}

/** How long (seconds) the defrag step waits for the load's overwrites before it compacts anyway. */
export const DEFRAG_WAIT_SECONDS = 120;

/**
 * The defrag-delay step, run while the benchmark overwrites its key space: wait (at most
 * {@link DEFRAG_WAIT_SECONDS}) until `overwrites` more revisions exist (the status API's header
 * revision); then, one member at a time, compact at the current revision through that member
 * (`physical: true` returns once its compaction is applied): the superseded revisions' pages
 * become free pages in its file (`dbSize - dbSizeInUse`), which the defragmentation right after
 * gives back; sizes before and after are printed. Compacting just before each defrag matters
 * under load: free pages are reused by new writes within seconds. One member at a time keeps a
 * quorum serving (etcd.io/docs/v3.5/op-guide/maintenance/#defragmentation). The benchmark itself
 * does not compact here: its compaction (tools/benchmark `compactKV`) panics when a request
 * times out, and a member in a delayed defrag holds every request for the failpoint's sleep.
 * @param overwrites revisions to wait for (the key-space size: each key overwritten about once); 0 when there is no load.
 */
export function defragUnderLoadScript(clientEndpoints: string[], overwrites: number): string {
    const first = clientEndpoints[0];
    return [
        ...HELPERS,
        `sizes() { s=$(post "$1/v3/maintenance/status" '{}'); size=$(echo "$s" | field dbSize); used=$(echo "$s" | field dbSizeInUse); rev=$(echo "$s" | field revision); }`,
        `sizes ${first}; start=$rev; i=0`,
        `while [ $((rev - start)) -lt ${overwrites} ] && [ $i -lt ${DEFRAG_WAIT_SECONDS} ]; do sleep 1; i=$((i + 1)); sizes ${first}; done`,
        `echo "after $i s: $((rev - start)) new revisions"`,
        ...clientEndpoints.flatMap((ep) => [
            `sizes ${ep}`,
            `post ${ep}/v3/kv/compaction "{\\"revision\\":\\"$rev\\",\\"physical\\":true}" >/dev/null || echo "revision $rev already compacted"`,
            `sizes ${ep}; echo "${ep} before: dbSize=$size dbSizeInUse=$used"`,
            `post ${ep}/v3/maintenance/defragment '{}' >/dev/null`,
            `sizes ${ep}; echo "${ep} after: dbSize=$size dbSizeInUse=$used"`,
        ]),
    ].join("\n");
}

/** Arguments of {@link EtcdScenarioRun}. */
export interface EtcdScenarioArgs {
    platform: Platform;
    scenario: EtcdScenario;
    failpoints: Partial<Record<EtcdScenario, Record<string, string>>>;
    /** gofail HTTP endpoints of every member; empty when the image has no failpoints. */
    failpointEndpoints: string[];
    /** In-lab client endpoints (`http://etcd-0:2379`, …): the gateway the steps call. */
    clientEndpoints: string[];
    /**
     * A digest of everything that shapes a member (image, flags, env, ports). It is part of the
     * switch step's name, so a change that replaces or restarts the members — whose failpoint
     * terms live in process memory — also re-runs the step (a new name is a new container/Job).
     */
    memberRevision: string;
    /** Revisions the defrag step waits for before it compacts (the benchmark's key space; 0 without load). */
    defragAfterRevisions: number;
    /** Image of the steps (sh + curl); default {@link CURL_IMAGE}. */
    stepImage?: string;
    dependsOn: pulumi.Resource[];
}

/**
 * The scenario's one-shot steps (`clusterlab:index:EtcdScenario`): the switch step before any
 * load ({@link ready}), and the steps that must run while the load runs ({@link underLoad}).
 */
export class EtcdScenarioRun extends pulumi.ComponentResource {
    /** What the load waits for: the switch step. */
    public readonly ready: pulumi.Resource[];
    private readonly image: pulumi.Input<string>;

    constructor(
        name: string,
        private readonly args: EtcdScenarioArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("clusterlab:index:EtcdScenario", name, {}, opts);
        this.image = args.platform.image(args.stepImage ?? CURL_IMAGE);
        const script = scenarioScript(args.scenario, args.failpoints, args.failpointEndpoints, args.clientEndpoints);
        const env = failpointEnv(args.scenario, args.failpoints);
        this.ready = [
            args.platform.runTask(
                {
                    name: `scenario-${args.scenario}-${contentHash(`${script}\n${JSON.stringify(env)}\n${args.memberRevision}`)}`,
                    component: "scenario",
                    image: this.image,
                    command: ["/bin/sh", "-c"],
                    args: [script],
                    env,
                    waitForCompletion: true,
                    dependsOn: args.dependsOn,
                },
                this,
            ),
        ];
        this.registerOutputs({});
    }

    /**
     * Registers the steps that run while `load` runs (defrag-delay: {@link defragUnderLoadScript}).
     * @param load the started load generator(s); empty when load is off (the step then compacts and defragments an idle cluster).
     * @returns the registered steps.
     */
    underLoad(load: pulumi.Resource[]): pulumi.Resource[] {
        if (this.args.scenario !== "defrag-delay") return [];
        const script = defragUnderLoadScript(this.args.clientEndpoints, load.length ? this.args.defragAfterRevisions : 0);
        return [
            this.args.platform.runTask(
                {
                    name: `defrag-under-load-${contentHash(`${script}\n${this.args.memberRevision}`)}`,
                    component: "defrag",
                    image: this.image,
                    command: ["/bin/sh", "-c"],
                    args: [script],
                    waitForCompletion: true,
                    dependsOn: [...this.ready, ...load],
                },
                this,
            ),
        ];
    }

    /**
     * Registers one more step that runs while `load` runs (member-kill's, labs/etcd/network.ts):
     * named `<stem>-<hash of script and member revision>`, waited for.
     */
    stepUnderLoad(stem: string, script: string, load: pulumi.Resource[]): pulumi.Resource {
        return this.args.platform.runTask(
            {
                name: `${stem}-${contentHash(`${script}\n${this.args.memberRevision}`)}`,
                component: stem,
                image: this.image,
                command: ["/bin/sh", "-c"],
                args: [script],
                waitForCompletion: true,
                dependsOn: [...this.ready, ...load],
            },
            this,
        );
    }
}
