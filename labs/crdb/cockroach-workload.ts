/**
 * `cockroach workload` (kv by default, tpcc by config) running continuously against
 * `crdb-writer`, with its Prometheus endpoint (`--prometheus-port`, default 2112).
 * Flags: cockroachlabs.com/docs/stable/cockroach-workload.
 */
import { CrdbLabConfig } from "./config";
import { LoadPlan } from "../../components/load-gen";
import { SecretMount } from "../../components/platform";

/** The init and run commands; `--tolerate-errors` keeps the load going while nodes join. */
export function cockroachWorkloadCommands(load: CrdbLabConfig["load"], url: string): { init: string; run: string } {
    const shape =
        load.workload === "tpcc"
            ? { init: [`--warehouses=${load.warehouses}`], run: [`--warehouses=${load.warehouses}`] }
            : { init: [], run: [`--read-percent=${load.readPercent}`] };
    return {
        init: ["cockroach workload init", load.workload, ...shape.init, `'${url}'`].join(" "),
        run: [
            "cockroach workload run",
            load.workload,
            ...shape.run,
            `--concurrency=${load.concurrency}`,
            `--max-rate=${load.maxRate}`,
            "--duration=0",
            "--tolerate-errors",
            `--prometheus-port=${load.prometheusPort}`,
            `'${url}'`,
        ].join(" "),
    };
}

/**
 * The continuous workload plan. Its spec depends on nothing that changes across phases.
 * @param url where it connects; on a secure cluster a `sslmode=verify-full` URL naming the root
 *   client certificate files (`cockroach workload` takes TLS settings only through the URL).
 * @param secretMounts the certs directory the URL names (secure mode).
 */
export function cockroachWorkloadPlan(load: CrdbLabConfig["load"], url: string, imageRef: string, secretMounts?: SecretMount[]): LoadPlan {
    const { init, run } = cockroachWorkloadCommands(load, url);
    return {
        name: "crdb-workload",
        mode: "continuous",
        image: { ref: imageRef },
        command: ["/bin/bash", "-c"],
        // Retries `workload init` while the cluster comes up (120 tries × 5 s); then runs until the
        // stack removes it. If init never succeeded, `run` fails and the Deployment restarts the pod.
        args: [`for i in $(seq 1 120); do ${init} && break; sleep 5; done; exec ${run}`],
        // Served on "/" or "/metrics" depending on version; Go's mux sends "/metrics" to either.
        metrics: { port: load.prometheusPort, path: "/metrics" },
        secretMounts,
    };
}
