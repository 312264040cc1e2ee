import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
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

describe("ready-made stacks", () => {
    const stacks = [...stackFiles().keys()];

    it("include dev and arm64", () => {
        assert.ok(stacks.includes("dev") && stacks.includes("arm64"), stacks.join(", "));
    });

    for (const stack of stacks) {
        it(`Pulumi.${stack}.yaml evaluates under mocks`, async () => {
            const graph = await evaluate(stackConfig(stack), stack);
            assert.ok(graph.resources.size > 5, `only ${graph.resources.size} resources`);
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
