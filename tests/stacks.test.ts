import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { TIKV_CONFIG_PATH } from "../labs/tikv/tikv-cluster";
import { Graph, ROOT, evaluate, mockImageId, ofType, stackConfig, stackFiles, waitsFor } from "./support/evaluate";

const CONTAINER = "docker:index/container:Container";

function container(graph: Graph, name: string) {
    const found = ofType(graph, CONTAINER).find((c) => c.name === name);
    assert.ok(found, `no container ${name}`);
    return found;
}

describe("Pulumi.yaml", () => {
    it("parses as YAML and declares a nodejs TypeScript project whose schema keys all have types", () => {
        const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"), { strict: true, uniqueKeys: true });
        assert.equal(project.name, "clusterlab");
        assert.equal(project.runtime.name, "nodejs");
        for (const [key, spec] of Object.entries(project.config as Record<string, { type?: string; default?: unknown }>)) {
            assert.ok(!key.includes(":"), `${key}: project keys are declared without the namespace`);
            assert.ok(spec.type, `${key}: no type`);
        }
    });
});

/** What one stack file must produce. */
interface StackExpectation {
    lab: string;
    platform: "docker" | "kubernetes";
    arch: "amd64" | "arm64";
    /** Member groups and their member counts (Docker containers `<group>-N`, or StatefulSet replicas). */
    groups: Record<string, number>;
    /** Groups whose members hold data (besides Prometheus and Grafana). */
    stateful: string[];
    /** Other resources by name: load generators, scenario and SQL steps. */
    tasks: string[];
    outputs: string[];
}

const TIKV_LAB = (arch: "amd64" | "arm64"): StackExpectation => ({
    lab: "tikv",
    platform: "docker",
    arch,
    groups: { pd: 3, tikv: 3, prometheus: 1, grafana: 1 },
    stateful: ["pd", "tikv"],
    tasks: ["go-ycsb-raw", "go-ycsb-build"],
    outputs: ["pdClientUrls", "pdEndpoints", "tikvStoreAddresses", "tikvStatusUrls", "loadLogs"],
});

const CRDB_PHASE = (phase: number): StackExpectation => ({
    lab: "crdb",
    platform: "kubernetes",
    arch: "amd64",
    groups: { crdb: phase + 1, prometheus: 1, grafana: 1 },
    stateful: ["crdb"],
    tasks: ["crdb-init", "crdb-workload", "crdb-writer", "crdb-reader"],
    outputs: ["writerUrl", "readerUrl", "replicationFactor"],
});

/**
 * Every tracked `Pulumi.<stack>.yaml` and what it must produce, from each file's own header
 * comment. A new stack file fails until it has a row here.
 */
const EXPECTED: Record<string, StackExpectation> = {
    dev: TIKV_LAB("amd64"),
    arm64: TIKV_LAB("arm64"),
    etcd: {
        lab: "etcd",
        platform: "docker",
        arch: "amd64",
        groups: { etcd: 3, prometheus: 1, grafana: 1 },
        stateful: ["etcd"],
        tasks: ["etcd-benchmark-baseline", "etcd-benchmark-build"],
        outputs: ["etcdEndpoints", "scenario"],
    },
    cdc: {
        lab: "cdc",
        platform: "docker",
        arch: "amd64",
        groups: { "main-pd": 1, "main-tikv": 1, "recovery-pd": 1, "recovery-tikv": 1, "tikv-cdc": 1, prometheus: 1, grafana: 1 },
        stateful: ["main-pd", "main-tikv", "recovery-pd", "recovery-tikv", "tikv-cdc"],
        tasks: ["tikv-cdc-build", "rawkv-workload-build", "rawkv-verdict-0"],
        outputs: ["mainPdClientUrls", "recoveryPdClientUrls", "cdcChangefeedId", "cdcSinkUri"],
    },
    appcluster: {
        lab: "appcluster",
        platform: "docker",
        arch: "amd64",
        // Each node is a group of one (`app-<n>`), numbered from 1.
        groups: { "app-1": 1, "app-2": 1, "app-3": 1, prometheus: 1, grafana: 1 },
        stateful: ["app-1", "app-2", "app-3"],
        tasks: [],
        outputs: ["apiUrls", "kvUrls", "joinAddress"],
    },
    "tikv-k8s": {
        lab: "tikv",
        platform: "kubernetes",
        arch: "amd64",
        groups: { pd: 3, tikv: 3, prometheus: 1, grafana: 1 },
        stateful: ["pd", "tikv"],
        tasks: [],
        outputs: ["pdClientUrls", "pdEndpoints", "tikvStoreAddresses", "tikvStatusUrls"],
    },
    phase0: CRDB_PHASE(0),
    phase1: CRDB_PHASE(1),
    phase2: CRDB_PHASE(2),
};

describe("ready-made stacks", () => {
    const stacks = [...stackFiles().keys()];

    it("include dev and arm64", () => {
        assert.ok(stacks.includes("dev") && stacks.includes("arm64"), stacks.join(", "));
    });

    for (const stack of stacks) {
        it(`Pulumi.${stack}.yaml produces what its header promises`, async () => {
            const expected = EXPECTED[stack];
            assert.ok(expected, `Pulumi.${stack}.yaml has no row in EXPECTED (tests/stacks.test.ts): say what it must produce`);
            const config = stackConfig(stack);
            assert.equal(config.lab, expected.lab);
            assert.equal(config.platform, expected.platform);
            const graph = await evaluate(config, stack);
            // Each member group with its member count, as the platform materializes it.
            for (const [group, members] of Object.entries(expected.groups)) {
                if (expected.platform === "docker") {
                    const names = ofType(graph, CONTAINER)
                        .map((c) => c.name)
                        .filter((n) => new RegExp(`^${group}-\\d+$`).test(n))
                        .sort();
                    assert.deepEqual(
                        names,
                        Array.from({ length: members }, (_, i) => `${group}-${i}`).sort(),
                        `${stack}: ${group} members`,
                    );
                    for (const n of names.filter(() => expected.stateful.includes(group))) {
                        assert.ok(graph.resources.has(`docker:index/volume:Volume::${n}-data`), `${stack}: ${n} has no data volume`);
                    }
                } else {
                    const sts = ofType(graph, "kubernetes:apps/v1:StatefulSet").find((r) => r.name === group);
                    assert.ok(sts, `${stack}: no StatefulSet ${group}`);
                    assert.equal(sts.inputs.spec.replicas, members, `${stack}: ${group} replicas`);
                    assert.equal(sts.inputs.metadata.namespace, "clusterlab", `${stack}: ${group} namespace`);
                }
            }
            // No other database members than the ones listed.
            const dataGroups =
                expected.platform === "docker"
                    ? new Set(ofType(graph, "docker:index/volume:Volume").map((v) => v.name.replace(/-\d+-data$/, "")))
                    : new Set(ofType(graph, "kubernetes:apps/v1:StatefulSet").map((r) => r.name));
            assert.deepEqual(
                [...dataGroups].sort(),
                [...expected.stateful, "grafana", "prometheus"].sort(),
                `${stack}: data-holding groups`,
            );
            for (const task of expected.tasks) {
                assert.ok(
                    [...graph.resources.values()].some((r) => r.custom && r.name === task),
                    `${stack}: no ${task} (${[...graph.resources.values()].map((r) => r.name).join(", ")})`,
                );
            }
            for (const output of expected.outputs) assert.ok(graph.outputs[output] !== undefined, `${stack}: no output ${output}`);
            // Docker publishes on the host; Kubernetes is reached through a port-forward to the same port.
            assert.match(String(graph.outputs.prometheusUrl), /http:\/\/127\.0\.0\.1:9090$/);
            assert.match(String(graph.outputs.grafanaUrl), /http:\/\/127\.0\.0\.1:3000$/);
            for (const pull of ofType(graph, "docker:index/remoteImage:RemoteImage")) {
                assert.equal(pull.inputs.platform, `linux/${expected.arch}`, `${stack}: ${pull.name}`);
                assert.doesNotMatch(pull.inputs.name, /:latest$|^[^:]+$/, `${stack}: ${pull.name} is not pinned`);
            }
        });
    }

    describe("dev", () => {
        let graph: Graph;
        before(async () => {
            graph = await evaluate(stackConfig("dev"), "dev");
        });

        it("has 3 PD members bootstrapped from one initial cluster, advertising their own names", () => {
            const pds = ofType(graph, CONTAINER).filter((c) => /^pd-\d$/.test(c.name));
            assert.equal(pds.length, 3);
            const initial = ["pd-0", "pd-1", "pd-2"].map((n) => `${n}=http://${n}:2380`).join(",");
            for (const pd of pds) {
                const flags: string[] = pd.inputs.command;
                assert.ok(flags.includes(`--name=${pd.name}`), flags.join(" "));
                assert.ok(flags.includes(`--advertise-client-urls=http://${pd.name}:2379`));
                assert.ok(flags.includes(`--advertise-peer-urls=http://${pd.name}:2380`));
                assert.ok(flags.includes(`--initial-cluster=${initial}`));
                assert.ok(!flags.some((f) => f.startsWith("--join")), "a bootstrap member must not --join");
            }
        });

        it("has 3 TiKV stores with their advertise addresses and the PD endpoint list", () => {
            const stores = ofType(graph, CONTAINER).filter((c) => /^tikv-\d$/.test(c.name));
            assert.equal(stores.length, 3);
            for (const store of stores) {
                const flags: string[] = store.inputs.command;
                assert.ok(flags.includes("--pd-endpoints=pd-0:2379,pd-1:2379,pd-2:2379"), flags.join(" "));
                assert.ok(flags.includes(`--advertise-addr=${store.name}:20160`));
                assert.ok(flags.includes(`--advertise-status-addr=${store.name}:20180`));
            }
        });

        it("starts TiKV only after PD is healthy (PD waits for its healthcheck)", () => {
            for (const store of ["tikv-0", "tikv-1", "tikv-2"]) {
                for (const pd of ["pd-0", "pd-1", "pd-2"]) {
                    assert.ok(waitsFor(graph, `${CONTAINER}::${store}`, `${CONTAINER}::${pd}`), `${store} does not wait for ${pd}`);
                }
            }
            assert.ok(waitsFor(graph, `${CONTAINER}::go-ycsb-raw`, `${CONTAINER}::tikv-2`), "go-ycsb does not wait for TiKV");
            const pd = container(graph, "pd-0");
            assert.equal(pd.inputs.wait, true);
            assert.deepEqual(pd.inputs.healthcheck.tests.slice(0, 1), ["CMD-SHELL"]);
            assert.match(pd.inputs.healthcheck.tests[1], /\/pd\/api\/v1\/health/);
            assert.match(container(graph, "tikv-0").inputs.healthcheck.tests[1], /:20180\/status/);
        });

        it("keeps every member's data in a retained named volume and publishes fixed host ports", () => {
            const volumes = ofType(graph, "docker:index/volume:Volume").map((v) => v.name);
            for (const m of ["pd-0", "pd-1", "pd-2", "tikv-0", "tikv-1", "tikv-2"]) assert.ok(volumes.includes(`${m}-data`), m);
            assert.deepEqual(container(graph, "pd-2").inputs.ports, [{ internal: 2379, external: 2381, ip: "127.0.0.1" }]);
            assert.deepEqual(container(graph, "tikv-1").inputs.ports, [{ internal: 20180, external: 20181, ip: "127.0.0.1" }]);
        });

        it("runs go-ycsb load then run against the PD endpoints", () => {
            const ycsb = container(graph, "go-ycsb-raw");
            const script: string = ycsb.inputs.command[0];
            assert.match(script, /^go-ycsb load tikv .*-p tikv\.pd=pd-0:2379,pd-1:2379,pd-2:2379 .*&& go-ycsb run tikv /);
            assert.match(script, /-p tikv\.type=raw/);
            assert.equal(ycsb.inputs.restart, "on-failure");
        });

        it("exports where to look", () => {
            assert.equal(graph.outputs.grafanaUrl, "http://127.0.0.1:3000");
            assert.equal(graph.outputs.prometheusUrl, "http://127.0.0.1:9090");
            assert.equal(graph.outputs.pdEndpoints, "pd-0:2379,pd-1:2379,pd-2:2379");
        });
    });

    it("TiKV memory limits reach every store as a TiKV config file, and are absent by default", async () => {
        const graph = await evaluate(stackConfig("dev", { tikv: { memoryLimitMiB: 2048, blockCacheMiB: 512 } }), "dev");
        for (const name of ["tikv-0", "tikv-1", "tikv-2"]) {
            const store = container(graph, name);
            assert.ok(store.inputs.command.includes(`--config=${TIKV_CONFIG_PATH}`), store.inputs.command.join(" "));
            assert.deepEqual(store.inputs.uploads, [
                {
                    file: TIKV_CONFIG_PATH,
                    content: 'memory-usage-limit = "2048MB"\n[storage.block-cache]\ncapacity = "512MB"\n',
                },
            ]);
        }
        const plain = container(await evaluate(stackConfig("dev"), "dev"), "tikv-0");
        assert.ok(!plain.inputs.command.some((f: string) => f.startsWith("--config")), plain.inputs.command.join(" "));
        assert.deepEqual(plain.inputs.uploads, []);
    });

    it("arm64 pulls and builds every image for linux/arm64", async () => {
        const graph = await evaluate(stackConfig("arm64"), "arm64");
        const pulls = ofType(graph, "docker:index/remoteImage:RemoteImage");
        const builds = ofType(graph, "docker:index/image:Image");
        assert.ok(pulls.length >= 4);
        for (const image of pulls) assert.equal(image.inputs.platform, "linux/arm64", image.name);
        for (const image of builds) assert.equal(image.inputs.build.platform, "linux/arm64", image.name);
        // Every container runs one of those images.
        const ids = new Set(pulls.map((p) => mockImageId(p.name, p.inputs.platform)));
        for (const c of ofType(graph, "docker:index/container:Container")) {
            assert.ok(ids.has(c.inputs.image) || builds.some((b) => b.inputs.imageName === c.inputs.image), `${c.name}: ${c.inputs.image}`);
        }
    });
});
