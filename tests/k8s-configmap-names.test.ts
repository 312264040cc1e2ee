/**
 * Files ConfigMaps carry a content hash in their name, so the provider's replacement of a
 * changed ConfigMap is create-before-delete; the phase-diff check refuses a same-name change.
 */
import * as assert from "node:assert/strict";
import { Graph, evaluate, ofType, stackConfig } from "./support/evaluate";
import { diffGraphs } from "./support/phase-diff";

const CM = "kubernetes:core/v1:ConfigMap";
const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "configmap-test" };

function graphWith(name: string, data: Record<string, string>): Graph {
    const r = { type: CM, name: "prometheus-files", custom: true, inputs: { metadata: { name }, data } };
    return { resources: new Map([[`${CM}::prometheus-files`, r]]), dependsOn: new Map(), replaceOnChanges: new Map(), outputs: {} };
}

describe("files ConfigMaps named by content", () => {
    it("gives prometheus-files a new name when its scrape targets change, and mounts it by that name", async () => {
        const names: string[] = [];
        for (const phase of ["phase0", "phase1"]) {
            const graph = await evaluate(stackConfig(phase, RENDER), "cm");
            const cm = ofType(graph, CM).find((c) => c.name === "prometheus-files")!;
            const sts = ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "prometheus")!;
            assert.match(cm.inputs.metadata.name, /^prometheus-files-[0-9a-f]{10}$/);
            assert.equal(sts.inputs.spec.template.spec.volumes[0].configMap.name, cm.inputs.metadata.name);
            names.push(cm.inputs.metadata.name);
        }
        assert.notEqual(names[0], names[1]);
    });

    it("keeps the name when the content is the same (no needless rollout)", async () => {
        const name = async () =>
            ofType(await evaluate(stackConfig("phase1", RENDER), "cm"), CM).find((c) => c.name === "prometheus-files")!.inputs.metadata
                .name;
        assert.equal(await name(), await name());
    });

    it("the phase-diff check refuses a ConfigMap whose data changes under the same name, even where allowed", () => {
        const allow = [{ type: CM, paths: [/^data\./, /^metadata\.name$/], reason: "test" }];
        const same = diffGraphs(graphWith("prometheus-files", { a: "1" }), graphWith("prometheus-files", { a: "2" }), allow);
        assert.deepEqual(same[0]?.paths, ["data changed under the same metadata.name (delete-then-create)"]);
        assert.deepEqual(diffGraphs(graphWith("prometheus-files-1", { a: "1" }), graphWith("prometheus-files-2", { a: "2" }), allow), []);
    });
});
