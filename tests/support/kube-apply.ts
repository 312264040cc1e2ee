/**
 * Why this emulator stays: the real engine tier (tests/engine/, `npm run test:engine`) runs every
 * Kubernetes stack it can, but not CockroachDB's secure mode — its certificates come from the
 * tls provider (`pulumi-resource-tls`), which the Go module proxy does not serve. Secure mode
 * (tests/k8s/crdb-secure.k8s.ts) and the checks the engine tier does not make (backup order,
 * scale-in, a server-side dry run of the rendered manifests) apply what the program renders
 * through this stand-in. It differs from the engine where it matters: a changed Job or an
 * immutable StatefulSet field is refused here, where the engine deletes and re-creates.
 *
 * Applies manifest waves (tests/support/kube-manifests.ts) to a real API server the way the
 * pulumi-kubernetes provider would: server-side apply under one field manager
 * (`Provider.enableServerSideApply`), each wave awaited before the next as the provider awaits a
 * resource before creating its dependents — a Job until `Complete` unless it carries
 * `pulumi.com/skipAwait`, a StatefulSet or Deployment until its rollout is done
 * (pulumi-kubernetes `provider/pkg/await/job.go`, `statefulset.go` — ready replicas and the
 * current revision equal to the update revision — and `deployment.go`; `kubectl wait
 * --for=condition=Complete` and `kubectl rollout status` check the same conditions).
 * Objects whose name changed or that left the graph are deleted after the whole apply, as the
 * engine deletes replaced resources last (create-before-delete).
 *
 * What the API server reports is the evidence: an immutable-field change is refused with a
 * non-zero kubectl exit (`spec: Forbidden: updates to statefulset spec for fields other than …`).
 */
import { spawnSync } from "node:child_process";
import { Manifest, manifestWaves, objectRef } from "./kube-manifests";
import { Graph } from "./evaluate";

/** The one field manager every phase applies under (a second manager would conflict). */
export const FIELD_MANAGER = "clusterlab-apply-test";

/** Result of one kubectl run. */
export interface KubectlResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** A kubectl bound to one kubeconfig. */
export class Kubectl {
    constructor(private readonly kubeconfig: string) {}

    /** Runs `kubectl args` (stdin optional), bounded by `timeoutMs`. Never throws. */
    run(args: string[], input?: string, timeoutMs = 120_000): KubectlResult {
        const r = spawnSync("kubectl", ["--kubeconfig", this.kubeconfig, ...args], { input, encoding: "utf8", timeout: timeoutMs });
        return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
    }

    /** Runs kubectl and returns stdout. @throws Error with kubectl's stderr on a non-zero exit. */
    ok(args: string[], input?: string, timeoutMs?: number): string {
        const r = this.run(args, input, timeoutMs);
        if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
        return r.stdout;
    }

    /** `kubectl get -o json` of one object; undefined when it does not exist. */
    get(namespace: string | undefined, ref: string): any | undefined {
        return this.getMany(namespace, [ref]).get(ref);
    }

    /** Several objects (`Kind/name`) in one request; absent ones are missing from the map. */
    getMany(namespace: string | undefined, refs: string[]): Map<string, any> {
        const out = this.ok([...(namespace ? ["-n", namespace] : []), "get", ...refs, "-o", "json", "--ignore-not-found"]);
        const doc = out.trim() ? JSON.parse(out) : { kind: "List", items: [] };
        const items: any[] = doc.kind === "List" ? doc.items : [doc];
        if (items.some((o) => !o?.metadata)) throw new Error(`unexpected kubectl get output: ${out.slice(0, 500)}`);
        return new Map(items.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
    }

    /** `kubectl get <kind> -o json` items in a namespace. */
    list(namespace: string, kind: string): any[] {
        return JSON.parse(this.ok(["-n", namespace, "get", kind, "-o", "json"])).items;
    }

    /**
     * `metadata.uid` of every StatefulSet and PVC in a namespace, keyed `Kind/name`: the objects
     * whose re-creation would lose data, so the tiers compare these across steps.
     */
    statefulUids(namespace: string): Record<string, string> {
        return Object.fromEntries(
            [...this.list(namespace, "statefulsets"), ...this.list(namespace, "persistentvolumeclaims")].map((o) => [
                `${o.kind}/${o.metadata.name}`,
                o.metadata.uid,
            ]),
        );
    }
}

/** What the API server did with one object in one apply. */
export interface ObjectOutcome {
    ref: string;
    namespace?: string;
    outcome: "created" | "configured" | "unchanged" | "deleted";
    uid: string;
    /** When the apply that touched it was sent (ms since epoch). */
    appliedAt: number;
}

/** One whole apply of a graph. */
export interface ApplyReport {
    outcomes: ObjectOutcome[];
    /** Wall time of the apply including waits, seconds. */
    seconds: number;
    /** kubectl's refusal when the server refused an object; the apply stops there. */
    refused?: string;
}

function namespaceOf(m: Manifest): string | undefined {
    return m.object.kind === "Namespace" ? undefined : m.object.metadata.namespace;
}

/** Whether the provider awaits this object before its dependents (skipAwait Jobs are not). */
function awaited(m: Manifest): "job" | "rollout" | undefined {
    if (m.object.kind === "Job") return m.object.metadata.annotations?.["pulumi.com/skipAwait"] === "true" ? undefined : "job";
    if (m.object.kind === "StatefulSet" || m.object.kind === "Deployment") return "rollout";
    return undefined;
}

function wait(kubectl: Kubectl, m: Manifest, timeoutSeconds: number): void {
    const ns = ["-n", namespaceOf(m)!];
    const how = awaited(m);
    if (how === "job")
        kubectl.ok(
            [...ns, "wait", "--for=condition=Complete", objectRef(m), `--timeout=${timeoutSeconds}s`],
            undefined,
            (timeoutSeconds + 10) * 1000,
        );
    if (how === "rollout")
        kubectl.ok([...ns, "rollout", "status", objectRef(m), `--timeout=${timeoutSeconds}s`], undefined, (timeoutSeconds + 10) * 1000);
}

/**
 * Applies `graph` in creation waves, then deletes what `previous` had that this graph no longer
 * names (`Kind/name` per Pulumi resource).
 * @param previous the graph of the last apply on this namespace, if any.
 * @param dryRun `"server"`: `kubectl apply --dry-run=server`, no waits, no deletes.
 * @returns per object what the server did; `refused` when kubectl's apply failed.
 */
export function applyGraph(
    kubectl: Kubectl,
    graph: Graph,
    previous?: Graph,
    opts: { dryRun?: "server"; timeoutSeconds?: number } = {},
): ApplyReport {
    const started = Date.now();
    const outcomes: ObjectOutcome[] = [];
    const waves = manifestWaves(graph);
    const all = waves.flat();
    const namespace = all.map(namespaceOf).find((n) => n);
    const byKey = new Map(all.map((m) => [m.key, m]));
    const waited = new Set<string>();
    const awaitOnce = (m: Manifest) => {
        if (waited.has(m.key)) return;
        wait(kubectl, m, opts.timeoutSeconds ?? 120);
        waited.add(m.key);
    };
    for (const wave of waves) {
        // The engine creates a resource once the resources it depends on are created and awaited.
        if (!opts.dryRun) for (const m of wave) for (const d of m.dependsOn) awaitOnce(byKey.get(d)!);
        const refs = wave.map(objectRef);
        const before = kubectl.getMany(namespace, refs);
        const appliedAt = Date.now();
        const args = ["apply", "--server-side", `--field-manager=${FIELD_MANAGER}`, "-f", "-"];
        if (opts.dryRun) args.push(`--dry-run=${opts.dryRun}`);
        const r = kubectl.run(args, wave.map((m) => JSON.stringify(m.object)).join("\n"));
        if (r.status !== 0) return { outcomes, seconds: (Date.now() - started) / 1000, refused: r.stderr.trim() };
        if (opts.dryRun) continue;
        const after = kubectl.getMany(namespace, refs);
        for (const m of wave) {
            const old = before.get(objectRef(m));
            const now = after.get(objectRef(m));
            if (!now) throw new Error(`${objectRef(m)} missing right after apply`);
            const outcome = !old ? "created" : old.metadata.resourceVersion === now.metadata.resourceVersion ? "unchanged" : "configured";
            outcomes.push({ ref: objectRef(m), namespace: namespaceOf(m), outcome, uid: now.metadata.uid, appliedAt });
        }
    }
    // `pulumi up` ends when every resource it touched is ready.
    if (!opts.dryRun) for (const m of all) awaitOnce(m);
    if (previous && !opts.dryRun) {
        const current = new Set(waves.flat().map((m) => `${namespaceOf(m)}/${objectRef(m)}`));
        for (const m of manifestWaves(previous).flat().reverse()) {
            if (current.has(`${namespaceOf(m)}/${objectRef(m)}`)) continue;
            const old = kubectl.get(namespaceOf(m), objectRef(m));
            if (!old) continue;
            kubectl.ok([...(namespaceOf(m) ? ["-n", namespaceOf(m)!] : []), "delete", objectRef(m), "--wait=true", "--timeout=60s"]);
            outcomes.push({
                ref: objectRef(m),
                namespace: namespaceOf(m),
                outcome: "deleted",
                uid: old.metadata.uid,
                appliedAt: Date.now(),
            });
        }
    }
    return { outcomes, seconds: (Date.now() - started) / 1000 };
}

/** `created 8, configured 2, unchanged 31, deleted 1` */
export function summarize(report: ApplyReport): string {
    const counts = new Map<string, number>();
    for (const o of report.outcomes) counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1);
    return ["created", "configured", "unchanged", "deleted"].map((k) => `${k} ${counts.get(k) ?? 0}`).join(", ");
}
