/**
 * A writer and a leader poller of our own against etcd's JSON gateway (`POST /v3/kv/put`,
 * `POST /v3/maintenance/status`, `POST /v3/kv/range`: etcd.io/docs/v3.5/dev-guide/api_grpc_gateway/),
 * for judging a membership change from outside: every acknowledged put must stay readable, and
 * failed puts and leader changes are counted. Bounded: at most `maxPuts` puts, 5 s per request.
 */

/** One put of the writer; `t` in seconds since the epoch. */
export interface GatewayPut {
    key: string;
    t: number;
    ok: boolean;
    error?: string;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, body: unknown): Promise<{ ok: boolean; status: number; text: string }> {
    const res = await fetch(url, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
    return { ok: res.ok, status: res.status, text: await res.text() };
}

/**
 * Background load: puts `<prefix><n>` every `pauseMs`, and polls the leader. A put goes to the first
 * endpoint and, should that fail, to the next ones in turn, as a client with several endpoints
 * does: a put fails only when no endpoint took it, so a member restarting on purpose is not
 * counted as lost availability (the puts that needed another member are counted apart).
 */
export class GatewayLoad {
    readonly puts: GatewayPut[] = [];
    /** Puts the first endpoint refused or missed that another one took. */
    failovers = 0;
    /** Leader member IDs in the order seen (a change appends). */
    readonly leaders: string[] = [];
    private running = false;
    private loops: Promise<void>[] = [];

    private readonly endpoint: string;

    /**
     * @param endpoints client URLs of members that stay through the change, e.g. `http://127.0.0.1:23790`; the first is asked first.
     * @param prefix key prefix, e.g. `clusterlab/evolve/`.
     */
    constructor(
        private readonly endpoints: string[],
        private readonly prefix: string,
        private readonly pauseMs = 50,
        private readonly maxPuts = 20_000,
    ) {
        if (!endpoints.length) throw new Error("GatewayLoad: no endpoint");
        this.endpoint = endpoints[0];
    }

    begin(): void {
        this.running = true;
        this.loops = [this.writer(), this.leaderPoller()];
    }

    async end(): Promise<void> {
        this.running = false;
        await Promise.all(this.loops);
    }

    /** Acknowledged puts. */
    get acknowledged(): GatewayPut[] {
        return this.puts.filter((p) => p.ok);
    }

    /** Keys under the prefix that `endpoint` reads back now (a linearizable range). */
    async readBack(): Promise<Set<string>> {
        const end = this.prefix.slice(0, -1) + String.fromCharCode(this.prefix.charCodeAt(this.prefix.length - 1) + 1);
        const res = await post(`${this.endpoint}/v3/kv/range`, { key: b64(this.prefix), range_end: b64(end), keys_only: true });
        if (!res.ok) throw new Error(`range ${this.prefix}: ${res.status} ${res.text.slice(0, 200)}`);
        const kvs = (JSON.parse(res.text).kvs ?? []) as { key: string }[];
        return new Set(kvs.map((kv) => Buffer.from(kv.key, "base64").toString()));
    }

    private async writer(): Promise<void> {
        for (let n = 1; this.running && n <= this.maxPuts; n++) {
            const key = `${this.prefix}${String(n).padStart(6, "0")}`;
            const t = Date.now() / 1000;
            const errors: string[] = [];
            for (const endpoint of this.endpoints) {
                try {
                    const res = await post(`${endpoint}/v3/kv/put`, { key: b64(key), value: b64(`v${n}`) });
                    if (res.ok) break;
                    errors.push(`${endpoint}: ${res.status} ${res.text.slice(0, 200)}`);
                } catch (err) {
                    errors.push(`${endpoint}: ${String(err)}`);
                }
            }
            const ok = errors.length < this.endpoints.length;
            if (ok && errors.length) this.failovers++;
            this.puts.push(ok ? { key, t, ok } : { key, t, ok, error: errors.join("; ") });
            await sleep(this.pauseMs);
        }
    }

    private async leaderPoller(): Promise<void> {
        for (let i = 0; this.running && i < 100_000; i++) {
            try {
                const res = await post(`${this.endpoint}/v3/maintenance/status`, {});
                const leader = res.ok ? String(JSON.parse(res.text).leader ?? "") : "";
                if (leader && leader !== this.leaders.at(-1)) this.leaders.push(leader);
            } catch {
                // A poll that times out during an election says nothing about the leader.
            }
            await sleep(200);
        }
    }
}
