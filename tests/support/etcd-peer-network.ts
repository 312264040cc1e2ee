/**
 * A 3-member etcd cluster on loopback whose peer traffic passes through one peer proxy per
 * member (docker/etcd-peer-proxy): each member listens for peers on its own port and advertises
 * its proxy's address, as etcd's tools/local-tester/Procfile does with its bridge. Members and
 * proxies are separate processes, so a test can kill one member by PID and restart it, or
 * restart proxies with other fault flags without touching any member.
 *
 * Used by tests/etcd-network.t1.ts. The Go tools are built (and cached) by
 * docker/build-go-tool.sh from the Go module proxy.
 */
import * as assert from "node:assert/strict";
import { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ProcessGroup, freePorts, waitFor } from "./processes";
import { run } from "./tools";

/** Builds one of docker/<name>'s Go tools (cached) and returns the binary's path. */
export function buildGoTool(name: string): string {
    const r = run(
        "bash",
        [join(__dirname, "..", "..", "docker", "build-go-tool.sh"), join(__dirname, "..", "..", "docker", name)],
        600_000,
    );
    assert.equal(r.status, 0, `building docker/${name} failed:\n${r.stderr}`);
    return r.stdout.trim().split("\n").pop()!;
}

/** Loopback ports of one member: client (and /metrics), peer listen, its proxy (the advertised peer URL), and its gofail HTTP endpoint (0: none). */
export interface MemberAddr {
    name: string;
    client: number;
    peer: number;
    proxy: number;
    failpoints: number;
}

/** Proxy fault flags (docker/etcd-peer-proxy/main.go), as argv. */
export type ProxyFlags = string[];

/** The cluster: members and proxies as child processes, restartable one by one. */
export class PeerProxiedCluster {
    readonly members: MemberAddr[] = [];
    private readonly memberProcs: (ChildProcess | undefined)[] = [];
    private readonly proxyProcs: (ChildProcess | undefined)[] = [];
    private readonly proxyFlags: string[] = [];
    private readonly proxyStarts: number[] = [];
    private starts = 0;
    private readonly restartDelayMs: (number | undefined)[] = [];

    /**
     * @param gofail serve each member's failpoints over HTTP (`GOFAIL_HTTP`, the gofail build's
     *   endpoint; etcd-io/gofail `runtime/http.go`) on a port of its own, {@link failpointURL}.
     */
    constructor(
        private readonly etcd: string,
        private readonly proxy: string,
        private readonly dir: string,
        private readonly processes: ProcessGroup,
        readonly size = 3,
        private readonly gofail = false,
    ) {}

    /** Picks free ports, starts every proxy (no faults) and member; waits until all are healthy (60 s). */
    async start(etcdctl: string): Promise<void> {
        const ports = await freePorts(this.size * 4);
        for (let i = 0; i < this.size; i++) {
            const [client, peer, proxy, failpoints] = ports.slice(4 * i, 4 * i + 4);
            this.members.push({ name: `m${i}`, client, peer, proxy, failpoints: this.gofail ? failpoints : 0 });
        }
        for (let i = 0; i < this.size; i++) this.startProxy(i, []);
        for (let i = 0; i < this.size; i++) this.startMember(i);
        await waitFor(
            `${this.size} members healthy`,
            async () =>
                run(etcdctl, [`--endpoints=${this.endpoints()}`, "--command-timeout=2s", "endpoint", "health"], 10_000).status === 0
                    ? true
                    : undefined,
            60_000,
        );
    }

    /** Client URLs, comma-separated. */
    endpoints(): string {
        return this.members.map((m) => this.clientURL(m)).join(",");
    }

    clientURL(m: MemberAddr): string {
        return `http://127.0.0.1:${m.client}`;
    }

    /** Member i's gofail endpoint (`http://127.0.0.1:<port>`). @throws Error when the cluster was started without gofail. */
    failpointURL(i: number): string {
        assert.ok(this.members[i].failpoints, "the cluster was started without gofail endpoints");
        return `http://127.0.0.1:${this.members[i].failpoints}`;
    }

    /** The peer URL member `i` advertises: its proxy's address. */
    advertisedPeerURL(i: number): string {
        return `http://127.0.0.1:${this.members[i].proxy}`;
    }

    /** etcd flags of member `i` (same on every start: a restart recovers from the data dir's WAL). */
    memberFlags(i: number): string[] {
        const m = this.members[i];
        const initial = this.members.map((x, j) => `${x.name}=${this.advertisedPeerURL(j)}`).join(",");
        return [
            `--name=${m.name}`,
            `--data-dir=${join(this.dir, m.name)}`,
            `--listen-client-urls=${this.clientURL(m)}`,
            `--advertise-client-urls=${this.clientURL(m)}`,
            `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
            `--initial-advertise-peer-urls=${this.advertisedPeerURL(i)}`,
            `--initial-cluster=${initial}`,
            "--initial-cluster-token=clusterlab-network-t1",
            "--initial-cluster-state=new",
        ];
    }

    private startMember(i: number): void {
        const log = join(this.dir, `${this.members[i].name}.${this.starts++}.log`);
        const env = { ...process.env };
        delete env.GOFAIL_HTTP;
        if (this.members[i].failpoints) env.GOFAIL_HTTP = `127.0.0.1:${this.members[i].failpoints}`;
        const child = this.processes.start(this.members[i].name, this.etcd, this.memberFlags(i), log, env);
        this.memberProcs[i] = child;
        child.once("exit", () => {
            const delay = this.restartDelayMs[i];
            if (delay !== undefined && this.memberProcs[i] === child)
                setTimeout(() => this.restartDelayMs[i] !== undefined && this.startMember(i), delay);
        });
    }

    /**
     * A restart policy for member i, as the platforms give members (Docker `unless-stopped`,
     * Kubernetes `restartPolicy: Always`): whenever its process exits, it is started again after
     * `delayMs` (Docker's first restart delay is 100 ms, docs.docker.com "Start containers
     * automatically"); `undefined` turns the policy off (do so before stopping the processes).
     */
    restartPolicy(i: number, delayMs: number | undefined): void {
        this.restartDelayMs[i] = delayMs;
    }

    private startProxy(i: number, flags: ProxyFlags): void {
        const m = this.members[i];
        this.proxyStarts[i] = this.starts;
        const log = join(this.dir, `proxy-${m.name}.${this.starts++}.log`);
        // The identity flags the lab renders (labs/etcd/peer-proxy.ts): a name ending in the ordinal
        // and the proxy's own advertised URL, against which it resolves `-isolate`.
        const identity = [`-name=etcd-peer-proxy-${i}`, `-advertised=${this.advertisedPeerURL(i)}`];
        this.proxyProcs[i] = this.processes.start(
            `proxy-${m.name}`,
            this.proxy,
            [...flags, ...identity, `127.0.0.1:${m.proxy}`, `127.0.0.1:${m.peer}`],
            log,
        );
        this.proxyFlags[i] = flags.join(" ");
    }

    /** Current flags of member i's proxy. */
    flagsOf(i: number): string {
        return this.proxyFlags[i];
    }

    /**
     * Gives every proxy its flags: a proxy whose flags changed is stopped (SIGTERM, 5 s) and
     * started again on the same port; members are never touched. Returns the restarted indexes.
     */
    async setProxies(flags: ProxyFlags[]): Promise<number[]> {
        const changed = flags.map((f, i) => (f.join(" ") !== this.proxyFlags[i] ? i : -1)).filter((i) => i >= 0);
        for (const i of changed) {
            await stop(this.proxyProcs[i]!, "SIGTERM");
            this.startProxy(i, flags[i]);
        }
        await new Promise((r) => setTimeout(r, 300));
        for (const i of changed) {
            const log = join(this.dir, `proxy-${this.members[i].name}.${this.proxyStarts[i]}.log`);
            assert.equal(
                this.proxyProcs[i]!.exitCode,
                null,
                `proxy of m${i} exited: ${this.proxyFlags[i]}\n${existsSync(log) ? readFileSync(log, "utf8").slice(-1500) : ""}`,
            );
        }
        return changed;
    }

    /** PID of member i's etcd process. */
    pid(i: number): number {
        return this.memberProcs[i]!.pid!;
    }

    /** SIGKILLs member i's process by PID; resolves when it has exited (bounded 10 s). */
    async kill(i: number): Promise<number> {
        const pid = this.pid(i);
        await stop(this.memberProcs[i]!, "SIGKILL", pid);
        return pid;
    }

    /** Starts member i again with the same flags and data dir. */
    restart(i: number): void {
        this.startMember(i);
    }
}

/** Sends `signal` to the child's PID and waits for it to exit (at most 10 s). */
function stop(child: ChildProcess, signal: NodeJS.Signals, pid = child.pid!): Promise<void> {
    return new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => reject(new Error(`PID ${pid} still running 10 s after ${signal}`)), 10_000);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
        process.kill(pid, signal);
    });
}

/** One member's view from `etcdctl endpoint status -w json`. */
export interface EndpointStatus {
    endpoint: string;
    memberId: string;
    leader: string;
    revision: number;
    raftTerm: number;
}

/** Status of each endpoint that answers within 3 s (hex member IDs as etcdctl prints them in tables). */
export function endpointStatus(etcdctl: string, endpoints: string[]): EndpointStatus[] {
    const out: EndpointStatus[] = [];
    for (const ep of endpoints) {
        const r = run(etcdctl, [`--endpoints=${ep}`, "--command-timeout=3s", "endpoint", "status", "-w", "json"], 10_000);
        if (r.status !== 0) continue;
        // Member IDs are uint64: quote long numbers before JSON.parse so none loses precision.
        const [s] = JSON.parse(r.stdout.replace(/:(\d{15,})/g, ':"$1"')) as {
            Endpoint: string;
            Status: { header: { member_id: number | string; revision: number; raft_term: number }; leader?: number | string };
        }[];
        out.push({
            endpoint: s.Endpoint,
            memberId: BigInt(s.Status.header.member_id).toString(16),
            // protobuf's JSON leaves out a zero leader (no leader known).
            leader: BigInt(s.Status.leader ?? 0).toString(16),
            revision: Number(s.Status.header.revision),
            raftTerm: Number(s.Status.header.raft_term),
        });
    }
    return out;
}
