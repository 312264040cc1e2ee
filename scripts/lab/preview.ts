/**
 * The preview step: `pulumi preview` of the inline program, optionally saving an update plan
 * (`--save-plan`, https://www.pulumi.com/docs/iac/concepts/update-plans/) so `up` applies exactly
 * what was previewed and gated.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { EventLog } from "./events";
import { Heartbeat } from "./progress";
import { StepRecord, engineRecord, errorLines } from "./record";

/** Options of {@link preview}. */
export interface PreviewStepOptions {
    /** Write the update plan here (JSON file; `preview --save-plan`). */
    planFile?: string;
    /** Fail when anything would change (`--expect-no-changes`). */
    expectNoChanges?: boolean;
    /** Row label; default `preview`. */
    label?: string;
}

/**
 * Runs the preview. Never throws for an engine failure: the record says `failed` (or `refused`
 * when the program itself refused the config: the guard's `crdb.nodes: …` errors) with the
 * engine's error diagnostics as detail.
 */
export async function preview(stack: Stack, options: PreviewStepOptions = {}): Promise<StepRecord> {
    const label = options.label ?? "preview";
    const log = new EventLog();
    const beat = new Heartbeat(`${label} ${stack.name}`);
    const started = Date.now();
    try {
        await stack.preview({
            onEvent: (e) => {
                log.onEvent(e);
                beat.onEvent(e);
            },
            plan: options.planFile,
            expectNoChanges: options.expectNoChanges,
            color: "never",
        });
        beat.stop(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return engineRecord(label, "ok", log, Date.now() - started);
    } catch (err) {
        beat.stop("failed");
        const lines = errorLines(err, log);
        // The program's own refusal (a RunError from the guard or config parsing) leaves no step planned.
        const refused = lines.some((l) => /\(project clusterlab, stack /.test(l));
        return engineRecord(label, refused ? "refused" : "failed", log, Date.now() - started, lines);
    }
}
