/**
 * The etcd lab evolves 3 → 5 → 3 by config (labs/etcd/joins.ts, labs/etcd/membership-tasks.ts):
 * what the program renders under mocks for each step, given the guard state of the step before,
 * as `pulumi up` would. The real etcd behaviour of the same steps is judged in
 * tests/etcd-membership.t1.ts (loopback) and tests/docker-etcd-evolve.spec.ts (Docker engine).
 */
import * as assert from "node:assert/strict";
import { GuardState, checkTransition, guardState } from "../components/guard";
import { StackConfig } from "../components/config";
import { Graph, RegisteredResource, evaluate, evaluateChange, keyOf, ofType, stackConfig, waitsFor } from "./support/evaluate";

const CONTAINER = "docker:index/container:Container";
const etcd = (members: number, extra: Record<string, unknown> = {}) =>
    stackConfig("etcd", { etcd: { members, allowScaleIn: true, ...extra } });

/** Deploys `counts` in order (each with the guard state of the one before); returns each step's graph and state. */
async function evolve(
    counts: number[],
    extra: Record<string, unknown> = {},
): Promise<{ graph: Graph; state: GuardState; config: StackConfig }[]> {
    const out: { graph: Graph; state: GuardState; config: StackConfig }[] = [];
    let previous: GuardState | undefined;
    for (const n of counts) {
        const config = etcd(n, extra);
        assert.deepEqual(previous ? checkTransition(previous, config) : [], [], `${counts.join(" → ")}: step to ${n} refused`);
        const graph = await evaluate(config, "etcd", previous);
        previous = guardState(config, previous);
        out.push({ graph, state: previous, config });
    }
    return out;
}

const container = (g: Graph, name: string): RegisteredResource | undefined => ofType(g, CONTAINER).find((c) => c.name === name);
const flag = (c: RegisteredResource, name: string) => (c.inputs.command as string[]).find((f) => f.startsWith(`--${name}=`));
const script = (c: RegisteredResource) => (c.inputs.command as string[])[0];
const membershipTasks = (g: Graph) =>
    ofType(g, CONTAINER)
        .filter((c) => /^etcd-(grow|shrink|roll)-/.test(c.name))
        .map((c) => c.name);
const key = (name: string) => keyOf({ type: CONTAINER, name });

describe("etcd lab: 3 → 5 → 3 by config (Docker)", () => {
    it("a new stack bootstraps every member together and registers no membership task", async () => {
        const [five] = await evolve([5]);
        assert.deepEqual(membershipTasks(five.graph), []);
        for (const i of [0, 4]) {
            const m = container(five.graph, `etcd-${i}`)!;
            assert.equal(flag(m, "initial-cluster-state"), "--initial-cluster-state=new");
            assert.equal(flag(m, "data-dir"), "--data-dir=/var/lib/etcd");
        }
    });

    it("3 → 5: the bootstrap members keep every input; etcd-3 and etcd-4 join one at a time, each a learner until promoted", async () => {
        const [three, five] = await evolve([3, 5]);
        for (const i of [0, 1, 2]) {
            assert.deepEqual(container(five.graph, `etcd-${i}`)!.inputs, container(three.graph, `etcd-${i}`)!.inputs, `etcd-${i} changed`);
        }
        const joiner = (i: number) => container(five.graph, `etcd-${i}`)!;
        assert.equal(flag(joiner(3), "initial-cluster-state"), "--initial-cluster-state=existing");
        assert.equal(
            flag(joiner(3), "initial-cluster"),
            "--initial-cluster=etcd-0=http://etcd-0:2380,etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380,etcd-3=http://etcd-3:2380",
        );
        assert.match(flag(joiner(4), "initial-cluster")!, /,etcd-4=http:\/\/etcd-4:2380$/);
        assert.equal(flag(joiner(3), "data-dir"), "--data-dir=/var/lib/etcd/join-1");
        assert.equal(flag(joiner(4), "data-dir"), "--data-dir=/var/lib/etcd/join-2");
        // A learner fails the health probe until promoted: the promote task waits, not the container.
        assert.notEqual(joiner(3).inputs.wait, true);

        assert.deepEqual(membershipTasks(five.graph), ["etcd-grow-3-to-5-1", "etcd-grow-3-to-5-2", "etcd-grow-3-to-5-3"]);
        const chain = ["etcd-grow-3-to-5-1", "etcd-3", "etcd-grow-3-to-5-2", "etcd-4", "etcd-grow-3-to-5-3"];
        for (let i = 1; i < chain.length; i++) {
            assert.ok(waitsFor(five.graph, key(chain[i]), key(chain[i - 1])), `${chain[i]} does not wait for ${chain[i - 1]}`);
        }
        assert.ok(waitsFor(five.graph, key("etcd-grow-3-to-5-1"), key("etcd-2")), "the first add waits for the bootstrap members");
        const scenario = ofType(five.graph, CONTAINER).find((c) => c.name.startsWith("scenario-"))!;
        assert.ok(waitsFor(five.graph, keyOf(scenario), key("etcd-grow-3-to-5-3")), "the scenario step waits for the last promote");

        const [add3, promote3add4, promote4] = membershipTasks(five.graph).map((n) => script(container(five.graph, n)!));
        assert.match(add3, /'member' 'add' 'etcd-3' '--learner' '--peer-urls=http:\/\/etcd-3:2380'/);
        assert.doesNotMatch(add3, /'promote'/);
        assert.ok(promote3add4.indexOf("'promote'") < promote3add4.indexOf("'add' 'etcd-4'"), "etcd-3 is promoted before etcd-4 is added");
        assert.match(promote4, /'member' 'promote'/);
        // The official image has no shell: the tasks run in the etcd-steps build of the lab image's etcdctl.
        const build = ofType(five.graph, "docker:index/image:Image").find((i) => i.name === "etcd-steps-build")!;
        assert.equal(build.inputs.build.args.ETCD_IMAGE, "gcr.io/etcd-development/etcd:v3.5.17");
        assert.equal(container(five.graph, "etcd-grow-3-to-5-1")!.inputs.image, build.inputs.imageName);

        assert.deepEqual([five.state.memory?.["etcd.bootstrapMembers"], five.state.memory?.["etcd.memberJoins"]], [3, [0, 0, 0, 1, 2]]);
    });

    it("5 → 3: one task moves leadership off and removes etcd-4, then etcd-3, before their containers go; volumes are kept", async () => {
        const [, , three] = await evolve([3, 5, 3]);
        assert.deepEqual(membershipTasks(three.graph), ["etcd-shrink-5-to-3"]);
        const shrink = script(container(three.graph, "etcd-shrink-5-to-3")!);
        const at = (text: string) => {
            const i = shrink.indexOf(text);
            assert.ok(i >= 0, `no ${text} in the shrink script`);
            return i;
        };
        assert.ok(at("move leadership off etcd-4") < at("remove etcd-4"));
        assert.ok(at("remove etcd-4") < at("move leadership off etcd-3"));
        assert.ok(at("move leadership off etcd-3") < at("remove etcd-3"));
        assert.equal(container(three.graph, "etcd-3"), undefined);
        // Volumes are retained on delete (components/platform/docker.ts): a regrown etcd-3 finds its old data beside a new join directory.
        assert.ok(!ofType(three.graph, "docker:index/volume:Volume").some((v) => v.name === "etcd-3-data"));
        assert.deepEqual(three.state.memory?.["etcd.memberJoins"], [0, 0, 0]);
    });

    it("3 → 5 → 3 → 5: members that rejoin get new data directories, never a removed member's", async () => {
        const steps = await evolve([3, 5, 3, 5]);
        const last = steps[3];
        assert.equal(flag(container(last.graph, "etcd-3")!, "data-dir"), "--data-dir=/var/lib/etcd/join-3");
        assert.equal(flag(container(last.graph, "etcd-4")!, "data-dir"), "--data-dir=/var/lib/etcd/join-4");
        assert.deepEqual(container(last.graph, "etcd-0")!.inputs, container(steps[0].graph, "etcd-0")!.inputs);
    });

    it("5 bootstrapped → 3 → 5: ordinals 3 and 4 rejoin as learners; the bootstrap members' flags still name all five", async () => {
        const steps = await evolve([5, 3, 5]);
        assert.deepEqual(container(steps[1].graph, "etcd-0")!.inputs, container(steps[0].graph, "etcd-0")!.inputs);
        assert.deepEqual(container(steps[2].graph, "etcd-2")!.inputs, container(steps[0].graph, "etcd-2")!.inputs);
        assert.match(flag(container(steps[2].graph, "etcd-0")!, "initial-cluster")!, /etcd-4=http:\/\/etcd-4:2380$/);
        const rejoined = container(steps[2].graph, "etcd-3")!;
        assert.equal(flag(rejoined, "initial-cluster-state"), "--initial-cluster-state=existing");
        assert.equal(flag(rejoined, "data-dir"), "--data-dir=/var/lib/etcd/join-1");
        assert.deepEqual(membershipTasks(steps[2].graph), ["etcd-grow-3-to-5-1", "etcd-grow-3-to-5-2", "etcd-grow-3-to-5-3"]);
    });

    it("with peer proxies every step names the proxy URLs the members advertise, the leaving ones' too", async () => {
        const [, five, three] = await evolve([3, 5, 3], { peerProxies: true });
        assert.match(script(container(five.graph, "etcd-grow-3-to-5-1")!), /'--peer-urls=http:\/\/etcd-peer-proxy-3:2380'/);
        assert.match(flag(container(five.graph, "etcd-4")!, "initial-cluster")!, /etcd-4=http:\/\/etcd-peer-proxy-4:2380$/);
        const shrink = script(container(three.graph, "etcd-shrink-5-to-3")!);
        // Looking for a URL nobody advertises would find every leaving member "no longer a member" and skip its removal.
        for (const i of [3, 4])
            assert.ok(shrink.includes(`, http://etcd-peer-proxy-${i}:2380, `), `the shrink looks for etcd-${i} elsewhere`);
        assert.ok(!/http:\/\/etcd-[34]:2380/.test(shrink), "the shrink names a member's own peer URL, which it does not advertise");
    });

    it("a stack remembered before these keys existed counts its deployed members as bootstrapped", async () => {
        const old: GuardState = { ...guardState(etcd(3)), memory: { "etcd.members": 3, "etcd.peerProxies": false } };
        const graph = await evaluate(etcd(5), "etcd", old);
        assert.deepEqual(membershipTasks(graph).length, 3);
        assert.equal(flag(container(graph, "etcd-3")!, "data-dir"), "--data-dir=/var/lib/etcd/join-1");
    });
});

describe("etcd lab: the guard on member-count changes", () => {
    const deployed = (members: number, extra: Record<string, unknown> = {}) =>
        guardState(stackConfig("etcd", { etcd: { members, ...extra } }));

    it("allows 3 → 5 on Docker; 5 → 3 needs etcd.allowScaleIn", () => {
        assert.deepEqual(checkTransition(deployed(3), stackConfig("etcd", { etcd: { members: 5 } })), []);
        assert.deepEqual(checkTransition(deployed(5), stackConfig("etcd", { etcd: { members: 3 } })), [
            "etcd.members: 5 → 3 removes members holding data; set etcd.allowScaleIn: true to allow it",
        ]);
        assert.deepEqual(checkTransition(deployed(5), etcd(3)), []);
    });

    it("refuses 5 → 1 (more than quorum tolerates at once) even with allowScaleIn", () => {
        assert.match(checkTransition(deployed(5), etcd(1)).join("\n"), /etcd\.members: 5 → 1 removes 4 members at once/);
    });

    it("refuses a count change on Kubernetes and during a network fault, naming why; with proxies and no fault it goes", () => {
        const k8s = {
            platform: "kubernetes",
            kubernetes: { namespace: "etcd-lab" },
            load: { image: "registry.local/etcd-benchmark:v3.5.17" },
        };
        const on = (members: number) => guardState(stackConfig("etcd", { ...k8s, etcd: { members } }));
        assert.match(
            checkTransition(on(3), stackConfig("etcd", { ...k8s, etcd: { members: 5 } })).join("\n"),
            /etcd\.members: 3 → 5 on kubernetes: the members share one StatefulSet pod template/,
        );
        const proxied = (members: number, scenario: string) => stackConfig("etcd", { scenario, etcd: { members, peerProxies: true } });
        assert.match(
            checkTransition(guardState(proxied(3, "baseline")), proxied(5, "network-delay")).join("\n"),
            /etcd\.members: 3 → 5 in scenario network-delay: .* switch to baseline first/,
        );
        assert.deepEqual(checkTransition(guardState(proxied(3, "baseline")), proxied(5, "baseline")), []);
    });

    it("refuses growth together with a version change", () => {
        assert.match(
            checkTransition(deployed(3), stackConfig("etcd", { etcd: { members: 5, version: "v3.6.0" } })).join("\n"),
            /grow first \(pulumi up\), then change etcd\.version/,
        );
    });
});

describe("etcd lab: a change that reaches every member rolls them one at a time (Docker)", () => {
    /** Deploys `first`, then `second`, each config given as overrides of the etcd stack; returns both graphs and the second's state. */
    const change = (first: Record<string, unknown>, second: Record<string, unknown>) =>
        evaluateChange("etcd", stackConfig("etcd", first), stackConfig("etcd", second));

    it("a flag change (etcd.quotaBackendBytes): etcd-2, then etcd-1, then etcd-0, each after a task that moved leadership off it", async () => {
        const { before, after } = await change({}, { etcd: { quotaBackendBytes: 4 * 1024 ** 3 } });
        const tasks = membershipTasks(after);
        assert.equal(tasks.length, 4, tasks.join(", "));
        assert.ok(
            tasks.every((t) => /^etcd-roll-[0-9a-f]{8}-[1-4]$/.test(t)),
            tasks.join(", "),
        );
        const chain = [tasks[0], "etcd-2", tasks[1], "etcd-1", tasks[2], "etcd-0", tasks[3]];
        for (let i = 1; i < chain.length; i++) {
            assert.ok(waitsFor(after, key(chain[i]), key(chain[i - 1])), `${chain[i]} does not wait for ${chain[i - 1]}`);
        }
        for (const i of [0, 1, 2]) {
            assert.equal(flag(container(after, `etcd-${i}`)!, "quota-backend-bytes"), `--quota-backend-bytes=${4 * 1024 ** 3}`);
            assert.notDeepEqual(container(after, `etcd-${i}`)!.inputs, container(before, `etcd-${i}`)!.inputs);
        }
        const [first, second] = tasks.map((t) => script(container(after, t)!));
        assert.match(first, /move leadership off etcd-2/);
        assert.match(
            second,
            /etcd-2 healthy again[\s\S]*every member|the cluster has a leader after etcd-2[\s\S]*move leadership off etcd-1/,
        );
        const scenario = ofType(after, CONTAINER).find((c) => c.name.startsWith("scenario-"))!;
        assert.ok(waitsFor(after, keyOf(scenario), key(tasks[3])), "the scenario step waits for the last roll task");
    });

    it("another architecture or image substitution reaches every member's image: rolled too", async () => {
        for (const second of [{ arch: "arm64" }, { images: { "gcr.io/etcd-development/etcd": "mirror.local/etcd:v3.5.17" } }]) {
            const { after } = await change({}, second);
            assert.equal(membershipTasks(after).length, 4, `${JSON.stringify(second)}: ${membershipTasks(after).join(", ")}`);
        }
    });

    it("a version bump waits until each replaced member reports the new version", async () => {
        const { after } = await change({}, { etcd: { version: "v3.5.18" } });
        const scripts = membershipTasks(after).map((t) => script(container(after, t)!));
        assert.equal(scripts.length, 4);
        assert.match(scripts[1], /3\\.5\\.18/, "the task after etcd-2 does not wait for 3.5.18");
    });

    it("after the roll, the next up renders the same members and no task", async () => {
        const { after, state, config } = await change({}, { etcd: { quotaBackendBytes: 4 * 1024 ** 3 } });
        const settled = await evaluate(config, "etcd", state);
        assert.deepEqual(membershipTasks(settled), []);
        for (const i of [0, 1, 2]) assert.deepEqual(container(settled, `etcd-${i}`)!.inputs, container(after, `etcd-${i}`)!.inputs);
    });

    it("on Kubernetes the StatefulSet rolls: no roll task", async () => {
        const k8s = {
            platform: "kubernetes",
            kubernetes: { namespace: "etcd-lab" },
            load: { image: "registry.local/etcd-benchmark:v3.5.17" },
        };
        const { after } = await change(k8s, { ...k8s, etcd: { quotaBackendBytes: 4 * 1024 ** 3 } });
        assert.deepEqual(
            ofType(after, "kubernetes:batch/v1:Job").filter((j) => j.name.includes("roll")),
            [],
        );
    });

    it("refuses a member-count change together with a spec change", () => {
        const deployed = guardState(stackConfig("etcd"));
        assert.match(
            checkTransition(deployed, stackConfig("etcd", { etcd: { members: 5, quotaBackendBytes: 4 * 1024 ** 3 } })).join("\n"),
            /etcd\.members: 3 → 5 together with a change that reaches every member/,
        );
    });
});
