/**
 * The check step, after `up`: what the seed's `scripts/check.sh` did for the CockroachDB demo,
 * for every lab. On Kubernetes, through the API server (`kubectl get -o json`): every
 * StatefulSet has all its replicas ready at the current revision (the condition
 * `kubectl rollout status` waits for), every step Job is `Complete` (none `Failed`). Then the
 * lab's own health through its outputs (health.ts), each probe bounded in time; what cannot be
 * reached gets its own line saying so, and does not fail the check (a laptop without a route to
 * the cluster still gets the object checks).
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { HEALTH_PROBES, HealthTarget, healthTarget } from "./health";
import { say } from "./progress";
import { StepRecord } from "./record";

/** Bounds of the check (ms). */
export interface CheckLimits {
    /** How long to wait for StatefulSets to be ready and Jobs to finish. */
    objectsMs: number;
    /** Per health probe, port-forward included. */
    probeMs: number;
}

/** Default bounds: 120 s for objects, 8 s per probe. */
export const CHECK_LIMITS: CheckLimits = { objectsMs: 120_000, probeMs: 8_000 };

/** What one look at the namespace found: problems (empty when all is well) and a summary. */
interface ObjectsState {
    problems: string[];
    summary: string;
}

/** `kubectl [--context NAME] ARGS -o json`; the parsed list, or why it could not be had. */
function kubectlJson(context: string[], args: string[], timeoutMs = 30_000): { items: any[] } | string {
    const r = spawnSync("kubectl", [...context, ...args, "-o", "json"], { encoding: "utf8", timeout: timeoutMs });
    if (r.error) return `kubectl could not run: ${r.error.message}`;
    if (r.status !== 0) return (r.stderr || `kubectl exited ${r.status}`).trim().split("\n").pop()!;
    return JSON.parse(r.stdout);
}

const isTrue = (o: any, type: string) => (o.status?.conditions ?? []).some((c: any) => c.type === type && c.status === "True");

/** One look at the StatefulSets and Jobs of a namespace; a string when the API server cannot be asked. */
function lookAt(context: string[], namespace: string): ObjectsState | string {
    const sts = kubectlJson(context, ["-n", namespace, "get", "statefulsets"]);
    if (typeof sts === "string") return sts;
    const jobs = kubectlJson(context, ["-n", namespace, "get", "jobs"]);
    if (typeof jobs === "string") return jobs;
    const problems: string[] = [];
    for (const s of sts.items) {
        const want = s.spec.replicas ?? 1;
        const ready = s.status?.readyReplicas ?? 0;
        const current = s.status?.currentRevision === s.status?.updateRevision;
        if (ready !== want || (want > 0 && !current))
            problems.push(`StatefulSet/${s.metadata.name} ${ready}/${want} ready${current ? "" : ", rollout in progress"}`);
    }
    let complete = 0;
    for (const j of jobs.items) {
        if (isTrue(j, "Complete")) complete++;
        else if (isTrue(j, "Failed")) problems.push(`Job/${j.metadata.name} failed`);
        else problems.push(`Job/${j.metadata.name} not complete`);
    }
    const ready = sts.items.map((s) => `${s.metadata.name} ${s.status?.readyReplicas ?? 0}/${s.spec.replicas ?? 1}`);
    return { problems, summary: `StatefulSets ${ready.join(", ") || "none"}; Jobs ${complete}/${jobs.items.length} complete` };
}

/** Waits (bounded) until the namespace's StatefulSets are ready and its Jobs complete. */
async function checkObjects(context: string[], namespace: string, limits: CheckLimits): Promise<{ ok: boolean; line: string }> {
    const deadline = Date.now() + limits.objectsMs;
    for (let attempt = 1; ; attempt++) {
        const state = lookAt(context, namespace);
        if (typeof state === "string") return { ok: false, line: `cannot reach the API server for namespace ${namespace}: ${state}` };
        if (!state.problems.length) return { ok: true, line: `namespace ${namespace}: ${state.summary}` };
        const failed = state.problems.filter((p) => p.endsWith(" failed"));
        if (failed.length || Date.now() > deadline) {
            return { ok: false, line: `namespace ${namespace}: ${state.problems.join("; ")} (after ${attempt} looks)` };
        }
        if (attempt % 5 === 1) say(`check: waiting for ${state.problems.slice(0, 3).join("; ")}${state.problems.length > 3 ? " …" : ""}`);
        await new Promise((r) => setTimeout(r, 2_000));
    }
}

/** What undici's (fetch's) error codes mean for a probe. */
const WHY: Record<string, string> = {
    ECONNREFUSED: "connection refused (nothing listens there)",
    UND_ERR_SOCKET: "connection closed without an answer (nothing answered behind the port-forward)",
    UND_ERR_CONNECT_TIMEOUT: "connect timed out",
};

/** GETs `url` within `ms`; the status line or why it could not be reached. */
async function get(url: string, ms: number): Promise<{ ok: boolean; text: string }> {
    // A referenced timer, not AbortSignal.timeout (unreferenced): with several probes in flight
    // undici can be left holding only unreferenced handles, and Node would exit mid-check.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
        const res = await fetch(url, { signal: controller.signal });
        return { ok: res.ok, text: `HTTP ${res.status}` };
    } catch (err) {
        if (controller.signal.aborted) return { ok: false, text: `no answer within ${ms} ms` };
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const code = cause?.code ?? "";
        return { ok: false, text: WHY[code] ? `${WHY[code]}, ${code}` : (cause?.message ?? (err as Error).message) };
    } finally {
        clearTimeout(timer);
    }
}

/** Opens a port-forward and waits (bounded) until kubectl says it listens; undefined plus why, if it does not. */
async function portForward(context: string[], args: string[], ms: number): Promise<{ child?: ChildProcess; why?: string }> {
    const child = spawn("kubectl", [...context, "port-forward", ...args.filter((a) => a !== "port-forward")], {
        stdio: ["ignore", "pipe", "pipe"],
    });
    return new Promise((resolve) => {
        let err = "";
        const timer = setTimeout(() => (child.kill(), resolve({ why: `port-forward not ready in ${ms} ms ${err.trim()}`.trim() })), ms);
        child.stdout.on("data", (d) => {
            if (/Forwarding from/.test(String(d))) (clearTimeout(timer), resolve({ child }));
        });
        child.stderr.on("data", (d) => (err += String(d)));
        child.on("exit", (code) => (clearTimeout(timer), resolve({ why: `port-forward exited ${code}: ${err.trim().split("\n").pop()}` })));
        child.on("error", (e) => (clearTimeout(timer), resolve({ why: `kubectl could not run: ${e.message}` })));
    });
}

/** Asks one endpoint (opening its port-forward first when the output is a kubectl hint); one line. */
async function probeOne(context: string[], what: string, target: HealthTarget, ms: number): Promise<string> {
    let child: ChildProcess | undefined;
    try {
        if (target.portForward) {
            const pf = await portForward(context, target.portForward, ms);
            if (!pf.child) return `unreachable: ${what} (${target.portForward.slice(3).join(" ")}): ${pf.why}`;
            child = pf.child;
        }
        const r = await get(target.url, ms);
        const via = target.portForward ? " through the port-forward" : "";
        return `${r.ok ? "healthy" : "unreachable"}: ${what} ${target.url}${via}: ${r.text}`;
    } finally {
        child?.kill();
    }
}

/** Asks every health endpoint the outputs name, all at once (each bounded); one line each, in probe order. */
async function checkHealth(context: string[], outputs: Record<string, unknown>, limits: CheckLimits): Promise<string[]> {
    const asks: Promise<string>[] = [];
    for (const probe of HEALTH_PROBES) {
        const value = outputs[probe.output];
        for (const v of (Array.isArray(value) ? value : [value]).filter((x): x is string => typeof x === "string")) {
            const target = healthTarget(v, probe.path);
            if (target) asks.push(probeOne(context, probe.what, target, limits.probeMs));
        }
    }
    return Promise.all(asks);
}

/** The Kubernetes namespace the outputs name (`kubectl -n NS …`), if any. */
export function namespaceOf(outputs: Record<string, unknown>): string | undefined {
    for (const v of Object.values(outputs).flat()) {
        const ns = typeof v === "string" ? /kubectl -n (\S+) /.exec(v)?.[1] : undefined;
        if (ns) return ns;
    }
    return undefined;
}

/**
 * Runs the check on a stack's outputs. `ok` when every object check passed (health probes that
 * could not reach their endpoint are reported, not failed); `failed` otherwise.
 * @param kubeContext the stack's `kubernetes.context`, when it names one (else kubectl's current context).
 */
export async function check(
    outputs: Record<string, unknown>,
    limits: CheckLimits = CHECK_LIMITS,
    kubeContext?: string,
): Promise<StepRecord> {
    const started = Date.now();
    // kubectl asks the cluster Pulumi used: the stack's kube context when it names one.
    const context = kubeContext ? ["--context", kubeContext] : [];
    const detail: string[] = [];
    let ok = true;
    const namespace = outputs.platform === "kubernetes" ? namespaceOf(outputs) : undefined;
    if (namespace) {
        say(`check: StatefulSets and Jobs in namespace ${namespace} (up to ${limits.objectsMs / 1000} s)`);
        const objects = await checkObjects(context, namespace, limits);
        ok = objects.ok;
        detail.push(objects.line);
    } else if (outputs.platform === "kubernetes") {
        detail.push("no namespace in the outputs: object checks skipped");
    }
    say(`check: health endpoints named by the outputs (${limits.probeMs / 1000} s each)`);
    detail.push(...(await checkHealth(context, outputs, limits)));
    return { step: "check", result: ok ? "ok" : "failed", wallMs: Date.now() - started, ops: {}, destructive: [], detail };
}
