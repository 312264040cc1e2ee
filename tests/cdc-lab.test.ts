import * as assert from "node:assert/strict";
import { parseStackConfig } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { Graph, deepMerge, evaluate, keyOf, ofType, renderedFiles, stackConfig, waitsFor } from "./support/evaluate";
import { CDC_ON_KUBERNETES } from "./support/cdc-stack";

// smol-toml ships CommonJS; its types read as ESM-only under module node16 (see components/cdc/tikv-config.ts).
const { parse: parseToml } = require("smol-toml") as { parse: (text: string) => Record<string, any> };

/** The test plan's cases, as config overrides of Pulumi.cdc.yaml. */
const CASES: [string, Record<string, unknown>][] = [
    ["case 1: CDC before the workload", { cdc: { start: "before" } }],
    ["case 2: CDC between the rounds", { cdc: { start: "between" } }],
    ["case 2: CDC after the workload", { cdc: { start: "after" } }],
    ["case 3.1: 3 stores, region split", { main: { tikv: { stores: 3 } }, cdc: { disturb: "split" } }],
    ["case 3.2: 3 stores, region merge", { main: { tikv: { stores: 3 } }, cdc: { disturb: "merge" } }],
    ["case 3.3: 3 stores, leader transfer", { main: { tikv: { stores: 3 } }, cdc: { disturb: "transfer-leader" } }],
    ["benchmark: go-ycsb with CDC on", { load: { enabled: true } }],
    ["benchmark: go-ycsb with CDC off", { cdc: { enabled: false }, load: { enabled: true } }],
];

const K8S = CDC_ON_KUBERNETES;

const CONTAINER = "docker:index/container:Container";

/** A Docker container's full command line (entrypoint override + args). */
function commandOf(graph: Graph, name: string): string[] {
    const c = ofType(graph, CONTAINER).find((r) => r.name === name);
    assert.ok(
        c,
        `no container ${name}: ${ofType(graph, CONTAINER)
            .map((r) => r.name)
            .join(", ")}`,
    );
    return [...(c.inputs.entrypoints ?? []), ...(c.inputs.command ?? [])];
}

/** The value of `--flag=` in a command line. */
function flag(command: string[], name: string): string {
    const arg = command.find((a) => a.startsWith(`--${name}=`));
    assert.ok(arg, `no --${name} in ${command.join(" ")}`);
    return arg.slice(name.length + 3);
}

/** Host of a URL or host:port. */
function hostOf(address: string): string {
    return new URL(address.includes("://") ? address : `http://${address}`).host;
}

/** The one task whose name starts with `stem`. */
function task(graph: Graph, stem: string): string {
    const names = ofType(graph, CONTAINER)
        .map((c) => c.name)
        .filter((n) => n.startsWith(stem));
    assert.equal(names.length, 1, `tasks ${stem}*: ${names.join(", ")}`);
    return names[0];
}

describe("RawKV CDC lab (Pulumi.cdc.yaml)", () => {
    for (const [title, overrides] of CASES) {
        // Kubernetes shapes do not depend on the case beyond what these three cover; keep npm test quick.
        const platforms = ["case 1", "case 3.1", "benchmark: go-ycsb with CDC off"].some((c) => title.startsWith(c))
            ? (["docker", "kubernetes"] as const)
            : (["docker"] as const);
        for (const platform of platforms) {
            it(`${title} evaluates under mocks (${platform})`, async () => {
                const config = stackConfig("cdc", platform === "docker" ? overrides : deepMerge(K8S, overrides));
                const graph = await evaluate(config, "cdc");
                const custom = [...graph.resources.values()].filter((r) => r.custom);
                assert.ok(custom.length > 10, `${custom.length} resources`);
                const cdcOn = config.lab === "cdc" && config.cdc.enabled;
                assert.equal(graph.outputs.cdcEnabled, cdcOn);
                assert.equal(Boolean(graph.outputs.cdcVerdict), cdcOn);
                if (platform === "kubernetes") {
                    const sts = ofType(graph, "kubernetes:apps/v1:StatefulSet").map((s) => s.name);
                    for (const group of ["main-pd", "main-tikv", "recovery-pd", "recovery-tikv"])
                        assert.ok(sts.includes(group), sts.join(", "));
                    assert.equal(sts.includes("tikv-cdc"), cdcOn);
                }
            });
        }
    }

    it("both clusters' TiKV stores run with a config file that sets API v2 and TTL", async () => {
        for (const platform of ["docker", "kubernetes"] as const) {
            const graph = await evaluate(stackConfig("cdc", platform === "docker" ? { main: { tikv: { stores: 3 } } } : K8S), "cdc");
            for (const group of ["main-tikv", "recovery-tikv"]) {
                const files = renderedFiles(graph, group);
                const [path, text] = Object.entries(files).find(([p]) => p.endsWith(".toml")) ?? [];
                assert.ok(path && text, `${group} (${platform}): no TOML file in ${Object.keys(files).join(", ")}`);
                const toml = parseToml(text);
                assert.equal(toml.storage["api-version"], 2, `${group}: ${text}`);
                assert.equal(toml.storage["enable-ttl"], true, `${group}: ${text}`);
                const args: string[] =
                    platform === "docker"
                        ? commandOf(graph, `${group}-0`)
                        : ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === group)!.inputs.spec.template.spec
                              .containers[0].args;
                assert.equal(flag(args, "config"), path, `${group} (${platform}) does not read its config file`);
            }
        }
    });

    it("the changefeed's sink URI names the recovery cluster's PD, the servers the main cluster's", async () => {
        const graph = await evaluate(stackConfig("cdc"), "cdc");
        const recoveryPd = hostOf(flag(commandOf(graph, "recovery-pd-0"), "advertise-client-urls"));
        const mainPd = hostOf(flag(commandOf(graph, "main-pd-0"), "advertise-client-urls"));
        assert.notEqual(recoveryPd, mainPd);
        const create = commandOf(graph, task(graph, "changefeed-rawkv-replication-")).join(" ");
        const sink = /--sink-uri='([^']+)'/.exec(create);
        assert.ok(sink, create);
        const uri = new URL(sink[1]);
        assert.equal(uri.protocol, "tikv:");
        assert.equal(uri.host, recoveryPd);
        assert.equal(hostOf(flag(create.split(" "), "pd")), mainPd, "the changefeed is created on the upstream PD");
        assert.equal(hostOf(flag(commandOf(graph, "tikv-cdc-0"), "pd")), mainPd);
        assert.equal(graph.outputs.cdcSinkUri, sink[1]);
    });

    it("each start mode orders pause/resume around the two PUT rounds; the check comes last", async () => {
        const order: Record<string, [string, string][]> = {
            // [a, b]: a waits for b
            before: [
                ["rawkv-put-v-", "changefeed-resume-"],
                ["rawkv-put-v1-", "rawkv-put-v-"],
                ["rawkv-check-", "rawkv-put-v1-"],
            ],
            between: [
                ["rawkv-put-v-", "changefeed-pause-"],
                ["changefeed-resume-", "rawkv-put-v-"],
                ["rawkv-put-v1-", "changefeed-resume-"],
                ["rawkv-check-", "rawkv-put-v1-"],
            ],
            after: [
                ["rawkv-put-v-", "changefeed-pause-"],
                ["rawkv-put-v1-", "rawkv-put-v-"],
                ["changefeed-resume-", "rawkv-put-v1-"],
                ["rawkv-check-", "changefeed-resume-"],
            ],
        };
        for (const [start, edges] of Object.entries(order)) {
            const graph = await evaluate(stackConfig("cdc", { cdc: { start } }), "cdc");
            for (const [a, b] of edges) {
                const ka = keyOf({ type: CONTAINER, name: task(graph, a) });
                const kb = keyOf({ type: CONTAINER, name: task(graph, b) });
                assert.ok(waitsFor(graph, ka, kb), `${start}: ${a} must wait for ${b}`);
                assert.ok(!waitsFor(graph, kb, ka), `${start}: ${b} must not wait for ${a}`);
            }
            const changefeed = keyOf({ type: CONTAINER, name: task(graph, "changefeed-rawkv-replication-") });
            assert.ok(
                waitsFor(graph, keyOf({ type: CONTAINER, name: task(graph, "rawkv-put-v-") }), changefeed),
                "writes start after the changefeed exists",
            );
            const check = commandOf(graph, task(graph, "rawkv-check-"));
            assert.equal(
                flag(check, "prefix"),
                flag(commandOf(graph, task(graph, "rawkv-put-v-")), "prefix"),
                "the check reads the keys the workload wrote",
            );
            assert.equal(hostOf(flag(check, "recovery-pd")), hostOf(flag(commandOf(graph, "recovery-pd-0"), "advertise-client-urls")));
        }
    });

    it("the workload's rounds write v then v+1 with N threads × M keys", async () => {
        const graph = await evaluate(stackConfig("cdc"), "cdc");
        const put1 = commandOf(graph, task(graph, "rawkv-put-v-"));
        const put2 = commandOf(graph, task(graph, "rawkv-put-v1-"));
        assert.deepEqual([flag(put1, "round"), flag(put2, "round")], ["1", "2"]);
        assert.deepEqual([flag(put1, "threads"), flag(put1, "keys")], ["400", "1000"]);
        assert.equal(hostOf(flag(put1, "pd")), hostOf(flag(commandOf(graph, "main-pd-0"), "advertise-client-urls")));
    });

    it("disturbances run pd-ctl from the PD image against the main cluster, alongside the writes", async () => {
        const operators = { split: "split-region", merge: "merge-region", "transfer-leader": "transfer-leader" };
        for (const [disturb, operator] of Object.entries(operators)) {
            const graph = await evaluate(stackConfig("cdc", { main: { tikv: { stores: 3 } }, cdc: { disturb } }), "cdc");
            const name = task(graph, "disturb-");
            const container = ofType(graph, CONTAINER).find((c) => c.name === name)!;
            const pd = ofType(graph, CONTAINER).find((c) => c.name === "main-pd-0")!;
            assert.equal(container.inputs.image, pd.inputs.image, "the PD image carries pd-ctl");
            const script = commandOf(graph, name).join(" ");
            assert.match(script, new RegExp(`operator add ${operator}`));
            assert.match(script, /PD='http:\/\/main-pd-0:2379'/);
            const key = keyOf({ type: CONTAINER, name });
            const put2 = keyOf({ type: CONTAINER, name: task(graph, "rawkv-put-v1-") });
            assert.ok(!waitsFor(graph, key, put2) && !waitsFor(graph, put2, key), "runs during the writes, not before or after them");
        }
        const quiet = await evaluate(stackConfig("cdc"), "cdc");
        assert.ok(!ofType(quiet, CONTAINER).some((c) => c.name.startsWith("disturb-")));
    });

    it("scrape jobs label each cluster; TiKV-CDC (8600) and the verdict exporter (9105) are scraped, with the alert rules loaded", async () => {
        const graph = await evaluate(stackConfig("cdc"), "cdc");
        const files = renderedFiles(graph, "prometheus");
        const prom = Object.entries(files).find(([p]) => p.endsWith("prometheus.yml"))![1];
        assert.match(prom, /job_name: main-tikv[\s\S]*?cluster: main/);
        assert.match(prom, /job_name: recovery-tikv[\s\S]*?cluster: recovery/);
        assert.match(prom, /job_name: tikv-cdc[\s\S]*?tikv-cdc-0:8600/);
        assert.ok(
            Object.keys(files).some((p) => p.endsWith("tikv-cdc.yml")),
            Object.keys(files).join(", "),
        );
        assert.match(prom, /job_name: rawkv-verdict[\s\S]*?rawkv-verdict:9105/);
        const verdict = commandOf(graph, "rawkv-verdict-0");
        assert.deepEqual(
            verdict.filter((a) => a !== "--serve"),
            commandOf(graph, task(graph, "rawkv-check-")),
            "the exporter repeats the one-shot check",
        );
        assert.ok(verdict.includes("--serve"));
        assert.equal(flag(verdict, "metrics-addr"), ":9105");
    });

    it("refuses configs outside the test plan, naming the key", () => {
        const refused: [Record<string, unknown>, RegExp][] = [
            [{ main: { tikv: { stores: 2 } } }, /main\.tikv\.stores: expected 1 or 3, got 2/],
            [{ recovery: { tikv: { stores: 3 } } }, /recovery\.tikv\.stores: expected 1, got 3/],
            [{ version: "v6.1.0" }, /version: expected a TiKV\/PD tag v6\.2\.0 or later/],
            [{ cdc: { start: "during" } }, /cdc\.start: expected "before", "between" or "after", got "during"/],
            [{ cdc: { disturb: "scatter" } }, /cdc\.disturb: expected "none", "split", "merge" or "transfer-leader"/],
            [{ platform: "kubernetes" }, /cdc\.image: required on kubernetes/],
        ];
        for (const [overrides, message] of refused) {
            assert.throws(() => stackConfig("cdc", overrides), message);
        }
        assert.equal(parseStackConfig({ lab: "cdc", version: "v6.2.0" }).lab, "cdc");
    });

    it("the guard refuses taking the main cluster from 3 stores back to 1 unless allowed", () => {
        const three = stackConfig("cdc", { main: { tikv: { stores: 3 } } });
        const deployed = guardState(three);
        assert.match(checkTransition(deployed, stackConfig("cdc")).join("\n"), /main\.tikv\.stores/);
        assert.deepEqual(checkTransition(deployed, stackConfig("cdc", { main: { tikv: { allowScaleIn: true } } })), []);
    });
});
