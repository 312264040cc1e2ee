import * as assert from "node:assert/strict";
import { AllowRule, PROMETHEUS_TARGETS_ALLOWED, checkPhases, describeViolations, diffGraphs } from "./support/phase-diff";
import { evaluate, stackConfig } from "./support/evaluate";

/** What may change when the TiKV lab scales out: StatefulSet replicas (Kubernetes) and Prometheus's scrape targets. */
const TIKV_SCALE_OUT_ALLOWED: AllowRule[] = [
    {
        type: "kubernetes:apps/v1:StatefulSet",
        name: /^(tikv|pd-join)$/,
        paths: [/^spec\.replicas$/],
        reason: "a scale-out adds pods from an unchanged template",
    },
    ...PROMETHEUS_TARGETS_ALLOWED,
];

describe("TiKV lab phase diff", () => {
    for (const platform of ["docker", "kubernetes"] as const) {
        it(`PD 3 → 5 and TiKV 3 → 5 only add resources (${platform})`, async () => {
            const base = {
                platform,
                kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" },
                load: { image: "registry.local/go-ycsb:1.0.1" },
            };
            const reports = await checkPhases(
                "dev",
                [
                    ["3+3", stackConfig("dev", base)],
                    ["5+3", stackConfig("dev", { ...base, pd: { members: 5 } })],
                    ["5+5", stackConfig("dev", { ...base, pd: { members: 5 }, tikv: { stores: 5 } })],
                ],
                TIKV_SCALE_OUT_ALLOWED,
            );
            assert.equal(describeViolations(reports), "");
            if (platform === "kubernetes") {
                assert.ok(reports[0].added.includes("kubernetes:apps/v1:StatefulSet::pd-join"), reports[0].added.join(", "));
            } else {
                assert.ok(reports[0].added.includes("docker:index/container:Container::pd-join-3"), reports[0].added.join(", "));
                assert.ok(reports[1].added.includes("docker:index/container:Container::tikv-4"), reports[1].added.join(", "));
            }
        });
    }

    it("new PD members join through the bootstrap members' client URLs", async () => {
        const graph = await evaluate(stackConfig("dev", { pd: { members: 5 } }), "dev");
        const joiner = graph.resources.get("docker:index/container:Container::pd-join-4")!;
        assert.ok(
            joiner.inputs.command.includes("--join=http://pd-0:2379,http://pd-1:2379,http://pd-2:2379"),
            joiner.inputs.command.join(" "),
        );
        assert.ok(!joiner.inputs.command.some((f: string) => f.startsWith("--initial-cluster")));
    });

    it("fails on a destructive change: an image bump rewrites every member", async () => {
        const reports = await checkPhases(
            "dev",
            [
                ["v8.5.1", stackConfig("dev")],
                ["v8.5.2", stackConfig("dev", { version: "v8.5.2" })],
            ],
            TIKV_SCALE_OUT_ALLOWED,
        );
        const text = describeViolations(reports);
        assert.match(text, /changed docker:index\/container:Container::pd-0 \(image\)/);
        assert.match(text, /changed docker:index\/container:Container::tikv-2 \(image\)/);
    });

    it("fails on a scale-in: the removed store is reported as deleted", async () => {
        const before = await evaluate(stackConfig("dev", { tikv: { stores: 5 } }), "dev");
        const after = await evaluate(stackConfig("dev", { tikv: { stores: 3, allowScaleIn: true } }), "dev");
        const deleted = diffGraphs(before, after, TIKV_SCALE_OUT_ALLOWED)
            .filter((v) => v.kind === "deleted")
            .map((v) => v.resource);
        assert.ok(deleted.includes("docker:index/container:Container::tikv-4"), deleted.join(", "));
        assert.ok(deleted.includes("docker:index/volume:Volume::tikv-3-data"), deleted.join(", "));
    });
});
