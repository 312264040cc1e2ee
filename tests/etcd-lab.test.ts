import * as assert from "node:assert/strict";
import { ConfigError, EtcdLabConfig, EtcdScenario } from "../components/config";
import { SCENARIO_VIEWS, failpointTerms } from "../labs/etcd/scenario";
import { checkTransition, guardState } from "../components/guard";
import { DB_SIZE_LIMIT_VALUE_BYTES, etcdBenchmarkCommands } from "../labs/etcd/etcd-benchmark";
import { deepMerge, evaluate, ofType, renderedFiles, stackConfig, waitsFor } from "./support/evaluate";

const FAILPOINT_IMAGE = "registry.local/etcd-failpoints:v3.5.17";

describe("etcd lab", () => {
    it("health-checks members with etcdctl (distroless image: no shell, no curl)", async () => {
        const graph = await evaluate(stackConfig("etcd"), "etcd");
        const member = ofType(graph, "docker:index/container:Container").find((c) => c.name === "etcd-0")!;
        assert.deepEqual(member.inputs.healthcheck.tests, [
            "CMD",
            "/usr/local/bin/etcdctl",
            "endpoint",
            "health",
            "--endpoints=http://127.0.0.1:2379",
        ]);
        assert.equal(member.inputs.envs.length, 0, "no GOFAIL_HTTP without a failpoint build");
        assert.ok(ofType(graph, "docker:index/volume:Volume").some((v) => v.name === "etcd-2-data"));
    });

    it("a scenario switch is no membership change: the guard lets it through", () => {
        const deployed = guardState(stackConfig("etcd"));
        assert.deepEqual(checkTransition(deployed, stackConfig("etcd", { scenario: "compaction" })), []);
    });

    it("refuses a failpoint scenario without a failpoint build", () => {
        assert.throws(
            () => stackConfig("etcd", { scenario: "fsync-delay" }),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.match(err.problems[0], /^etcd\.failpointImage: scenario fsync-delay sets failpoints/);
                return true;
            },
        );
    });

    it("fsync-delay sets the WAL sync and backend commit sleeps on every member and exports GOFAIL_HTTP", async () => {
        const graph = await evaluate(stackConfig("etcd", { scenario: "fsync-delay", etcd: { failpointImage: FAILPOINT_IMAGE } }), "etcd");
        const containers = ofType(graph, "docker:index/container:Container");
        assert.deepEqual(containers.find((c) => c.name === "etcd-1")!.inputs.envs, ["GOFAIL_HTTP=0.0.0.0:22381"]);
        const task = containers.find((c) => c.name.startsWith("scenario-fsync-delay-"));
        assert.ok(task, containers.map((c) => c.name).join(", "));
        const script: string = task.inputs.command[0];
        for (const i of [0, 1, 2]) {
            assert.ok(script.includes(`-X PUT -d "$FAILPOINT_walBeforeSync" http://etcd-${i}:22381/walBeforeSync`), script);
            assert.ok(script.includes(`-X PUT -d "$FAILPOINT_beforeCommit" http://etcd-${i}:22381/beforeCommit`), script);
        }
        // Terms travel in the step's environment, never in the script text.
        assert.ok(task.inputs.envs.includes("FAILPOINT_walBeforeSync=sleep(100)"), String(task.inputs.envs));
        assert.ok(task.inputs.envs.includes("FAILPOINT_beforeCommit=sleep(200)"), String(task.inputs.envs));
        assert.ok(script.includes("-X PUT -d off http://etcd-0:22381/defragBeforeCopy"), "other scenarios' failpoints are turned off");
        // Off first, then the space restore, then this scenario's terms.
        const [off, restore, on] = [
            "-d off http://etcd-0:22381/walBeforeSync",
            "/v3/maintenance/defragment",
            '-d "$FAILPOINT_walBeforeSync"',
        ].map((s) => script.indexOf(s));
        assert.ok(off >= 0 && off < restore && restore < on, script);
    });

    it("the benchmark waits for the scenario step, and the scenario step is waited for until it exits", async () => {
        const graph = await evaluate(stackConfig("etcd", { scenario: "fsync-delay", etcd: { failpointImage: FAILPOINT_IMAGE } }), "etcd");
        const containers = ofType(graph, "docker:index/container:Container");
        const step = containers.find((c) => c.name.startsWith("scenario-"))!;
        assert.equal(step.inputs.attach, true);
        assert.ok(
            waitsFor(
                graph,
                "docker:index/container:Container::etcd-benchmark-fsync-delay",
                `docker:index/container:Container::${step.name}`,
            ),
        );
        assert.ok(waitsFor(graph, `docker:index/container:Container::${step.name}`, "docker:index/container:Container::etcd-2"));
    });

    it("the scenario step runs again whenever the members would be replaced or restarted, and only then", async () => {
        const stepName = async (overrides: Record<string, unknown>) => {
            const config = stackConfig(
                "etcd",
                deepMerge({ scenario: "fsync-delay", etcd: { failpointImage: FAILPOINT_IMAGE } }, overrides),
            );
            const graph = await evaluate(config, "etcd");
            return ofType(graph, "docker:index/container:Container").find((c) => c.name.startsWith("scenario-"))!.name;
        };
        const base = await stepName({});
        // Each of these replaces every member container (a new process: every failpoint off).
        for (const change of [
            { etcd: { failpointImage: "registry.local/etcd-failpoints:v3.5.17-2" } },
            { etcd: { quotaBackendBytes: 64 * 1024 * 1024 } },
            { etcd: { failpointPort: 22399 } },
            { etcd: { clientHostPort: 12379 } },
        ]) {
            assert.notEqual(await stepName(change), base, `the scenario step keeps its name across ${JSON.stringify(change)}`);
        }
        // The members do not change: the step is not re-run.
        assert.equal(await stepName({ load: { rate: 500 } }), base);
    });

    it("switching scenarios leaves every member as it was (a scenario is steps and load, never member flags)", async () => {
        const members = async (scenario: string) => {
            // With the peer proxies, which the network scenarios need (members advertise them in every scenario).
            const graph = await evaluate(
                stackConfig("etcd", { scenario, etcd: { failpointImage: FAILPOINT_IMAGE, peerProxies: true } }),
                "etcd",
            );
            return ofType(graph, "docker:index/container:Container")
                .filter((c) => /^etcd-\d$/.test(c.name))
                .map((c) => ({ name: c.name, image: c.inputs.image, command: c.inputs.command, envs: c.inputs.envs }));
        };
        const baseline = await members("baseline");
        assert.equal(baseline.length, 3);
        for (const scenario of EtcdScenario.options) assert.deepEqual(await members(scenario), baseline, scenario);
    });

    it("defrag-delay defragments while the benchmark runs: after the load has started, after the scenario step", async () => {
        const graph = await evaluate(stackConfig("etcd", { scenario: "defrag-delay", etcd: { failpointImage: FAILPOINT_IMAGE } }), "etcd");
        const containers = ofType(graph, "docker:index/container:Container");
        const defrag = containers.find((c) => c.name.startsWith("defrag-under-load-"));
        assert.ok(defrag, containers.map((c) => c.name).join(", "));
        const step = containers.find((c) => c.name.startsWith("scenario-defrag-delay-"))!;
        const key = `docker:index/container:Container::${defrag.name}`;
        assert.ok(waitsFor(graph, key, "clusterlab:index:LoadGen::etcd-benchmark"));
        assert.ok(waitsFor(graph, key, `docker:index/container:Container::${step.name}`));
        assert.equal(defrag.inputs.attach, true);
        for (const i of [0, 1, 2]) assert.ok(defrag.inputs.command[0].includes(`post http://etcd-${i}:2379/v3/maintenance/defragment`));
        assert.ok(!containers.some((c) => c.name.startsWith("defrag-under-load-") && c !== defrag));
        const baseline = await evaluate(stackConfig("etcd", { etcd: { failpointImage: FAILPOINT_IMAGE } }), "etcd");
        assert.ok(!ofType(baseline, "docker:index/container:Container").some((c) => c.name.startsWith("defrag-under-load-")));
    });

    it("switching back to baseline reverts every failpoint and gives back the db-size-limit space", async () => {
        const terms = failpointTerms("baseline", {
            "fsync-delay": { walBeforeSync: "sleep(100)" },
            "defrag-delay": { defragBeforeCopy: "sleep(5000)" },
        });
        assert.deepEqual(terms, { walBeforeSync: "off", defragBeforeCopy: "off" });
        const graph = await evaluate(stackConfig("etcd", { etcd: { failpointImage: FAILPOINT_IMAGE } }), "etcd");
        const script: string = ofType(graph, "docker:index/container:Container").find((c) => c.name.startsWith("scenario-baseline-"))!
            .inputs.command[0];
        assert.ok(!script.includes("sleep("), script);
        // Delete the fill range [0x00, 0x20) (base64 AA== .. IA==), compact, defrag each member, disarm NOSPACE.
        assert.ok(script.includes(`deleterange '{"key":"AA==","range_end":"IA=="}'`), script);
        assert.ok(script.includes("/v3/kv/compaction"), script);
        for (const i of [0, 1, 2]) assert.ok(script.includes(`post http://etcd-${i}:2379/v3/maintenance/defragment`), script);
        assert.match(script, /DEACTIVATE.*NOSPACE/);
    });

    it("every panel a scenario points at is on a dashboard the lab provisions", async () => {
        const graph = await evaluate(stackConfig("etcd"), "etcd");
        const files = renderedFiles(graph, "grafana");
        const titles = (uid: string) => {
            const file = Object.entries(files).find(([path]) => path.endsWith(`/${uid}.json`));
            assert.ok(file, `dashboard ${uid} not provisioned`);
            return (JSON.parse(file[1]).panels as { title: string }[]).map((p) => p.title);
        };
        for (const [scenario, view] of Object.entries(SCENARIO_VIEWS)) {
            assert.ok(view.panels.length > 0, scenario);
            for (const { dashboard, panel } of view.panels)
                assert.ok(titles(dashboard).includes(panel), `${scenario}: ${dashboard} / ${panel}`);
        }
    });

    it("shapes the benchmark per scenario", () => {
        const config = stackConfig("etcd") as EtcdLabConfig;
        assert.equal(config.lab, "etcd");
        const bench = config.load;
        const endpoints = ["http://etcd-0:2379"];
        const [basePut, baseRange] = etcdBenchmarkCommands(bench, "baseline", endpoints, 2 ** 31);
        assert.match(
            basePut,
            /^benchmark --endpoints=http:\/\/etcd-0:2379 --conns=10 --clients=50 put --key-size=32 --val-size=256 --total=100000 --rate=1000/,
        );
        assert.match(basePut, / --sequential-keys --key-space-size=10000$/, "puts overwrite a bounded key space");
        assert.match(baseRange, / range 0 1 --consistency=l --total=100000/);
        assert.match(
            etcdBenchmarkCommands(bench, "compaction", endpoints, 2 ** 31)[0],
            /--compact-interval=30s --compact-index-delta=1000/,
        );
        const quota = 64 * 1024 * 1024;
        const sizePut = etcdBenchmarkCommands(bench, "db-size-limit", endpoints, quota)[0];
        const total = Number(/--total=(\d+)/.exec(sizePut)![1]);
        assert.ok(total * DB_SIZE_LIMIT_VALUE_BYTES > quota, "db-size-limit must write more than the quota");
    });
});
