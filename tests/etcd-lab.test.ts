import * as assert from "node:assert/strict";
import { ConfigError, EtcdLabConfig } from "../components/config";
import { failpointTerms } from "../components/etcd-scenario";
import { checkTransition, guardState } from "../components/guard";
import { DB_SIZE_LIMIT_VALUE_BYTES, etcdBenchmarkCommands } from "../components/load/etcd-benchmark";
import { evaluate, ofType, stackConfig, waitsFor } from "./support/evaluate";

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

    it("refuses any change of the member count: all members bootstrap from one --initial-cluster", () => {
        const deployed = guardState(stackConfig("etcd"));
        assert.match(
            checkTransition(deployed, stackConfig("etcd", { etcd: { members: 5 } })).join("\n"),
            /etcd\.members: 3 → 5 would replace stateful resources/,
        );
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

    it("fsync-delay sets the WAL sync sleep on every member and exports GOFAIL_HTTP", async () => {
        const graph = await evaluate(stackConfig("etcd", { scenario: "fsync-delay", etcd: { failpointImage: FAILPOINT_IMAGE } }), "etcd");
        const containers = ofType(graph, "docker:index/container:Container");
        assert.deepEqual(containers.find((c) => c.name === "etcd-1")!.inputs.envs, ["GOFAIL_HTTP=0.0.0.0:22381"]);
        const task = containers.find((c) => c.name.startsWith("failpoints-fsync-delay-"));
        assert.ok(task, containers.map((c) => c.name).join(", "));
        const script: string = task.inputs.command[0];
        for (const i of [0, 1, 2]) assert.ok(script.includes(`-X PUT -d 'sleep(100)' http://etcd-${i}:22381/walBeforeSync`), script);
        assert.ok(script.includes("-X PUT -d 'off' http://etcd-0:22381/defragBeforeCopy"), "other scenarios' failpoints are turned off");
    });

    it("the benchmark waits for the failpoints, and the failpoints step is waited for until it exits", async () => {
        const graph = await evaluate(stackConfig("etcd", { scenario: "fsync-delay", etcd: { failpointImage: FAILPOINT_IMAGE } }), "etcd");
        const containers = ofType(graph, "docker:index/container:Container");
        const failpoints = containers.find((c) => c.name.startsWith("failpoints-"))!;
        assert.equal(failpoints.inputs.attach, true);
        assert.ok(
            waitsFor(
                graph,
                "docker:index/container:Container::etcd-benchmark-fsync-delay",
                `docker:index/container:Container::${failpoints.name}`,
            ),
        );
        assert.ok(waitsFor(graph, `docker:index/container:Container::${failpoints.name}`, "docker:index/container:Container::etcd-2"));
    });

    it("switching back to baseline reverts every failpoint", async () => {
        const terms = failpointTerms("baseline", {
            "fsync-delay": { walBeforeSync: "sleep(100)" },
            "defrag-delay": { defragBeforeCopy: "sleep(5000)" },
        });
        assert.deepEqual(terms, { walBeforeSync: "off", defragBeforeCopy: "off" });
        const graph = await evaluate(stackConfig("etcd", { etcd: { failpointImage: FAILPOINT_IMAGE } }), "etcd");
        const task = ofType(graph, "docker:index/container:Container").find((c) => c.name.startsWith("failpoints-baseline-"))!;
        assert.ok(!task.inputs.command[0].includes("sleep("), task.inputs.command[0]);
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
        assert.match(baseRange, / range key --consistency=l --total=100000/);
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
