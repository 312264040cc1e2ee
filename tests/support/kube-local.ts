/**
 * kube-local for the Kubernetes apply tier: starts the control plane from `../shared/tools/kube-local`
 * (a real kube-apiserver, controller-manager and scheduler with kwok nodes), hands out its
 * kubeconfig, and stops exactly what it started (`down.sh` stops by the PID files `up.sh` wrote).
 * A missing `../shared` or `kubectl` throws: the tier never passes without a real API server.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./evaluate";

/** Where kube-local's scripts live: `../shared/tools/kube-local` beside the checkout (as in CI). */
export const KUBE_LOCAL_DIR = process.env.KUBE_LOCAL_DIR ?? join(ROOT, "..", "shared", "tools", "kube-local");

/** A running kube-local. */
export interface KubeLocal {
    /** Path of the admin kubeconfig (context `kube-local`). */
    kubeconfig: string;
    /** Seconds `up.sh` took. */
    startSeconds: number;
    /** Stops what `up.sh` started (idempotent). */
    stop(): void;
}

/**
 * Starts kube-local (≈ 15 s with its prebuilt binaries; up to `timeoutMs`).
 * @throws Error when `../shared/tools/kube-local` or `kubectl` is missing, or `up.sh` fails (its log tail included).
 */
export function startKubeLocal(timeoutMs = 300_000): KubeLocal {
    const up = join(KUBE_LOCAL_DIR, "up.sh");
    if (!existsSync(up))
        throw new Error(`kube-local not found at ${KUBE_LOCAL_DIR}: the Kubernetes tier needs ../shared beside the checkout`);
    if (spawnSync("sh", ["-c", "command -v kubectl"]).status !== 0) {
        throw new Error("kubectl is not installed: apt-get install -y kubectl (.ci/run installs it)");
    }
    const started = Date.now();
    const r = spawnSync("bash", [up], { encoding: "utf8", timeout: timeoutMs });
    const stop = () => {
        spawnSync("bash", [join(KUBE_LOCAL_DIR, "down.sh")], { encoding: "utf8", timeout: 60_000 });
    };
    if (r.status !== 0) {
        stop();
        throw new Error(`kube-local up.sh failed (exit ${r.status ?? r.signal}):\n${(r.stderr ?? "").split("\n").slice(-15).join("\n")}`);
    }
    const kubeconfig = r.stdout.trim().split("\n").pop() ?? "";
    if (!existsSync(kubeconfig)) throw new Error(`kube-local up.sh printed no kubeconfig path (got ${JSON.stringify(r.stdout)})`);
    return { kubeconfig, startSeconds: (Date.now() - started) / 1000, stop };
}
