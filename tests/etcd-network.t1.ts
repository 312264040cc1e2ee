/**
 * T1: the etcd lab's network faults, applied for real and measured against baseline in one run.
 * `npm run test:etcd-scenarios` (with tests/etcd-scenarios.t1.ts; not part of `npm test`).
 *
 * Real things: 3 etcd 3.5.17 members (the gofail build from `../shared/tools/etcd-gofail/build.sh`,
 * `~/.cache/etcd-gofail/bin` or `$ETCD_GOFAIL_BIN`), one peer proxy per member
 * (docker/etcd-peer-proxy, built here) whose address the member advertises as its peer URL, the
 * etcd `benchmark` as load, the linearizability checker (docker/etcd-linearizability: etcd's
 * client + porcupine) recording and checking a history in every scenario, Prometheus (Debian)
 * scraping the members and the checker's verdict. Scenarios, in order:
 *
 * | scenario | proxies' flags | asserted |
 * |---|---|---|
 * | baseline | none | puts succeed, one leader |
 * | network-delay | `-rx-delay 1000ms` on every proxy | peer RTT p99 ≥ baseline p99 + 80 % of the delay |
 * | baseline | none (proxies restarted, members untouched) | a leader, puts succeed, no proposal failed |
 * | partition | `-isolate <the leader's peer URL>` on every proxy (its own proxy blackholes, the others drop its dials) | a new leader on another member; the isolated member's proposals failed |
 * | baseline (heal) | none | the isolated member follows the new leader at the same revision |
 * | member-kill | none; one member SIGKILLed by PID under load, restarted | it recovers from its WAL and reaches the others' revision |
 *
 * Every scenario's history must be linearizable; each history.html is kept under
 * `$ETCD_NETWORK_OUT` (default `.artifacts/etcd-network/<scenario>/history.html` in the checkout)
 * and its path printed. Member PIDs are recorded before each scenario and compared after, to
 * prove a network scenario never replaced a member.
 *
 * The proxies' fault flags are the lab's own ({@link proxyFlags}, labs/etcd/network.ts), with
 * `etcd.faultMember` set to the current leader. Knob: `$ETCD_NETWORK_DELAY_MS` (default 1000, the
 * seed lab's bridge `-rx-delay`; `etcd.peerDelayMs`).
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { proxyFlags } from "../labs/etcd/network";
import { GOFAIL_BIN, assertGofailTools, promQuery } from "./support/etcd-loopback";
import { EndpointStatus, PeerProxiedCluster, ProxyFlags, buildGoTool, endpointStatus } from "./support/etcd-peer-network";
import { ProcessGroup, freePort, waitFor } from "./support/processes";
import { requireTool, run, tempDir } from "./support/tools";

const BIN = GOFAIL_BIN;
const DELAY_MS = Number(process.env.ETCD_NETWORK_DELAY_MS ?? "1000");
const OUT = resolve(process.env.ETCD_NETWORK_OUT ?? join(__dirname, "..", ".artifacts", "etcd-network"));
/** Seconds each scenario records a history under load. The first baseline lasts past one 30 s RTT sample per link; network-delay waits for etcd's smoothed peer RTT (α = 1/8 per 4 s probe, sampled every 30 s) to pass 80 % of the delay: ≥ 13 probes. */
const WINDOW_S: Record<string, number> = { baseline: 15, "first baseline": 35, "network-delay": 95, partition: 25, "member-kill": 25 };

interface Row {
    scenario: string;
    measured: string;
    baseline: string;
    linearizable: string;
    ok: boolean;
}

interface Verdict {
    result: string;
    linearizable: boolean;
    operations: number;
    unknownPuts: number;
    failedGets: number;
    history: string;
}

describe(`etcd network faults through per-member peer proxies (loopback, delay ${DELAY_MS} ms)`, function () {
    this.timeout(300_000);
    const processes = new ProcessGroup();
    const rows: Row[] = [];
    let dir: { path: string; remove: () => void };
    let cluster: PeerProxiedCluster;
    let etcdctl: string;
    let benchmark: string;
    let checker: string;
    let promPort: number;
    let checkerPort: number;
    const base: Record<string, number> = {};

    before(async function () {
        this.timeout(600_000);
        assertGofailTools(["etcd", "etcdctl", "benchmark"]);
        const prometheus = requireTool("prometheus");
        etcdctl = join(BIN, "etcdctl");
        benchmark = join(BIN, "benchmark");
        const proxy = buildGoTool("etcd-peer-proxy");
        checker = buildGoTool("etcd-linearizability");
        dir = tempDir("etcd-network");
        cluster = new PeerProxiedCluster(join(BIN, "etcd"), proxy, dir.path, processes);
        await cluster.start(etcdctl);
        promPort = await freePort();
        checkerPort = await freePort();
        const config = {
            global: { scrape_interval: "1s", evaluation_interval: "1s" },
            scrape_configs: [
                { job_name: "etcd", static_configs: [{ targets: cluster.members.map((m) => `127.0.0.1:${m.client}`) }] },
                { job_name: "etcd-linearizability", static_configs: [{ targets: [`127.0.0.1:${checkerPort}`] }] },
            ],
        };
        writeFileSync(join(dir.path, "prometheus.yml"), stringify(config));
        const log = join(dir.path, "prometheus.log");
        processes.start(
            "prometheus",
            prometheus,
            [
                `--config.file=${join(dir.path, "prometheus.yml")}`,
                `--storage.tsdb.path=${join(dir.path, "tsdb")}`,
                `--web.listen-address=127.0.0.1:${promPort}`,
            ],
            log,
        );
        await waitFor(
            "3 etcd targets up",
            async () => ((await promQuery(promPort, 'up{job="etcd"} == 1')).length === 3 ? true : undefined),
            60_000,
        ).catch((err) => assert.fail(`${err}\n${readFileSync(log, "utf8").slice(-2000)}`));
        console.log(
            `      members ${cluster.members.map((m, i) => `${m.name} peer :${m.peer} advertised ${cluster.advertisedPeerURL(i)}`).join("; ")}`,
        );
    });

    after(async () => {
        await processes.stopAll();
        if (rows.length) {
            const table = [
                "| scenario | measured | vs baseline | linearizable | pass |",
                "|---|---|---|---|---|",
                ...rows.map((r) => `| ${r.scenario} | ${r.measured} | ${r.baseline} | ${r.linearizable} | ${r.ok ? "yes" : "NO"} |`),
            ].join("\n");
            console.log(`\n${table}\n`);
            if (process.env.ETCD_NETWORK_TABLE) writeFileSync(process.env.ETCD_NETWORK_TABLE, `${table}\n`);
        }
        dir?.remove();
    });

    const noFaults = (): ProxyFlags[] => cluster.members.map(() => []);
    const now = () => Date.now() / 1000;
    const member = (s: EndpointStatus) => cluster.members.findIndex((m) => s.endpoint === cluster.clientURL(m));

    /** Starts the benchmark's puts (rate-limited, far more than the window needs) across all members. */
    function startLoad(label: string): { child: ChildProcess; out: () => string } {
        let out = "";
        const child = spawn(
            benchmark,
            [
                `--endpoints=${cluster.endpoints()}`,
                "--conns=3",
                "--clients=9",
                "put",
                "--key-size=8",
                "--val-size=256",
                "--total=10000000",
                "--rate=300",
                "--sequential-keys",
                "--key-space-size=2000",
            ],
            { stdio: ["ignore", "pipe", "pipe"] },
        );
        child.stdout!.on("data", (d) => (out += d));
        child.stderr!.on("data", (d) => (out += d));
        child.once("error", (e) => (out += `${label}: ${e}`));
        return { child, out: () => out };
    }

    /**
     * Runs one scenario window: load + the checker (serving its verdict, scraped by Prometheus) for
     * `seconds`; `during` runs meanwhile. Returns the verdict and the window (Unix seconds).
     */
    async function window(label: string, seconds: number, during: () => Promise<void> = async () => {}) {
        const out = join(OUT, label.replace(/[^a-z0-9-]+/gi, "-"));
        mkdirSync(out, { recursive: true });
        const load = startLoad(label);
        const start = now();
        let stdout = "";
        const check = spawn(
            checker,
            [
                `--endpoints=${cluster.endpoints()}`,
                `--duration=${seconds}s`,
                "--op-timeout=5s",
                "--check-timeout=60s",
                `--out=${out}`,
                `--metrics-addr=127.0.0.1:${checkerPort}`,
                "--serve",
            ],
            { stdio: ["ignore", "pipe", "pipe"] },
        );
        check.stdout!.on("data", (d) => (stdout += d));
        let stderr = "";
        check.stderr!.on("data", (d) => (stderr += d));
        try {
            await during();
            const verdict = await waitFor(
                `${label}: checker verdict`,
                async () => (stdout.includes("\n") ? (JSON.parse(stdout.split("\n")[0]) as Verdict) : undefined),
                (seconds + 90) * 1000,
                500,
            );
            const end = now();
            // The verdict as Prometheus scraped it (the lab's panel and alert read this series).
            const scraped = await waitFor(
                `${label}: verdict scraped`,
                async () => {
                    const done = await promQuery(promPort, "clusterlab_etcd_linearizability_check_done == 1");
                    if (!done.length) return undefined;
                    return Number((await promQuery(promPort, "clusterlab_etcd_linearizable"))[0]?.value[1]);
                },
                15_000,
            );
            assert.equal(
                scraped === 1,
                verdict.linearizable,
                `${label}: scraped clusterlab_etcd_linearizable ${scraped} vs the checker's ${verdict.result}`,
            );
            console.log(
                `      ${label}: ${verdict.result}, ${verdict.operations} operations (${verdict.unknownPuts} unknown puts, ${verdict.failedGets} failed gets); history ${verdict.history}`,
            );
            return { verdict, start, end };
        } catch (err) {
            throw new Error(`${err}\nchecker stderr: ${stderr.slice(-1500)}\nload: ${load.out().slice(-1500)}`);
        } finally {
            for (const c of [check, load.child]) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
            // Let the checker's port go (and the last scrape be a stale marker) before the next window.
            await new Promise((r) => setTimeout(r, 2_000));
        }
    }

    const over = async (expr: (w: string) => string, w: { start: number; end: number }) => {
        const samples = await promQuery(promPort, expr(`${Math.ceil(w.end - w.start)}s`), w.end);
        return samples.length ? Math.max(...samples.map((s) => Number(s.value[1]))) : NaN;
    };
    const rttP99 = (w: string) =>
        `histogram_quantile(0.99, sum by (le) (increase(etcd_network_peer_round_trip_time_seconds_bucket[${w}])))`;
    const putRate = (w: string) => `sum(rate(etcd_server_proposals_committed_total[${w}])) or vector(0)`;
    const failed = (w: string) => `sum(increase(etcd_server_proposals_failed_total[${w}]))`;
    const leaderChanges = (w: string) => `max(increase(etcd_server_leader_changes_seen_total[${w}]))`;
    const lin = (v: Verdict) => {
        const answered = v.operations - v.unknownPuts - v.failedGets;
        return `${v.linearizable ? "yes" : "NO"} (${v.result}, ${answered} of ${v.operations} ops answered${answered === 0 ? ": vacuous" : ""})`;
    };

    /** Polls until every member answers, all name the same leader and (optionally) report one revision. */
    async function converged(what: string, sameRevision: boolean, timeoutMs = 45_000): Promise<EndpointStatus[]> {
        return waitFor(
            what,
            async () => {
                const st = endpointStatus(etcdctl, cluster.endpoints().split(","));
                if (st.length !== cluster.size) return undefined;
                if (new Set(st.map((s) => s.leader)).size !== 1 || st[0].leader === "0") return undefined;
                if (sameRevision && new Set(st.map((s) => s.revision)).size !== 1) return undefined;
                return st;
            },
            timeoutMs,
            500,
        );
    }

    /** Switches proxies back to no faults, runs a short baseline window and asserts the cluster is whole. */
    async function backToBaseline(after: string, pids: number[]) {
        await cluster.setProxies(noFaults());
        await converged(`${after} → baseline: one leader`, false);
        const w = await window(`baseline-after-${after}`, WINDOW_S.baseline);
        const st = await converged(`${after} → baseline: same revision once the load stopped`, true, 30_000);
        const f = await over(failed, { start: w.start + 5, end: w.end });
        const rate = await over(putRate, w);
        const samePids = cluster.members.every((_, i) => cluster.pid(i) === pids[i]);
        const ok = w.verdict.linearizable && rate > 0 && f === 0;
        rows.push({
            scenario: `baseline after ${after}`,
            measured: `leader ${st[0].leader}, revision ${st[0].revision} on all; proposals committed ${rate.toFixed(0)}/s; failed after the first 5 s: ${f}; member PIDs ${samePids ? "unchanged" : "changed"}`,
            baseline: `commit rate ${(rate / base.rate).toFixed(2)}×`,
            linearizable: lin(w.verdict),
            ok,
        });
        assert.ok(w.verdict.linearizable, `${after} → baseline: history not linearizable (${w.verdict.history})`);
        assert.ok(rate > 0, "nothing committed after switching back");
        assert.equal(f, 0, "proposals still failing after switching back");
    }

    it("baseline: one leader, puts committed, linearizable history", async () => {
        const w = await window("baseline", WINDOW_S["first baseline"]);
        base.rtt = await over(rttP99, w);
        base.rate = await over(putRate, w);
        base.failed = await over(failed, w);
        const st = await converged("baseline: one leader", false);
        rows.push({
            scenario: "baseline",
            measured: `leader ${st[0].leader}; proposals committed ${base.rate.toFixed(0)}/s; peer RTT p99 ${(base.rtt * 1000).toFixed(2)} ms; ${base.failed} failed`,
            baseline: "—",
            linearizable: lin(w.verdict),
            ok: w.verdict.linearizable && base.rate > 0,
        });
        assert.ok(w.verdict.linearizable, `baseline history not linearizable: ${w.verdict.history}`);
        assert.ok(base.rate > 0, "nothing committed in baseline");
    });

    it(`network-delay: peer RTT p99 ≥ baseline + 80 % of the ${DELAY_MS} ms receive delay; members untouched`, async function () {
        this.timeout(400_000);
        assert.ok(base.rate > 0, "baseline did not run");
        const pids = cluster.members.map((_, i) => cluster.pid(i));
        const flags = proxyFlags("network-delay", [], { peerDelayMs: DELAY_MS, faultMember: 0 });
        const restarted = await cluster.setProxies(cluster.members.map(() => flags));
        assert.deepEqual(restarted, [0, 1, 2], "every proxy takes the delay");
        const w = await window("network-delay", WINDOW_S["network-delay"]);
        const rtt = await over(rttP99, w);
        const changes = await over(leaderChanges, w);
        const rate = await over(putRate, w);
        const need = (Number.isFinite(base.rtt) ? base.rtt : 0) + (0.8 * DELAY_MS) / 1000;
        assert.deepEqual(
            cluster.members.map((_, i) => cluster.pid(i)),
            pids,
            "a member was restarted by a proxy change",
        );
        rows.push({
            scenario: "network-delay",
            measured: `peer RTT p99 ${(rtt * 1000).toFixed(0)} ms (need ≥ ${(need * 1000).toFixed(0)} ms); ${changes} leader change(s); committed ${rate.toFixed(1)}/s; member PIDs unchanged`,
            baseline: `RTT p99 ${(rtt / base.rtt).toFixed(0)}× baseline, +${((rtt - base.rtt) * 1000).toFixed(0)} ms = ${(((rtt - base.rtt) * 1000) / DELAY_MS).toFixed(2)}× the delay; commit rate ${(rate / base.rate).toFixed(2)}×`,
            linearizable: lin(w.verdict),
            ok: rtt >= need && w.verdict.linearizable,
        });
        assert.ok(rtt >= need, `peer RTT p99 ${rtt} s < baseline ${base.rtt} s + 80 % of ${DELAY_MS} ms`);
        assert.ok(w.verdict.linearizable, `network-delay history not linearizable: ${w.verdict.history}`);
        await backToBaseline("network-delay", pids);
    });

    it("partition: the leader blackholed — a new leader elsewhere, its proposals fail; healed at baseline", async () => {
        const before = await converged("partition: a leader to isolate", false);
        const leader = before.find((s) => s.memberId === s.leader);
        assert.ok(leader, `no member is the leader: ${JSON.stringify(before)}`);
        const iso = member(leader);
        const pids = cluster.members.map((_, i) => cluster.pid(i));
        const advertised = cluster.members.map((_, i) => cluster.advertisedPeerURL(i));
        const flags = proxyFlags("partition", advertised, { peerDelayMs: DELAY_MS, faultMember: iso });
        await cluster.setProxies(cluster.members.map(() => flags));
        const others = cluster.members.filter((_, i) => i !== iso).map((m) => cluster.clientURL(m));
        let newLeader = "";
        let electedAfter = NaN;
        const t0 = now();
        const w = await window("partition", WINDOW_S.partition, async () => {
            const st = await waitFor(
                "partition: the other members elect a new leader",
                async () => {
                    const s = endpointStatus(etcdctl, others);
                    return s.length === 2 &&
                        s[0].leader !== "0" &&
                        s[0].leader !== leader.memberId &&
                        s.every((x) => x.leader === s[0].leader)
                        ? s
                        : undefined;
                },
                30_000,
                500,
            );
            newLeader = st[0].leader;
            electedAfter = now() - t0;
        });
        const isoFailed = Number(
            (
                await promQuery(
                    promPort,
                    `increase(etcd_server_proposals_failed_total{instance="127.0.0.1:${cluster.members[iso].client}"}[${Math.ceil(w.end - w.start)}s])`,
                    w.end,
                )
            )[0]?.value[1] ?? NaN,
        );
        const noLeader = Number(
            (
                await promQuery(
                    promPort,
                    `min_over_time(etcd_server_has_leader{instance="127.0.0.1:${cluster.members[iso].client}"}[${Math.ceil(w.end - w.start)}s])`,
                    w.end,
                )
            )[0]?.value[1] ?? NaN,
        );
        rows.push({
            scenario: "partition",
            measured: `isolated ${cluster.members[iso].name} (leader ${leader.memberId}); new leader ${newLeader} after ${electedAfter.toFixed(1)} s; isolated member's failed proposals +${isoFailed.toFixed(0)}; its has_leader min ${noLeader}`,
            baseline: `failed proposals ${base.failed} → ${isoFailed.toFixed(0)} on the isolated member`,
            linearizable: lin(w.verdict),
            ok: newLeader !== "" && newLeader !== leader.memberId && isoFailed > 0 && w.verdict.linearizable,
        });
        assert.notEqual(newLeader, leader.memberId);
        assert.ok(isoFailed > 0, `no failed proposal counted on the isolated member (${isoFailed})`);
        assert.ok(w.verdict.linearizable, `partition history not linearizable: ${w.verdict.history}`);
        assert.deepEqual(
            cluster.members.map((_, i) => cluster.pid(i)),
            pids,
            "a member was restarted by a proxy change",
        );
        await backToBaseline("partition", pids);
    });

    it("member-kill: one member SIGKILLed by PID under load, restarted, recovers from its WAL at the others' revision", async () => {
        const victim = 2;
        let pid = 0;
        let downFor = 0;
        const w = await window("member-kill", WINDOW_S["member-kill"], async () => {
            await new Promise((r) => setTimeout(r, 5_000));
            const t = now();
            pid = await cluster.kill(victim);
            await new Promise((r) => setTimeout(r, 3_000));
            cluster.restart(victim);
            downFor = now() - t;
        });
        const t = now();
        const st = await converged("member-kill: the restarted member at the others' revision", true, 30_000);
        const caughtUp = now() - t;
        const logs = run("sh", ["-c", `cat "$1"/${cluster.members[victim].name}.*.log`, "sh", dir.path], 10_000).stdout;
        const recovered = /restarting local member|recovered v3 backend/.test(logs);
        rows.push({
            scenario: "member-kill",
            measured: `${cluster.members[victim].name} (PID ${pid}) SIGKILLed under load, down ${downFor.toFixed(1)} s, restarted as PID ${cluster.pid(victim)}; log ${recovered ? "shows WAL/backend recovery" : "shows NO recovery"}; all at revision ${st[0].revision} ${caughtUp.toFixed(1)} s after the load stopped`,
            baseline: `same revision within the 30 s bound`,
            linearizable: lin(w.verdict),
            ok: recovered && w.verdict.linearizable,
        });
        assert.ok(recovered, "the restarted member's log shows no restart from its data dir");
        assert.ok(w.verdict.linearizable, `member-kill history not linearizable: ${w.verdict.history}`);
        assert.notEqual(cluster.pid(victim), pid);
    });
});
