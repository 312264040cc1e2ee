/**
 * The TiKV lab rolls a changed spec on Docker one member at a time (labs/tikv/roll.ts): what the
 * program renders under mocks for a version bump and a store flag change, given the guard state
 * of the deployment before, as `pulumi up` would. The scripts' behaviour against a PD that
 * answers is judged in tests/membership-standins.test.ts (stand-in pd-ctl: no PD or TiKV binary
 * can be had here).
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkTransition, guardState } from "../components/guard";
import { Graph, RegisteredResource, evaluate, evaluateChange, keyOf, ofType, stackConfig, waitsFor } from "./support/evaluate";
import { runScript } from "./support/membership-run";
import { requireTool, tempDir } from "./support/tools";

const STANDIN = join(__dirname, "fixtures", "standins", "pd-ctl");

const CONTAINER = "docker:index/container:Container";
const container = (g: Graph, name: string): RegisteredResource => {
    const found = ofType(g, CONTAINER).find((c) => c.name === name);
    assert.ok(found, `no container ${name}`);
    return found;
};
const script = (c: RegisteredResource) => (c.inputs.command as string[])[0];
const tasks = (g: Graph, prefix: string) =>
    ofType(g, CONTAINER)
        .filter((c) => c.name.startsWith(`${prefix}-roll-`))
        .map((c) => c.name);
const key = (name: string) => keyOf({ type: CONTAINER, name });

/** Deploys `dev` with `first`, then `second` (overrides); returns both graphs. */
const change = (first: Record<string, unknown>, second: Record<string, unknown>) =>
    evaluateChange("dev", stackConfig("dev", first), stackConfig("dev", second));

describe("TiKV lab: a spec change rolls PD, then the stores, one member at a time (Docker)", () => {
    it("a version bump: pd-2, pd-1, pd-0 (leader off first), then tikv-2, tikv-1, tikv-0 (leaders evicted first), in one chain", async () => {
        const { before, after } = await change({}, { version: "v8.5.2" });
        const pd = tasks(after, "pd");
        const tikv = tasks(after, "tikv");
        assert.equal(pd.length, 4, pd.join(", "));
        assert.equal(tikv.length, 4, tikv.join(", "));
        const chain = [
            pd[0],
            "pd-2",
            pd[1],
            "pd-1",
            pd[2],
            "pd-0",
            pd[3],
            tikv[0],
            "tikv-2",
            tikv[1],
            "tikv-1",
            tikv[2],
            "tikv-0",
            tikv[3],
        ];
        for (let i = 1; i < chain.length; i++) {
            assert.ok(waitsFor(after, key(chain[i]), key(chain[i - 1])), `${chain[i]} does not wait for ${chain[i - 1]}`);
        }
        // No member waits for a later one: the chain is one member at a time, not all at the end.
        assert.ok(!waitsFor(after, key("pd-2"), key("pd-1")), "pd-2 waits for pd-1");
        assert.ok(!waitsFor(after, key("pd-0"), key("tikv-2")), "a PD member waits for a store");
        for (const name of ["pd-0", "pd-2", "tikv-0", "tikv-2"]) {
            assert.match(String(container(after, name).inputs.image), /v8\.5\.2/);
            assert.notDeepEqual(container(after, name).inputs, container(before, name).inputs);
        }
        const [p1, p2] = pd.map((t) => script(container(after, t)));
        assert.match(p1, /move the PD leader off pd-2/);
        assert.match(p2, /pd-2 healthy again[\s\S]*move the PD leader off pd-1/);
        const [t1, t2] = tikv.map((t) => script(container(after, t)));
        assert.match(t1, /'scheduler' 'add' 'evict-leader-scheduler' "\$STORE_ID"/);
        assert.match(t1, /"address":"tikv-2:20160"/);
        assert.match(t2, /tikv-2 Up again[\s\S]*remove the evict-leader scheduler of tikv-2[\s\S]*evict leaders from tikv-1/);
        // The tasks run pd-ctl from the new PD image, the one the PD members now run.
        assert.equal(container(after, pd[0]).inputs.image, container(after, "pd-0").inputs.image);
        assert.match(String(container(after, tikv[0]).inputs.image), /pingcap-pd-v8\.5\.2/);
        // The load waits for the last store to be Up with its scheduler gone.
        const load = ofType(after, CONTAINER).find((c) => c.name.startsWith("go-ycsb"))!;
        assert.ok(waitsFor(after, keyOf(load), key(tikv[3])), "go-ycsb does not wait for the roll's last task");
    });

    it("a store flag change (tikv.blockCacheMiB) rolls the stores only; PD is untouched", async () => {
        const { before, after } = await change({}, { tikv: { blockCacheMiB: 512 } });
        assert.deepEqual(tasks(after, "pd"), []);
        assert.equal(tasks(after, "tikv").length, 4);
        for (const i of [0, 1, 2]) assert.deepEqual(container(after, `pd-${i}`).inputs, container(before, `pd-${i}`).inputs);
    });

    it("after the roll, the next up renders the same members and no task", async () => {
        const { after, state, config } = await change({}, { version: "v8.5.2" });
        const settled = await evaluate(config, "dev", state);
        assert.deepEqual([...tasks(settled, "pd"), ...tasks(settled, "tikv")], []);
        for (const name of ["pd-0", "tikv-1"]) assert.deepEqual(container(settled, name).inputs, container(after, name).inputs);
    });

    it("on Kubernetes the StatefulSets roll: no roll task", async () => {
        const a = stackConfig("tikv-k8s");
        const b = stackConfig("tikv-k8s", { version: "v8.5.2" });
        const graph = await evaluate(b, "tikv-k8s", guardState(a));
        assert.deepEqual(
            ofType(graph, "kubernetes:batch/v1:Job").filter((j) => j.name.includes("-roll-")),
            [],
        );
    });

    it("refuses a count change with a spec change, one PD member's version change, and a version change it cannot tell how to roll", () => {
        const deployed = guardState(stackConfig("dev"));
        assert.match(
            checkTransition(deployed, stackConfig("dev", { version: "v8.5.2", tikv: { stores: 4 } })).join("\n"),
            /tikv\.stores: 3 → 4 together with a change that reaches every member/,
        );
        const single = guardState(stackConfig("dev", { pd: { members: 1, bootstrapMembers: 1 } }));
        assert.match(
            checkTransition(single, stackConfig("dev", { pd: { members: 1, bootstrapMembers: 1 }, version: "v8.5.2" })).join("\n"),
            /version: "v8\.5\.1" → "v8\.5\.2" would replace stateful resources; set allowReplace/,
        );
        const old = { ...deployed, memory: { pdMembers: 3, stores: 3, version: "v8.5.1" } };
        assert.match(
            checkTransition(old, stackConfig("dev", { version: "v8.5.2" })).join("\n"),
            /version: "v8\.5\.1" → "v8\.5\.2" would replace stateful resources: this stack was deployed before clusterlab remembered the pd members' spec, so it cannot roll them; run pulumi up once unchanged/,
        );
    });
});

describe("TiKV lab: the registered roll scripts against the stand-in pd-ctl, in chain order (stand-in tier)", function () {
    this.timeout(120_000);
    before(() => requireTool("sh"));

    it("v8.5.1 → v8.5.2: each member replaced only after the task before it; never the PD leader, never a store holding leaders", async () => {
        const { after } = await change({}, { version: "v8.5.2" });
        const dir = tempDir("tikv-roll");
        try {
            const statePath = join(dir.path, "state.json");
            const logPath = join(dir.path, "calls.log");
            writeFileSync(logPath, "");
            const env = { ...process.env, STANDIN_STATE: statePath, STANDIN_LOG: logPath };
            const state = () => JSON.parse(readFileSync(statePath, "utf8"));
            const save = (s: unknown) => writeFileSync(statePath, JSON.stringify(s));
            // Store IDs are not ordinals + 1: the scripts find them by address. pd-2 leads at the start.
            save({
                stores: [4, 7, 9].map((id, i) => ({ id, address: `tikv-${i}:20160`, state: "Up", regions: 30, leaders: 10 })),
                members: [0, 1, 2].map((i) => ({ name: `pd-${i}`, member_id: 100 + i })),
                leader: "pd-2",
                movePerCall: 4,
            });
            // The chain as the graph orders it; between two tasks the platform replaces the member named.
            const chain: (string | { replace: string })[] = [];
            for (const prefix of ["pd", "tikv"]) {
                const names = tasks(after, prefix);
                names.forEach((name, k) => {
                    chain.push(name);
                    if (k < 3) chain.push({ replace: `${prefix}-${2 - k}` });
                });
            }
            const seen: string[] = [];
            for (const link of chain) {
                if (typeof link === "string") {
                    // The image's /pd-ctl is the stand-in; 5 s polls become 0.2 s (the only substitutions).
                    const text = script(container(after, link))
                        .split("'/pd-ctl' ")
                        .join(`'${STANDIN}' `)
                        .split("sleep 5")
                        .join("sleep 0.2");
                    const run = await runScript(text, env, join(dir.path, `${link}.sh`), 60_000);
                    assert.equal(run.status, 0, `${link} failed:\n${run.stdout}\n${run.stderr}`);
                    continue;
                }
                const s = state();
                const [kind, ordinal] = [link.replace.split("-")[0], Number(link.replace.split("-")[1])];
                if (kind === "pd") {
                    seen.push(`${link.replace}: leader ${s.leader}`);
                    s.members[ordinal].downCalls = 3;
                } else {
                    const store = s.stores[ordinal];
                    seen.push(`${link.replace}: ${store.leaders} leaders, evicting [${s.evicting}]`);
                    Object.assign(store, { state: "Disconnected", upAfterCalls: 3, leaders: 2 });
                }
                save(s);
                writeFileSync(logPath, `${readFileSync(logPath, "utf8")}PLATFORM replace ${link.replace}\n`);
            }
            assert.deepEqual(seen, [
                "pd-2: leader pd-0",
                "pd-1: leader pd-0",
                "pd-0: leader pd-1",
                "tikv-2: 0 leaders, evicting [9]",
                "tikv-1: 0 leaders, evicting [7]",
                "tikv-0: 0 leaders, evicting [4]",
            ]);
            const end = state();
            assert.deepEqual(end.evicting, [], "an evict-leader scheduler was left behind");
            assert.deepEqual(
                end.stores.map((x: { state: string }) => x.state),
                ["Up", "Up", "Up"],
            );
            const log = readFileSync(logPath, "utf8").trim().split("\n");
            // After each store's replacement, its scheduler goes only once it is Up again.
            const at = (re: RegExp) => log.findIndex((l) => re.test(l));
            assert.ok(at(/^PLATFORM replace tikv-2$/) < at(/scheduler remove evict-leader-scheduler-9$/));
            console.log(`      ${log.filter((l) => l.startsWith("pd-ctl")).length} pd-ctl calls; replaced: ${seen.join("; ")}`);
        } finally {
            dir.remove();
        }
    });
});
