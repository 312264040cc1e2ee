/**
 * A waited-for task that exits non-zero on Docker stops what waits for it. pulumi-docker records
 * an attached container's exit code and succeeds whatever it is (kreuzwerker/terraform-provider-docker
 * acceptance test `testAccDockerContainerExitCodeConfig`), so the platform gates dependents on the
 * code (components/platform/docker.ts `runTask`). Under mocks that report each task's exit code as
 * the provider would (`exitCode` output).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { DockerPlatform } from "../components/platform";
import { settle } from "./support/evaluate";

/** Registers two waited-for tasks (exit 0 and exit 3) and one member group and one task after each; returns what the engine was asked to create and the errors raised. */
async function run(): Promise<{ created: string[]; errors: string[]; settled: string }> {
    const created: string[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                created.push(args.name);
                const exitCode = args.name === "step-fails" ? 3 : args.name === "step-ok" ? 0 : undefined;
                return { id: `${args.name}-id`, state: { ...args.inputs, ...(exitCode !== undefined ? { exitCode } : {}) } };
            },
            call: (args) => args.inputs,
        },
        "clusterlab",
        "gate",
        false,
    );
    const errors: string[] = [];
    let settled = "pending";
    const onRejection = (reason: unknown) => errors.push(String(reason));
    process.on("unhandledRejection", onRejection);
    try {
        const platform = new DockerPlatform("docker", { lab: "unit", stack: "gate", arch: "amd64" });
        const task = (name: string, dependsOn?: pulumi.Resource[]) =>
            platform.runTask(
                { name, component: "step", image: "example/step:1.0.0", args: ["run"], waitForCompletion: true, dependsOn },
                platform,
            );
        const member = (name: string, dependsOn: pulumi.Resource[]) =>
            platform.deployGroup(
                { name, component: name, replicas: 1, image: "example/db:1.0.0", args: () => [], ports: [], dependsOn },
                platform,
            );
        const ok = task("step-ok");
        const fails = task("step-fails");
        member("after-ok", [ok]);
        task("task-after-ok", [ok]);
        member("after-fails", [fails]);
        task("task-after-fails", [fails]);
        // What the program's guard record waits for (index.ts): it must never resolve past a failed task.
        (platform.settled() as unknown as { promise(): Promise<unknown> }).promise().then(
            () => (settled = "resolved"),
            (err: unknown) => (settled = `rejected: ${String(err)}`),
        );
        await settle().catch((err: unknown) => errors.push(String(err)));
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
        process.off("unhandledRejection", onRejection);
    }
    return { created, errors, settled };
}

/** A platform whose tasks all exit 0: what `settled()` gives once every one is done. */
async function allOk(): Promise<string> {
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({
                id: `${args.name}-id`,
                state: { ...args.inputs, ...(args.name.startsWith("step") ? { exitCode: 0 } : {}) },
            }),
            call: (args) => args.inputs,
        },
        "clusterlab",
        "gate-ok",
        false,
    );
    const platform = new DockerPlatform("docker", { lab: "unit", stack: "gate-ok", arch: "amd64" });
    const step = platform.runTask(
        { name: "step-1", component: "step", image: "example/step:1.0.0", args: ["run"], waitForCompletion: true },
        platform,
    );
    platform.deployGroup(
        { name: "member", component: "member", replicas: 2, image: "example/db:1.0.0", args: () => [], ports: [], dependsOn: [step] },
        platform,
    );
    return (platform.settled() as unknown as { promise(): Promise<unknown> }).promise().then(
        () => "resolved",
        (err: unknown) => `rejected: ${String(err)}`,
    );
}

describe("Docker platform: a waited-for task's exit code gates what waits for it", () => {
    let result: { created: string[]; errors: string[]; settled: string };
    before(async () => {
        result = await run();
    });

    it("creates what waits for a task that exited 0", () => {
        assert.ok(result.created.includes("after-ok-0"), result.created.join(", "));
        assert.ok(result.created.includes("task-after-ok"), result.created.join(", "));
    });

    it("creates nothing that waits for a task that exited non-zero, and says which task and where its logs are", () => {
        assert.ok(result.created.includes("step-fails"), "the failing task itself runs");
        assert.ok(!result.created.includes("after-fails-0"), `a member was created after a failed task: ${result.created.join(", ")}`);
        assert.ok(!result.created.includes("task-after-fails"), `a task was created after a failed task: ${result.created.join(", ")}`);
        assert.ok(
            result.errors.some(
                (e) =>
                    e.includes("task step-fails exited 3") &&
                    e.includes("docker logs clusterlab-gate-step-fails") &&
                    /pulumi up --replace 'urn:pulumi:gate::clusterlab::[^']*::step-fails'/.test(e),
            ),
            `errors: ${result.errors.join(" | ")}`,
        );
    });

    it("settled() (what the guard record waits for) rejects after a failed task, and resolves when every task exited 0", async () => {
        assert.match(result.settled, /^rejected: .*task step-fails exited 3/);
        assert.equal(await allOk(), "resolved");
    });
});
