/**
 * The engine behaviour the Docker rolls rest on (labs/roll.ts `chainMembers`, used by the etcd,
 * TiKV/PD and CockroachDB labs), under the real engine on kube-local. The docker provider cannot
 * be installed here, so the chain is built by the real `chainMembers` from the cuts of a real roll
 * plan (the TiKV store roll, labs/tikv/membership.ts `tikvRollingRestart`), with Kubernetes objects
 * in place of containers: members with fixed names that are replaced delete-before-create
 * (`deleteBeforeReplace`, as every Docker member container is), each waiting (`dependsOn` only)
 * for a step Job that waits for the member replaced before it.
 *
 * What must hold, from the engine's own event order (`resourcePreEvent` / `resOutputsEvent`):
 * the old member N−1 is deleted only after member N's replacement exists and the Job between
 * them is done; so one member is gone at a time. It rests on Pulumi deleting a dependent first
 * only when one of its inputs depends on the replaced resource, not for a `dependsOn` edge
 * (pulumi/pulumi `pkg/resource/deploy/step_generator.go` `calculateDependentReplacements`).
 *
 * kwok runs no containers: the Jobs' pods are marked Succeeded, which is all the engine waits for.
 */
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { EventLog } from "../../scripts/lab/events";
import { inlineStack } from "./engine-stack";
import type { Platform, TaskSpec } from "../../components/platform";
import { chainMembers, chainSteps } from "../../labs/roll";
import { tikvRollingRestart } from "../../labs/tikv/membership";

const NAMESPACE = "roll-order";
const MEMBERS = 3;

/**
 * Three members holding `spec`; with `roll`, chained highest first by labs/roll.ts over the TiKV
 * store roll's cuts: job 1 → member-2 → job 2 → member-1 → job 3 → member-0 → job 4 (Jobs
 * `roll-<spec>-<k>`, new per roll).
 */
function program(spec: string, roll: boolean): () => Promise<Record<string, unknown>> {
    return async () => {
        const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: NAMESPACE } });
        // Unparented, as in the first up: the same URNs, so a new spec replaces them.
        const member = (i: number, dependsOn: pulumi.Input<pulumi.Resource>[]) =>
            new k8s.core.v1.ConfigMap(
                `member-${i}`,
                { metadata: { name: `member-${i}`, namespace: NAMESPACE }, data: { spec } },
                { dependsOn, deleteBeforeReplace: true, replaceOnChanges: ["data"] },
            );
        if (!roll) {
            for (let i = 0; i < MEMBERS; i++) member(i, [ns]);
            return {};
        }
        // Only what chainMembers calls: runTask, as a Job that stands for the task (kwok marks it done).
        const tasks: Pick<Platform, "runTask"> = {
            runTask: (task: TaskSpec, parent: pulumi.Resource) =>
                new k8s.batch.v1.Job(
                    task.name,
                    {
                        metadata: { name: task.name, namespace: NAMESPACE },
                        spec: {
                            backoffLimit: 0,
                            template: {
                                spec: { restartPolicy: "Never", containers: [{ name: "step", image: "busybox:1.36", command: ["true"] }] },
                            },
                        },
                    },
                    { parent, dependsOn: task.dependsOn },
                ),
        };
        const target = { pdCtl: "/pd-ctl", pdUrl: "http://pd-0:2379", storeAddress: (i: number) => `member-${i}:20160` };
        const steps = chainSteps(tikvRollingRestart(target, MEMBERS), `roll-${spec}`, { component: "pd-ctl", image: "busybox:1.36" });
        const parent = new pulumi.ComponentResource("clusterlab:test:Roll", "roll");
        chainMembers(tasks as Platform, parent, steps, [ns], (ordinal, dependsOn) => ({
            members: [{ ordinal, name: `member-${ordinal}`, host: `member-${ordinal}` }],
            ready: [member(ordinal, dependsOn)],
        }));
        return {};
    };
}

describe("the engine replaces members chained through step Jobs one at a time (deleteBeforeReplace, dependsOn only)", function () {
    this.timeout(15 * 60_000);
    let timeline: EventLog["timeline"];
    /** The control: the same replacement without the chain (spec "c"). */
    let unchained: EventLog["timeline"];

    before(async function () {
        const open = (spec: string, roll: boolean): Promise<Stack> => inlineStack("roll-order", program(spec, roll));
        await (await open("a", false)).up();
        const log = new EventLog();
        const result = await (await open("b", true)).up({ onEvent: log.onEvent });
        console.log(`      roll up: ${JSON.stringify(result.summary.resourceChanges)}`);
        timeline = log.timeline;
        for (const e of timeline) console.log(`        ${e.event.padEnd(5)} ${e.op.padEnd(18)} ${e.urn.split("::").pop()}`);
        const control = new EventLog();
        await (await open("c", false)).up({ onEvent: control.onEvent });
        unchained = control.timeline;
    });

    const at = (event: "start" | "done", op: RegExp, name: string) => {
        const i = timeline.findIndex((e) => e.event === event && op.test(e.op) && e.urn.endsWith(`::${name}`));
        assert.ok(i >= 0, `no ${event} ${op} of ${name} in the timeline`);
        return i;
    };

    it("replaces every member, deleting each before creating it", () => {
        for (let i = 0; i < MEMBERS; i++)
            assert.ok(at("start", /^delete-replaced$/, `member-${i}`) < at("done", /^create-replacement$/, `member-${i}`));
    });

    it("deletes member N−1 only after member N's replacement exists and the Job between them is done", () => {
        for (let i = MEMBERS - 1, k = 2; i > 0; i--, k++) {
            const deleted = at("start", /^delete-replaced$/, `member-${i - 1}`);
            assert.ok(at("done", /^create-replacement$/, `member-${i}`) < deleted, `member-${i - 1} went before member-${i} was back`);
            assert.ok(at("done", /^create$/, `roll-b-${k}`) < deleted, `member-${i - 1} went before Job roll-b-${k} was done`);
        }
    });

    it("the control: without the chain the engine deletes a member while another's replacement is still pending", () => {
        const recreated = unchained.map((e, i) => (e.event === "done" && e.op === "create-replacement" ? i : -1)).filter((i) => i >= 0);
        const deletes = unchained.map((e, i) => (e.event === "start" && e.op === "delete-replaced" ? i : -1)).filter((i) => i >= 0);
        assert.equal(deletes.length, MEMBERS, `expected ${MEMBERS} replacements: ${JSON.stringify(unchained)}`);
        // Some member is deleted before the first replacement is back: more than one member gone at a time.
        assert.ok(
            deletes[1] < Math.min(...recreated),
            `the unchained replacements ran one at a time anyway: ${unchained.map((e) => `${e.event} ${e.op} ${e.urn.split("::").pop()}`).join(", ")}`,
        );
    });
});
