/**
 * T1: the Kubernetes etcd members' start helper for real, on loopback — the start and promote
 * scripts of labs/etcd/self-join.ts, rendered as the lab renders them into the StatefulSet's pod
 * template, run with `sh` and the real `etcdctl` against real members (etcd 3.5.17 gofail build,
 * `../shared/tools/etcd-gofail/build.sh v3.5.17`). `npm run test:etcd-scenarios`.
 *
 * A "pod" here is what the kubelet does with that template: run the start script (the init
 * container) with `POD_NAME=etcd-N`, then start etcd with `--config-file` and the promote script
 * (the second container) side by side. Deleting a pod stops both by PID; its data dir stays, as a
 * StatefulSet's PVC does. The only rewrite is the one every loopback test applies to rendered
 * flags (tests/support/etcd-loopback.ts `substitute`): member hosts and ports → 127.0.0.1 and a
 * port of each member's own, the data dir → a temp dir.
 *
 * Why not on kube-local: its nodes are simulated and run no container, so the scripts could not
 * run there; tests/etcd-self-join.test.ts checks the rendered pod template (the scripts are these).
 */
import * as assert from "node:assert/strict";
import { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EtcdLabConfig } from "../components/config";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, etcdMemberFlags } from "../labs/etcd/etcd-cluster";
import { etcdShrinkTask } from "../labs/etcd/membership-tasks";
import { ETCD_MAX_MEMBERS, EtcdSelfJoinArgs, etcdPromoteScript, etcdSelfJoinState, etcdStartScript } from "../labs/etcd/self-join";
import { stackConfig } from "./support/evaluate";
import { GOFAIL_BIN, MemberPorts, assertGofailTools, loopbackPorts, memberNames, substitute } from "./support/etcd-loopback";
import { ScriptRun, runScript } from "./support/membership-run";
import { ProcessGroup, stopProcess, waitFor } from "./support/processes";
import { run, tempDir } from "./support/tools";

const BIN = GOFAIL_BIN;
const config = stackConfig("etcd", {}) as EtcdLabConfig;
const b64 = (s: string) => Buffer.from(s).toString("base64");
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("etcd members joining by themselves (the Kubernetes start helper) for real (3.5.17 gofail build, loopback)", function () {
    this.timeout(600_000);
    let processes: ProcessGroup;
    let dir: { path: string; remove: () => void };
    let ports: MemberPorts[];
    /** Running pods: the etcd process and its promote script, by ordinal. */
    let pods: Map<number, { etcd: ChildProcess; promote: ChildProcess }>;
    const etcdctl = join(BIN, "etcdctl");
    const env = (ordinal: number): NodeJS.ProcessEnv => {
        const e: NodeJS.ProcessEnv = { ...process.env, POD_NAME: `etcd-${ordinal}` };
        delete e.GOFAIL_HTTP;
        return e;
    };
    const clientUrl = (i: number) => `http://127.0.0.1:${ports[i][ETCD_CLIENT_PORT]}`;
    const memberArgs = { clusterToken: "clusterlab-self-join-t1", quotaBackendBytes: config.etcd.quotaBackendBytes };

    /** The scripts' table as the lab renders it for a pod of member `self` (its config file in its own scratch dir). */
    function selfJoinArgs(
        self: number,
        bootstrap: number,
        timeouts?: EtcdSelfJoinArgs["timeouts"],
        /** Ordinals whose client URL keeps a Kubernetes pod DNS name, which resolves to nothing here (a pod not created yet). */
        unresolved: number[] = [],
    ): EtcdSelfJoinArgs {
        const hosts = range(ETCD_MAX_MEMBERS).map((i) => `etcd-${i}`);
        return {
            members: range(ETCD_MAX_MEMBERS).map((i) => ({
                ordinal: i,
                flags: etcdMemberFlags({ name: `etcd-${i}`, host: `etcd-${i}` }, hosts, memberArgs).map((f) =>
                    substitute(f, i, ports, join(dir.path, `etcd-${i}`)),
                ),
                clientUrl: unresolved.includes(i)
                    ? `http://etcd-${i}.etcd-peer.clusterlab-t1.svc.cluster.local:${ports[i][ETCD_CLIENT_PORT]}`
                    : clientUrl(i),
            })),
            bootstrap,
            etcdctl,
            configPath: join(dir.path, `pod-${self}`, "etcd.conf.yml"),
            statePath: join(dir.path, "state"),
            votingFile: join(dir.path, `pod-${self}`, "voting"),
            timeouts: { intervalSeconds: 1, ...timeouts },
        };
    }

    /** The lab's membership state as its ConfigMap would hold it (etcdSelfJoinState), shared by every pod. */
    function setState(members: number, bootstrapped: boolean): void {
        mkdirSync(join(dir.path, "state"), { recursive: true });
        for (const [file, content] of Object.entries(etcdSelfJoinState(members, bootstrapped)))
            writeFileSync(join(dir.path, "state", file), content);
    }

    /** A pod of member `i` starting: the start script, then etcd and the promote script. */
    async function startPod(i: number, bootstrap: number, unresolved: number[] = []): Promise<ScriptRun> {
        const args = selfJoinArgs(i, bootstrap, undefined, unresolved);
        // A new pod has a fresh emptyDir.
        rmSync(join(dir.path, `pod-${i}`), { recursive: true, force: true });
        mkdirSync(join(dir.path, `pod-${i}`), { recursive: true });
        const start = await runScript(etcdStartScript(args), env(i), join(dir.path, `start-${i}.${Date.now()}.sh`), 400_000);
        assert.equal(start.status, 0, `etcd-${i} start script:\n${start.stdout}\n${start.stderr}`);
        const t = Date.now();
        const etcd = processes.start(
            `etcd-${i}`,
            join(BIN, "etcd"),
            [`--config-file=${args.configPath}`],
            join(dir.path, `etcd-${i}.${t}.log`),
            env(i),
        );
        const promoteFile = join(dir.path, `promote-${i}.${t}.sh`);
        writeFileSync(promoteFile, etcdPromoteScript(args));
        const promote = processes.start(`promote-${i}`, "sh", [promoteFile], join(dir.path, `promote-${i}.${t}.log`), env(i));
        pods.set(i, { etcd, promote });
        return start;
    }

    /** Deletes pod `i`: SIGTERM to both processes (by PID), SIGKILL after 10 s; its data dir stays. */
    async function deletePod(i: number): Promise<void> {
        const pod = pods.get(i);
        assert.ok(pod, `pod etcd-${i} is not running`);
        pods.delete(i);
        await Promise.all([pod.etcd, pod.promote].map((child) => stopProcess(child, 10_000)));
    }

    /** `etcdctl member list` from member 0: started names, learners and unstarted members flagged. */
    const memberList = () => memberNames(etcdctl, clientUrl(0));

    const voting = (n: number) => range(n).map((i) => `etcd-${i}`);

    /** Waits until the member list is `n` started voting members (the pods' promote scripts at work). */
    async function untilVoting(n: number): Promise<void> {
        await waitFor(
            `${n} started voting members`,
            async () => (JSON.stringify(memberList()) === JSON.stringify(voting(n)) ? true : undefined),
            240_000,
            1_000,
        );
    }

    /** Puts `count` keys `clusterlab/s/<tag>/<n>` through member `via`'s JSON gateway. */
    async function put(tag: string, count: number, via = 0): Promise<string[]> {
        const keys: string[] = [];
        for (let n = 0; n < count; n++) {
            const key = `clusterlab/s/${tag}/${n}`;
            const res = await fetch(`${clientUrl(via)}/v3/kv/put`, {
                method: "POST",
                body: JSON.stringify({ key: b64(key), value: b64(tag) }),
                signal: AbortSignal.timeout(5_000),
            });
            assert.ok(res.ok, `put ${key}: ${res.status} ${await res.text()}`);
            keys.push(key);
        }
        return keys;
    }

    /** Keys of `keys` a linearizable read through member `via` does not return. */
    async function missing(keys: string[], via: number): Promise<string[]> {
        const res = await fetch(`${clientUrl(via)}/v3/kv/range`, {
            method: "POST",
            body: JSON.stringify({ key: b64("clusterlab/s/"), range_end: b64("clusterlab/s0"), keys_only: true }),
            signal: AbortSignal.timeout(10_000),
        });
        const found = new Set(
            (((await res.json()) as { kvs?: { key: string }[] }).kvs ?? []).map((kv) => Buffer.from(kv.key, "base64").toString()),
        );
        return keys.filter((k) => !found.has(k));
    }

    before(function () {
        assertGofailTools(["etcd", "etcdctl"]);
    });
    beforeEach(async () => {
        processes = new ProcessGroup();
        pods = new Map();
        dir = tempDir("etcd-self-join");
        ports = await loopbackPorts(ETCD_MAX_MEMBERS);
    });
    afterEach(async () => {
        await processes.stopAll();
        dir.remove();
    });

    it("3 → 5 → 3 → 5 with one pod template: joiners add and promote themselves (etcd admits one learner at a time), a restarted pod keeps its data, the removal task runs before the pods go, a leaving pod restarted early stays out, a removed member's old data is moved aside on its return, every key readable", async () => {
        const decisions: string[] = [];
        const outputs: string[] = [];
        const decided = (r: ScriptRun) =>
            outputs.push(`--- ${r.stdout.split("\n")[0]}\n${r.stdout}${r.stderr}`) &&
            decisions.push(
                ...`${r.stdout}\n${r.stderr}`
                    .split("\n")
                    .filter((l) => /: (starts with|added|.*kept at|ordinal \d+ is at or above)/.test(l)),
            );

        // Bootstrap: three pods at once (podManagementPolicy Parallel); nobody answers, each starts new.
        setState(3, false);
        (await Promise.all([0, 1, 2].map((i) => startPod(i, 3)))).forEach(decided);
        setState(5, true);
        await untilVoting(3);
        const keys = await put("at-3", 50);

        // 3 → 5: both new pods at once; etcd admits one learner at a time, so etcd-4 waits for etcd-3's promotion.
        const growing = Promise.all([3, 4].map((i) => startPod(i, 3)));
        keys.push(...(await put("during-grow", 50)));
        (await growing).forEach(decided);
        await untilVoting(5);
        keys.push(...(await put("at-5", 50, 4)));
        assert.deepEqual(await missing(keys, 4), [], "keys missing on the newest member");

        // A pod restarted on its data (the StatefulSet's rolling update, e.g. when the steps image is first set).
        await deletePod(0);
        decided(await startPod(0, 3));
        await untilVoting(5);
        keys.push(...(await put("after-restart", 20, 0)));

        // 5 → 3: the lab's removal task first (the StatefulSet shrinks after it), then the pods go.
        // The script of the Job the lab registers (labs/etcd/membership-tasks.ts `etcdShrinkTask`).
        setState(3, true);
        const task = etcdShrinkTask({ etcdctl, clientUrl, peerUrl: (i) => `http://127.0.0.1:${ports[i][ETCD_PEER_PORT]}` }, 5, 3, "steps");
        assert.deepEqual(task.command, ["/bin/sh", "-c"]);
        const shrink = await runScript(task.args[0], env(0), join(dir.path, "shrink.sh"), (task.timeoutSeconds ?? 600) * 1000);
        assert.equal(shrink.status, 0, `${shrink.stdout}\n${shrink.stderr}`);
        assert.deepEqual(memberList(), voting(3), "member list right after the removal task");
        // etcd-4's pod restarts before the StatefulSet shrinks: it must not add itself back.
        await deletePod(4);
        const early = await runScript(etcdStartScript(selfJoinArgs(4, 3)), env(4), join(dir.path, "start-4-early.sh"), 120_000);
        decided(early);
        assert.equal(early.status, 1, `${early.stdout}\n${early.stderr}`);
        assert.deepEqual(memberList(), voting(3), "member list after the removed member's pod restarted");
        await deletePod(3);
        keys.push(...(await put("at-3-again", 50)));

        // 3 → 5 again: etcd-3 and etcd-4 come back on their old volumes, which hold a removed member's data.
        setState(5, true);
        const regrowing = Promise.all([3, 4].map((i) => startPod(i, 3)));
        (await regrowing).forEach(decided);
        await untilVoting(5);
        keys.push(...(await put("at-5-again", 50, 3)));
        for (const via of [0, 3, 4]) assert.deepEqual(await missing(keys, via), [], `keys missing through etcd-${via}`);

        const refusals = outputs.join("\n").match(/member add --learner refused/g)?.length ?? 0;
        console.log(`      member add --learner refused ${refusals} time(s) while another learner caught up`);
        console.log(`      start decisions:\n        ${decisions.join("\n        ")}`);
        console.log(`      ${keys.length} keys written across 3 → 5 → 3 → 5, all readable through etcd-0, etcd-3 and etcd-4`);
        // What each start decided is the behaviour under test: bootstrap members new, joiners learners, returning ones cleared first.
        const count = (test: (d: string) => boolean) => decisions.filter(test).length;
        const expected: [string, number, number][] = [
            ...[0, 1, 2].map((i): [string, number, number] => [
                `etcd-${i} started new`,
                count((d) => d.startsWith(`etcd-${i}: starts with initial-cluster-state new`)),
                1,
            ]),
            ["etcd-0 restarted existing", count((d) => d.startsWith("etcd-0: starts with initial-cluster-state existing")), 1],
            ...[3, 4].flatMap((i): [string, number, number][] => [
                [`etcd-${i} added as a learner`, count((d) => d === `etcd-${i}: added as a learner`), 2],
                [`etcd-${i} moved its old data aside`, count((d) => d.startsWith(`etcd-${i}: `) && d.includes("kept at")), 1],
            ]),
            ["etcd-4 refused to rejoin while leaving", count((d) => d.startsWith("etcd-4: ordinal 4 is at or above etcd.members (3)")), 1],
        ];
        assert.deepEqual(
            expected.map(([what, n]) => `${what} ×${n}`),
            expected.map(([what, , want]) => `${what} ×${want}`),
            `start decisions:\n${decisions.join("\n")}\n\nstart scripts' output:\n${outputs.join("\n")}`,
        );
    });

    it("a member whose volume was lost neither restarts nor bootstraps alone; it names the fix, and after it rejoins as a learner", async () => {
        setState(3, false);
        await Promise.all([0, 1, 2].map((i) => startPod(i, 3)));
        await untilVoting(3);
        setState(3, true);
        const keys = await put("before-loss", 30);
        await deletePod(2);
        rmSync(join(dir.path, "etcd-2", "member"), { recursive: true, force: true });
        const lost = await runScript(etcdStartScript(selfJoinArgs(2, 3)), env(2), join(dir.path, "start-2-lost.sh"), 120_000);
        assert.equal(lost.status, 1, lost.stdout + lost.stderr);
        const fix =
            /etcd-2: listed as a started member \(([0-9a-f]+)\) but its data dir is empty .* remove it \(etcdctl member remove \1\)/.exec(
                lost.stderr,
            );
        assert.ok(fix, lost.stderr);
        // The fix it names: remove the member, start the pod again.
        const removed = run(etcdctl, [`--endpoints=${clientUrl(0)}`, "member", "remove", fix[1]], 20_000);
        assert.equal(removed.status, 0, removed.stderr);
        const again = await startPod(2, 3);
        assert.match(again.stdout, /etcd-2: added as a learner/);
        await untilVoting(3);
        assert.deepEqual(await missing(keys, 2), [], "keys missing through the rejoined etcd-2");

        // The whole cluster down and etcd-0's volume empty: it waits for the others instead of starting a cluster of its own.
        for (const i of [0, 1, 2]) await deletePod(i);
        rmSync(join(dir.path, "pod-0"), { recursive: true, force: true });
        rmSync(join(dir.path, "etcd-0", "member"), { recursive: true, force: true });
        const alone = await runScript(
            etcdStartScript(selfJoinArgs(0, 3, { startableListSeconds: 2 })),
            env(0),
            join(dir.path, "start-0-alone.sh"),
            60_000,
        );
        assert.equal(alone.status, 1, alone.stdout + alone.stderr);
        assert.match(
            alone.stderr,
            /etcd-0: no member answered, and this cluster was bootstrapped before: .* would start a cluster of its own/,
        );
        assert.ok(!existsSync(selfJoinArgs(0, 3).configPath), "etcd-0 wrote a config file");
    });

    it("a joiner whose endpoints name a pod not created yet (its DNS name resolves to nothing) still joins and is promoted", async () => {
        setState(3, false);
        await Promise.all([0, 1, 2].map((i) => startPod(i, 3)));
        await untilVoting(3);
        setState(5, true);
        // etcd-4's pod does not exist yet: in a StatefulSet scale-out its name has no DNS record until it is created.
        const name = "etcd-4.etcd-peer.clusterlab-t1.svc.cluster.local";
        const lookup = run("getent", ["hosts", name], 20_000);
        assert.notEqual(lookup.status, 0, `${name} resolves here (${lookup.stdout.trim()}): the test would not exercise a failed lookup`);
        const started = Date.now();
        const start = await startPod(3, 3, [4]);
        assert.match(start.stdout, /etcd-3: added as a learner/);
        await untilVoting(4);
        console.log(
            `      etcd-3 joined and was promoted in ${((Date.now() - started) / 1000).toFixed(1)} s with ${name} unresolvable in its endpoints`,
        );
    });

    it("a joiner with no member answering gives up after its bound, naming what it waited for", async () => {
        setState(5, true);
        const args = selfJoinArgs(3, 3, { listSeconds: 3 });
        const started = Date.now();
        const r = await runScript(etcdStartScript(args), env(3), join(dir.path, "start-alone.sh"), 60_000);
        const seconds = (Date.now() - started) / 1000;
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stderr, /etcd-3: timed out after 3s waiting for a member to answer member list at http:\/\/127\.0\.0\.1:\d+/);
        assert.ok(seconds < 30, `gave up after ${seconds} s`);
        assert.ok(!existsSync(args.configPath), "no config file written");
    });

    it("a pod name outside the table is refused before anything runs", async () => {
        setState(5, true);
        const r = await runScript(
            etcdStartScript(selfJoinArgs(0, 3)),
            { ...env(0), POD_NAME: "etcd-7" },
            join(dir.path, "start-7.sh"),
            10_000,
        );
        assert.equal(r.status, 2);
        assert.match(r.stderr, /POD_NAME='etcd-7' is not one of etcd-0, etcd-1, etcd-2, etcd-3, etcd-4/);
    });
});
