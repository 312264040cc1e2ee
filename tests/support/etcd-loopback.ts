/**
 * Runs the etcd lab's rendered Docker graph on loopback: the member containers as local etcd
 * processes, the rendered Prometheus config against them. Shared by the T1 etcd tests
 * (tests/etcd-real.test.ts on Debian's etcd, tests/etcd-scenarios.t1.ts on the gofail build).
 *
 * The only rewrite applied to rendered text (flags, env, step scripts, scrape targets):
 * container host names and ports → 127.0.0.1 and a free port per member and container port;
 * listen addresses 0.0.0.0 → 127.0.0.1; the data dir → a temp dir.
 *   etcd-J:P   → 127.0.0.1:<port P of member J>
 *   0.0.0.0:P  → 127.0.0.1:<port P of this member>
 *   --data-dir=/var/lib/etcd → --data-dir=<tmp>/etcd-<self>
 */
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ETCD_CLIENT_PORT, ETCD_METRICS_PORT, ETCD_PEER_PORT } from "../../labs/etcd/etcd-cluster";
import { Graph, ofType, renderedFiles } from "./evaluate";
import { ProcessGroup, freePorts, waitFor } from "./processes";
import { run } from "./tools";

/** Per member: container port → loopback port. */
export type MemberPorts = Record<number, number>;

/** Free loopback ports for `members` members, one per container port (client, peer, metrics and `extra`). */
export async function loopbackPorts(members: number, extra: number[] = []): Promise<MemberPorts[]> {
    const containerPorts = [ETCD_CLIENT_PORT, ETCD_PEER_PORT, ETCD_METRICS_PORT, ...extra];
    const all = await freePorts(members * containerPorts.length);
    return Array.from({ length: members }, (_, i) =>
        Object.fromEntries(containerPorts.map((p, k) => [p, all[i * containerPorts.length + k]])),
    );
}

/** Rewrites one rendered string for member `self` (see the file comment); `dataDir` replaces `/var/lib/etcd`. */
export function substitute(text: string, self: number, ports: MemberPorts[], dataDir = ""): string {
    const port = (member: number, containerPort: string) => {
        const p = ports[member]?.[Number(containerPort)];
        if (p === undefined) throw new Error(`no loopback port for container port ${containerPort} of etcd-${member}`);
        return p;
    };
    return text
        .replace(/etcd-(\d+):(\d+)/g, (_, j, p) => `127.0.0.1:${port(Number(j), p)}`)
        .replace(/0\.0\.0\.0:(\d+)/g, (_, p) => `127.0.0.1:${port(self, p)}`)
        .replace(/^--data-dir=\/var\/lib\/etcd$/, `--data-dir=${dataDir}`);
}

/** A rendered Docker container of the graph, by name. */
export function container(graph: Graph, name: string) {
    const found = ofType(graph, "docker:index/container:Container").find((c) => c.name === name);
    assert.ok(found, `${name} not rendered`);
    return found;
}

/**
 * Starts every `etcd-N` member of the graph with its rendered flags and env (substituted), logs
 * in `dir/etcd-N.log`.
 * @returns the member count.
 */
export function startMembers(graph: Graph, processes: ProcessGroup, etcd: string, ports: MemberPorts[], dir: string): number {
    for (let i = 0; i < ports.length; i++) {
        const member = container(graph, `etcd-${i}`);
        const flags = (member.inputs.command as string[]).map((f) => substitute(f, i, ports, join(dir, `etcd-${i}`)));
        assert.ok(!flags.some((f) => /etcd-\d+:|0\.0\.0\.0/.test(f)), `unsubstituted flag in ${flags.join(" ")}`);
        const env: NodeJS.ProcessEnv = { ...process.env };
        for (const kv of (member.inputs.envs ?? []) as string[]) {
            const [k, v] = kv.split(/=(.*)/s);
            env[k] = substitute(v, i, ports);
        }
        processes.start(`etcd-${i}`, etcd, flags, join(dir, `etcd-${i}.log`), env);
    }
    return ports.length;
}

/**
 * Starts Prometheus with the graph's rendered config and rule files: scrape targets rewritten
 * as above, `scrape_interval` set to `scrapeInterval` so a test is quick. Waits until it is ready.
 */
export async function startPrometheus(
    graph: Graph,
    processes: ProcessGroup,
    prometheus: string,
    ports: MemberPorts[],
    listenPort: number,
    dir: string,
    scrapeInterval = "1s",
): Promise<void> {
    const files = renderedFiles(graph, "prometheus");
    const config = parse(files["/etc/prometheus/prometheus.yml"]);
    config.global.scrape_interval = scrapeInterval;
    for (const job of config.scrape_configs) {
        for (const sc of job.static_configs) sc.targets = sc.targets.map((t: string) => substitute(t, 0, ports));
    }
    mkdirSync(join(dir, "rules"), { recursive: true });
    config.rule_files = (config.rule_files ?? []).map((p: string) => {
        const local = join(dir, "rules", p.replace(/\//g, "_"));
        writeFileSync(local, files[p]);
        return local;
    });
    const configFile = join(dir, "prometheus.yml");
    writeFileSync(configFile, stringify(config));
    const log = join(dir, "prometheus.log");
    processes.start(
        "prometheus",
        prometheus,
        [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${listenPort}`],
        log,
    );
    await waitFor("Prometheus ready", async () => {
        const res = await fetch(`http://127.0.0.1:${listenPort}/-/ready`, { signal: AbortSignal.timeout(2_000) });
        return res.ok ? true : undefined;
    }).catch((err) => assert.fail(`${err}\n${readFileSync(log, "utf8").slice(-2000)}`));
}

/** One series of an instant query's result. */
export interface Sample {
    metric: Record<string, string>;
    value: [number, string];
}

/**
 * An instant query against Prometheus on `port`, at `time` (Unix seconds; default now).
 * @throws AssertionError unless Prometheus answers `status: success`.
 */
export async function promQuery(port: number, query: string, time?: number): Promise<Sample[]> {
    const at = time === undefined ? "" : `&time=${time}`;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(query)}${at}`, {
        signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as { status: string; error?: string; data: { result: Sample[] } };
    assert.equal(body.status, "success", `${query}: ${body.error}`);
    return body.data.result;
}

/**
 * `etcdctl member list -w json` through `endpoint`, as sorted names: a learner marked
 * `(learner)`, a member that never started `(unstarted)`.
 * @throws AssertionError when etcdctl fails.
 */
export function memberNames(etcdctl: string, endpoint: string): string[] {
    const r = run(etcdctl, [`--endpoints=${endpoint}`, "member", "list", "-w", "json"], 10_000);
    assert.equal(r.status, 0, r.stderr);
    const list = JSON.parse(r.stdout).members as { name?: string; isLearner?: boolean }[];
    return list.map((m) => `${m.name || "(unstarted)"}${m.isLearner ? " (learner)" : ""}`).sort();
}

/** Where the etcd 3.5.17 gofail build lives (`../shared/tools/etcd-gofail/build.sh v3.5.17`): `$ETCD_GOFAIL_BIN`, else its cache. */
export const GOFAIL_BIN = process.env.ETCD_GOFAIL_BIN ?? join(homedir(), ".cache", "etcd-gofail", "bin");

/** @throws AssertionError naming the build command when one of `tools` is missing from {@link GOFAIL_BIN}. */
export function assertGofailTools(tools: string[]): void {
    for (const tool of tools) {
        assert.ok(
            existsSync(join(GOFAIL_BIN, tool)),
            `${join(GOFAIL_BIN, tool)} missing: run bash ../shared/tools/etcd-gofail/build.sh v3.5.17 (.ci/run does)`,
        );
    }
}
