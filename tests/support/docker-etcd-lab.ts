/**
 * The etcd lab as the Docker tier runs it: `Pulumi.etcd.yaml` with the locally built images
 * substituted through the stack's `images:` key, free host ports, Grafana left out (no
 * Grafana image can be built here), and helpers that ask the real services.
 */
import { createServer } from "node:net";
import { EtcdLabConfig, EtcdScenario } from "../../components/config";
import { EtcdLabImages } from "./docker-images";
import { deepMerge, stackConfig } from "./evaluate";
import { waitFor } from "./processes";
import { run } from "./tools";

/** Whether 127.0.0.1:`port` can be bound right now. */
function bindable(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

/**
 * `n` consecutive free loopback ports (the platform publishes member N at base + N).
 * @throws Error after 100 tries.
 */
export async function freePortRange(n: number): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
        const base = 20_000 + Math.floor(Math.random() * 30_000);
        const free = await Promise.all(Array.from({ length: n }, (_, i) => bindable(base + i)));
        if (free.every(Boolean)) return base;
    }
    throw new Error(`no ${n} consecutive free ports found`);
}

/** Host ports one run of the lab publishes. */
export interface LabPorts {
    /** etcd client port of member 0 (member N: +N). */
    etcdClient: number;
    prometheus: number;
}

/** Free host ports for a lab of `members` members. */
export async function labPorts(members = 3): Promise<LabPorts> {
    const etcdClient = await freePortRange(members);
    let prometheus = await freePortRange(1);
    while (prometheus >= etcdClient && prometheus < etcdClient + members) prometheus = await freePortRange(1);
    return { etcdClient, prometheus };
}

/**
 * The etcd stack's config with the test images and ports.
 * @param failpoints run the failpoint build as `etcd.failpointImage` (GOFAIL_HTTP set).
 * @param overrides deep-merged last (e.g. `{ scenario: "fsync-delay", load: { enabled: false } }`).
 */
export function etcdDockerConfig(
    images: EtcdLabImages,
    ports: LabPorts,
    failpoints: boolean,
    overrides: Record<string, unknown> = {},
): EtcdLabConfig {
    const base = {
        images: {
            "gcr.io/etcd-development/etcd": images.etcd,
            "prom/prometheus": images.prometheus,
            "curlimages/curl": images.curl,
        },
        etcd: { clientHostPort: ports.etcdClient, ...(failpoints ? { failpointImage: images.etcd } : {}) },
        observability: { grafana: false, prometheusHostPort: ports.prometheus, scrapeInterval: "2s" },
        // A short benchmark: the stack file's 100 000 puts at 1000/s would take minutes.
        load: { image: images.benchmark, total: 2_000, rate: 0, clients: 10, conns: 2 },
    };
    return stackConfig("etcd", deepMerge(base, overrides)) as EtcdLabConfig;
}

/** Every scenario the etcd lab knows. */
export const SCENARIOS: EtcdScenario[] = ["baseline", "fsync-delay", "defrag-delay", "compaction", "db-size-limit"];

/** Host client endpoints of a lab's members. */
export function hostEndpoints(ports: LabPorts, members = 3): string {
    return Array.from({ length: members }, (_, i) => `http://127.0.0.1:${ports.etcdClient + i}`).join(",");
}

/**
 * Runs the host's etcdctl (Debian etcd-client, API v3) against the members.
 * @throws Error with etcdctl's output when it exits non-zero.
 */
export function etcdctl(tool: string, endpoints: string, args: string[]): string {
    const r = run(tool, [`--endpoints=${endpoints}`, "--command-timeout=10s", ...args], 30_000);
    if (r.status !== 0) throw new Error(`etcdctl ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
}

/** A Prometheus instant query; returns the result vector. */
export async function promQuery(port: number, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(query)}`, {
        signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== "success") throw new Error(`query ${query}: ${JSON.stringify(body)}`);
    return body.data.result;
}

/**
 * The instances Prometheus reports up for job `etcd` (`up{job="etcd"} == 1`), sorted, once there
 * are `n` of them. @throws Error after `timeoutMs` (polled each second).
 */
export async function etcdTargetsUp(port: number, n: number, timeoutMs = 60_000): Promise<string[]> {
    const up = await waitFor(
        `up{job="etcd"} == 1 for ${n} targets`,
        async () => {
            const r = await promQuery(port, 'up{job="etcd"} == 1');
            return r.length === n ? r : undefined;
        },
        timeoutMs,
        1_000,
    );
    return up.map((s) => s.metric.instance).sort();
}
