/**
 * The RawKV CDC lab's cases as data: the order of the one-shot steps for each `cdc.start`,
 * and the run identity every step's name and key prefix carry.
 *
 * The test plan's cases: 1 — main (1 PD + 1 TiKV + 1 CDC) and recovery (1 PD + 1 TiKV), CDC
 * on before the workload; 2 — as 1, CDC started between or after the workload; 3 — main with
 * 3 TiKV stores while regions split (3.1), merge (3.2) or move their leaders (3.3).
 * "CDC starts later" is the changefeed being paused and resumed, so it also holds on a live
 * stack whose TiKV-CDC server is already running: a resumed changefeed catches up from its
 * checkpoint (tikv/migration `cdc/pkg/cmd/cli/cli_changefeed_pause.go`, `…_resume.go`).
 */
import { CdcDisturb, CdcLabConfig, CdcStart } from "./config";
import { contentHash } from "../../components/platform";

/** One step of a case. `put-v` and `put-v+1` are the workload's two rounds. */
export type CaseStep = "pause" | "resume" | "put-v" | "put-v+1" | "check";

/** The steps of each start mode, in order; each waits for the one before it. */
export const CASE_STEPS: Record<CdcStart, CaseStep[]> = {
    before: ["resume", "put-v", "put-v+1", "check"],
    between: ["pause", "put-v", "resume", "put-v+1", "check"],
    after: ["pause", "put-v", "put-v+1", "resume", "check"],
};

/** The steps the PD-operator disturbance runs alongside (it starts with the first PUT round). */
export const DISTURB_STARTS_WITH: CaseStep = "put-v";

/** Short tags of the disturbances in run ids. */
const DISTURB_TAG: Record<CdcDisturb, string> = { none: "none", split: "split", merge: "merge", "transfer-leader": "tl" };

/**
 * What identifies one run of the workload: everything that changes what it writes or how it is
 * replicated. A different case or `workload.run` gives a new id, hence new step names (they run
 * anew) and a new key prefix (an earlier run's keys can never make a later check pass).
 * Ids stay short (≤ 25 characters) so step names fit Kubernetes' 63-character names.
 * @returns e.g. `{ id: "before-none-s1-3f2a9c1b", prefix: "clusterlab-cdc/before-none-s1-3f2a9c1b" }`.
 */
export function runIdentity(config: CdcLabConfig): { id: string; prefix: string } {
    const { start, disturb } = config.cdc;
    const w = config.workload;
    const hash = contentHash(JSON.stringify([start, disturb, config.main.tikv.stores, w.threads, w.keys, w.base, w.run]));
    const id = `${start}-${DISTURB_TAG[disturb]}-s${config.main.tikv.stores}-${hash}`;
    return { id, prefix: `clusterlab-cdc/${id}` };
}
