/**
 * What the real engine keeps of a failed `pulumi up`, under the real engine on kube-local: the
 * program's guard record (index.ts `clusterlabGuard`) is a stack output, and the next `pulumi up`
 * plans its membership steps from it (a roll, a join, a scale-in). If a failed update stored the
 * new config's record, the next one would believe the change done: no roll tasks, every member
 * left replaced at once. This checks which outputs survive an update in which a resource fails:
 * since pulumi/pulumi#15754 the engine keeps the stack outputs a failed update did not register
 * again, and stores those it did.
 */
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { inlineStack } from "./engine-stack";

const NAMESPACE = "failed-update";

/**
 * A ConfigMap, then (with `fail`) one the API server refuses (an invalid name); the output
 * `record` is `marker`, plain or (with `gated`) resolved only once the refused one exists.
 */
function program(marker: string, fail: boolean, gated: boolean): () => Promise<Record<string, unknown>> {
    return async () => {
        const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: NAMESPACE } });
        const ok = new k8s.core.v1.ConfigMap(
            "ok",
            { metadata: { name: "ok", namespace: NAMESPACE }, data: { marker } },
            { dependsOn: [ns] },
        );
        if (!fail) return { record: marker };
        const refused = new k8s.core.v1.ConfigMap(
            "refused",
            { metadata: { name: "Not_A_Valid_Name", namespace: NAMESPACE }, data: { marker } },
            { dependsOn: [ok] },
        );
        return { record: gated ? pulumi.all([refused.urn, refused.metadata]).apply(() => marker) : marker };
    };
}

describe("a failed pulumi up: which stack outputs the engine keeps", function () {
    this.timeout(10 * 60_000);
    const after: Record<string, unknown> = {};
    const failed: Record<string, boolean> = {};

    before(async function () {
        const open = (marker: string, fail: boolean, gated: boolean): Promise<Stack> =>
            inlineStack("failed-update", program(marker, fail, gated));
        for (const [marker, fail, gated] of [
            ["a", false, false],
            ["b", true, false],
            ["c", true, true],
        ] as const) {
            const stack = await open(marker, fail, gated);
            try {
                await stack.up();
                failed[marker] = false;
            } catch (err) {
                failed[marker] = true;
                console.log(
                    `      up ${marker} failed: ${String(err)
                        .split("\n")
                        .find((l) => /Not_A_Valid_Name/.test(l))
                        ?.trim()}`,
                );
            }
            after[marker] = (await stack.outputs()).record?.value;
            console.log(`      after up ${marker} (fail=${fail}, gated=${gated}): record = ${JSON.stringify(after[marker])}`);
        }
    });

    it("the refused resource fails the update", () => {
        assert.deepEqual(failed, { a: false, b: true, c: true });
    });

    it("an output that resolved before the failure is stored: a plain record would claim the failed change deployed", () => {
        assert.equal(after.b, "b");
    });

    it("an output that waits for what failed keeps the last stored value (what index.ts's guard record relies on)", () => {
        assert.equal(after.a, "a");
        assert.equal(after.c, "b");
    });
});
