/**
 * TiKV store and PD member scale-in as steps of the TiKV lab (labs/tikv/scale-in.ts), under
 * Pulumi mocks: a `tikv.stores` or `pd.members` decrease from the deployed count (the guard state)
 * registers one task that the shrinking group waits for; a grow or an unchanged count registers
 * none. Then the task's own script, as registered, runs in a real `sh` against the stand-in
 * `pd-ctl` (tests/fixtures/standins/pd-ctl), which logs its calls: the order, and that the script
 * ends only after the leaving stores are Tombstone (or the leaving PD members unlisted).
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkTransition, guardState } from "../components/guard";
import { Graph, RegisteredResource, evaluate, keyOf, ofType, stackConfig, waitsFor } from "./support/evaluate";
import { CommandStep, PlatformStep } from "../labs/steps";
import { commandsBeforeRemoval, deployedMembers } from "../labs/tikv/scale-in";
import { runScript } from "./support/membership-run";
import { requireTool, tempDir } from "./support/tools";

type PlatformName = "docker" | "kubernetes";
const BASE = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, load: { enabled: false } };
const STANDIN = join(__dirname, "fixtures", "standins", "pd-ctl");

/** The `dev` stack on `platform` with `change` merged in. */
function tikvConfig(platform: PlatformName, change: Record<string, unknown>) {
    return stackConfig("dev", { ...BASE, platform, ...change });
}

/** The graph of `after` evaluated with `before`'s guard state as the deployed one. */
async function transition(platform: PlatformName, before: Record<string, unknown>, after: Record<string, unknown>): Promise<Graph> {
    const deployed = guardState(tikvConfig(platform, before));
    return evaluate(tikvConfig(platform, after), "tikv-scale-in", deployed);
}

/** The task `name`: the Job (Kubernetes) or the task container (Docker); undefined when absent. */
function task(graph: Graph, platform: PlatformName, name: string): RegisteredResource | undefined {
    const type = platform === "kubernetes" ? "kubernetes:batch/v1:Job" : "docker:index/container:Container";
    return graph.resources.get(`${type}::${name}`);
}

/** A task's `sh -c` script and image. */
function scriptOf(t: RegisteredResource, platform: PlatformName): { script: string; image: string } {
    if (platform === "kubernetes") {
        const [container] = t.inputs.spec.template.spec.containers;
        assert.deepEqual(container.command, ["/bin/sh", "-c"]);
        return { script: container.args[0], image: container.image };
    }
    assert.deepEqual(t.inputs.entrypoints, ["/bin/sh", "-c"]);
    return { script: t.inputs.command[0], image: t.inputs.image };
}

/** The image PD member 0 runs (the lab's pinned PD image). */
function pdImage(graph: Graph, platform: PlatformName): string {
    if (platform === "kubernetes")
        return ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "pd")!.inputs.spec.template.spec.containers[0].image;
    return graph.resources.get("docker:index/container:Container::pd-0")!.inputs.image;
}

/** Keys of a group's member resources: its StatefulSet, or its containers `<group>-<i>`. */
function groupKeys(graph: Graph, platform: PlatformName, group: string): string[] {
    if (platform === "kubernetes")
        return ofType(graph, "kubernetes:apps/v1:StatefulSet")
            .filter((s) => s.name === group)
            .map(keyOf);
    return ofType(graph, "docker:index/container:Container")
        .filter((c) => new RegExp(`^${group}-[0-9]+$`).test(c.name))
        .map(keyOf);
}

/** Names of every registered scale-in task and component. */
function scaleInResources(graph: Graph): string[] {
    return [...graph.resources.values()].filter((r) => /-delete-[0-9]+-to-[0-9]+$|^tikv-scale-in$/.test(r.name)).map((r) => r.name);
}

/** Position of the first match of `re` in `text`, failing when there is none. */
function at(text: string, re: RegExp): number {
    const i = text.search(re);
    assert.ok(i >= 0, `${re} not in:\n${text}`);
    return i;
}

describe("TiKV lab: scale-in steps as tasks (mocks)", () => {
    for (const platform of ["kubernetes", "docker"] as const) {
        it(`${platform}: tikv.stores 5 → 3 deletes tikv-4 then tikv-3 in one task, in the PD image; the stores wait for it`, async () => {
            const graph = await transition(platform, { tikv: { stores: 5 } }, { tikv: { stores: 3, allowScaleIn: true } });
            const t = task(graph, platform, "tikv-store-delete-5-to-3");
            assert.ok(t, `no store-delete task; scale-in resources: ${scaleInResources(graph).join(", ")}`);
            const { script, image } = scriptOf(t, platform);
            assert.equal(image, pdImage(graph, platform), "the task does not run the lab's PD image");
            const four = at(script, /clusterlab-step 1\/2: delete store tikv-4 and wait for Tombstone/);
            const three = at(script, /clusterlab-step 2\/2: delete store tikv-3 and wait for Tombstone/);
            assert.ok(four < three, "tikv-3 comes before tikv-4");
            // pd-ctl at its path in the image, against PD member 0's in-lab client URL, each store found by its advertised address.
            const [pdUrl, address] =
                platform === "kubernetes"
                    ? [
                          /'\/pd-ctl' '-u' 'http:\/\/pd-0\.pd-peer\.[a-z0-9-]+\.svc\.cluster\.local:2379' 'store' 'delete' "\$STORE_ID"/,
                          /"address":"tikv-4\\\.tikv-peer\\\.[a-z0-9-]+\\\.svc\\\.cluster\\\.local:20160"/,
                      ]
                    : [/'\/pd-ctl' '-u' 'http:\/\/pd-0:2379' 'store' 'delete' "\$STORE_ID"/, /"address":"tikv-4:20160"/];
            assert.match(script, pdUrl);
            assert.ok(at(script, address) < three, "tikv-4 is not found by its advertised address");
            assert.equal(scaleInResources(graph).filter((n) => n.startsWith("pd-member-delete")).length, 0, "PD did not shrink");
            const stores = groupKeys(graph, platform, "tikv");
            assert.equal(stores.length, platform === "kubernetes" ? 1 : 3, stores.join(", "));
            for (const key of stores) assert.ok(waitsFor(graph, key, keyOf(t)), `${key} does not wait for the store deletes`);
            if (platform === "kubernetes") {
                assert.equal(graph.resources.get(stores[0])!.inputs.spec.replicas, 3);
                // Two Tombstone waits of 30 min each: the provider's 10-minute Job default would give up first.
                const create = graph.customTimeouts?.get(keyOf(t))?.create ?? "";
                const seconds = Number(/^(\d+)s$/.exec(create)?.[1] ?? 0);
                assert.ok(
                    seconds >= 2 * 1800,
                    `the Job's create timeout is ${JSON.stringify(create)}, below the two 1800 s Tombstone waits`,
                );
            }
        });

        it(`${platform}: pd.members 5 → 3 moves the leader off and deletes pd-join-4 then pd-join-3; the PD members wait for it`, async () => {
            const graph = await transition(platform, { pd: { members: 5 } }, { pd: { members: 3, allowScaleIn: true } });
            const t = task(graph, platform, "pd-member-delete-5-to-3");
            assert.ok(t, `no member-delete task; scale-in resources: ${scaleInResources(graph).join(", ")}`);
            const { script, image } = scriptOf(t, platform);
            assert.equal(image, pdImage(graph, platform));
            const steps = [
                /clusterlab-step 1\/4: move the PD leader off pd-join-4/,
                /clusterlab-step 2\/4: delete PD member pd-join-4/,
                /clusterlab-step 3\/4: move the PD leader off pd-join-3/,
                /clusterlab-step 4\/4: delete PD member pd-join-3/,
            ].map((re) => at(script, re));
            assert.deepEqual(
                [...steps].sort((a, b) => a - b),
                steps,
                "steps out of order",
            );
            assert.match(script, /'member' 'leader' 'transfer' 'pd-0'/);
            assert.match(script, /'member' 'delete' 'name' 'pd-join-4'/);
            assert.equal(task(graph, platform, "tikv-store-delete-5-to-3"), undefined);
            const members = groupKeys(graph, platform, "pd");
            assert.ok(members.length > 0);
            for (const key of members) assert.ok(waitsFor(graph, key, keyOf(t)), `${key} does not wait for the member deletes`);
            // The join group is gone (its members are deleted at the end of the update, after the task).
            assert.deepEqual(groupKeys(graph, platform, "pd-join"), []);
        });
    }

    it("kubernetes: pd.members 5 → 4 shrinks the pd-join StatefulSet only after its task", async () => {
        const graph = await transition("kubernetes", { pd: { members: 5 } }, { pd: { members: 4, allowScaleIn: true } });
        const t = task(graph, "kubernetes", "pd-member-delete-5-to-4");
        assert.ok(t, scaleInResources(graph).join(", "));
        const [join] = groupKeys(graph, "kubernetes", "pd-join");
        assert.equal(graph.resources.get(join)!.inputs.spec.replicas, 1);
        assert.ok(waitsFor(graph, join, keyOf(t)), "the pd-join StatefulSet does not wait for the member delete");
        assert.doesNotMatch(scriptOf(t, "kubernetes").script, /pd-join-3/, "a staying member is deleted");
    });

    for (const [what, before, after] of [
        ["a grow", { pd: { members: 3 }, tikv: { stores: 3 } }, { pd: { members: 5 }, tikv: { stores: 5 } }],
        ["an unchanged count", { pd: { members: 5 }, tikv: { stores: 5 } }, { pd: { members: 5 }, tikv: { stores: 5 } }],
    ] as const) {
        it(`no scale-in task for ${what}, nor for a new stack`, async () => {
            for (const platform of ["kubernetes", "docker"] as const) {
                assert.deepEqual(scaleInResources(await transition(platform, before, after)), [], `${platform}: ${what}`);
            }
            assert.deepEqual(scaleInResources(await evaluate(tikvConfig("docker", { tikv: { stores: 3 } }), "tikv-scale-in")), []);
        });
    }

    it("a store scale-in below max-replicas is the guard's refusal: the program evaluates, with no task, and the guard names it", async () => {
        const deployed = guardState(tikvConfig("kubernetes", { tikv: { stores: 5 } }));
        const next = tikvConfig("kubernetes", { tikv: { stores: 2, allowScaleIn: true } });
        assert.match(checkTransition(deployed, next).join("\n"), /tikv\.stores: 5 → 2 leaves fewer stores than PD's max-replicas \(3\)/);
        const graph = await evaluate(next, "tikv-scale-in", deployed);
        assert.deepEqual(
            scaleInResources(graph).filter((n) => n.includes("-delete-")),
            [],
        );
    });
});

describe("TiKV lab: scale-in helpers", () => {
    it("a deployment on another platform (allowReplace) has no members to scale in; a new stack neither", () => {
        const docker = guardState(tikvConfig("docker", { tikv: { stores: 5 } }));
        assert.equal(deployedMembers(docker, "docker", "tikv", "tikv.stores"), 5);
        assert.equal(deployedMembers(docker, "kubernetes", "tikv", "tikv.stores"), undefined);
        assert.equal(deployedMembers(undefined, "docker", "tikv", "tikv.stores"), undefined);
        // A guard state from before the model: only `counts`.
        assert.equal(deployedMembers({ lab: "tikv", counts: { "pd.members": 4 } }, "docker", "pd", "pd.members"), 4);
    });

    it("refuses a plan whose commands follow a removal: one task before the shrink cannot run them", () => {
        const step = (name: string): CommandStep => ({ kind: "command", name, run: ["true"] });
        const remove: PlatformStep = { kind: "platform", action: "remove-member", group: "tikv", ordinal: 4, description: "stop tikv-4" };
        assert.deepEqual(
            commandsBeforeRemoval([step("a"), step("b"), remove, { ...remove, ordinal: 3 }]).map((c) => c.name),
            ["a", "b"],
        );
        assert.throws(() => commandsBeforeRemoval([step("a"), remove, step("b")]), /commands after a removal/);
    });
});

describe("TiKV lab: the scale-in tasks' scripts against the stand-in pd-ctl (stand-in tier)", function () {
    this.timeout(60_000);
    let dir: { path: string; remove: () => void };
    let env: NodeJS.ProcessEnv;
    const statePath = () => join(dir.path, "state.json");
    const logPath = () => join(dir.path, "calls.log");
    const calls = () => readFileSync(logPath(), "utf8").trim().split("\n");
    const first = (re: RegExp) => calls().findIndex((l) => re.test(l));
    const last = (re: RegExp) =>
        calls()
            .map((l) => re.test(l))
            .lastIndexOf(true);
    const count = (re: RegExp) => calls().filter((l) => re.test(l)).length;
    const state = () => JSON.parse(readFileSync(statePath(), "utf8"));

    before(() => requireTool("sh"));
    beforeEach(() => {
        dir = tempDir("tikv-scale-in");
        writeFileSync(logPath(), "");
        env = { ...process.env, STANDIN_STATE: statePath(), STANDIN_LOG: logPath() };
    });
    afterEach(() => dir.remove());

    /** The Docker task's script as registered, with the image's `/pd-ctl` pointing at the stand-in (the one substitution). */
    async function registeredScript(name: string, before: Record<string, unknown>, after: Record<string, unknown>): Promise<string> {
        const t = task(await transition("docker", before, after), "docker", name);
        assert.ok(t, `no task ${name}`);
        const { script } = scriptOf(t, "docker");
        assert.ok(script.includes("'/pd-ctl' "), "the script does not call /pd-ctl");
        return script.split("'/pd-ctl' ").join(`'${STANDIN}' `);
    }

    it("tikv.stores 5 → 3: store delete of tikv-4, Tombstone, then tikv-3, Tombstone, then the script ends", async () => {
        const script = await registeredScript(
            "tikv-store-delete-5-to-3",
            { tikv: { stores: 5 } },
            { tikv: { stores: 3, allowScaleIn: true } },
        );
        // Store IDs are not ordinals + 1 (a store that rejoined gets a new ID): the script finds them by address.
        // 15 regions move per pd-ctl call: each leaving store answers Offline at least once before Tombstone.
        const stores = [1, 4, 5, 8, 9].map((id, i) => ({ id, address: `tikv-${i}:20160`, state: "Up", regions: 30, leaders: 10 }));
        writeFileSync(statePath(), JSON.stringify({ stores, members: [{ name: "pd-0", member_id: 1 }], leader: "pd-0", movePerCall: 15 }));
        const run = await runScript(script, env, join(dir.path, "steps.sh"), 50_000);
        assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout, /clusterlab-steps done\n$/);
        const log = calls().join("\n");
        assert.ok(
            calls().every((l) => l.startsWith("pd-ctl -u http://pd-0:2379 ")),
            log,
        );
        const [del9, del8] = [first(/ store delete 9$/), first(/ store delete 8$/)];
        assert.ok(del9 >= 0 && del8 > del9, `tikv-4 (store 9) is not deleted before tikv-3 (store 8):\n${log}`);
        // Awaited: polled again after an Offline answer, and tikv-3 only after tikv-4's last poll (its Tombstone).
        assert.ok(count(/ store 9$/) >= 2 && count(/ store 8$/) >= 2, `a store was not polled until Tombstone:\n${log}`);
        assert.ok(last(/ store 9$/) < del8, `tikv-3 was deleted before tikv-4's last poll:\n${log}`);
        assert.deepEqual(
            state().stores.map((s: { state: string }) => s.state),
            ["Up", "Up", "Up", "Tombstone", "Tombstone"],
        );
        assert.equal(first(/ store delete [145]$/), -1, "a staying store was deleted");
        console.log(`      ${calls().length} pd-ctl calls in ${run.seconds.toFixed(1)} s; both stores Tombstone when the script ended`);
    });

    it("pd.members 5 → 3 with pd-join-4 leading: leader to pd-0, delete pd-join-4, delete pd-join-3 (no transfer: it does not lead)", async () => {
        const script = await registeredScript(
            "pd-member-delete-5-to-3",
            { pd: { members: 5 } },
            { pd: { members: 3, allowScaleIn: true } },
        );
        const names = ["pd-0", "pd-1", "pd-2", "pd-join-3", "pd-join-4"];
        const members = names.map((name, i) => ({ name, member_id: 1000 + i }));
        writeFileSync(statePath(), JSON.stringify({ stores: [], members, leader: "pd-join-4" }));
        const run = await runScript(script, env, join(dir.path, "steps.sh"), 50_000);
        assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
        const log = calls().join("\n");
        const transfer = first(/ member leader transfer pd-0$/);
        const [del4, del3] = [first(/ member delete name pd-join-4$/), first(/ member delete name pd-join-3$/)];
        assert.ok(transfer >= 0 && transfer < del4 && del4 < del3, log);
        assert.equal(count(/ member leader transfer /), 1, `leadership moved more than once:\n${log}`);
        assert.match(run.stdout, /skipped \(not: pd-join-3 leads\)/);
        assert.deepEqual(
            state().members.map((m: { name: string }) => m.name),
            ["pd-0", "pd-1", "pd-2"],
        );
        // The script ends with the wait: a member list that no longer names pd-join-3.
        assert.ok(last(/ member$/) > del3 && last(/ member$/) === calls().length - 1, log);
    });
});
