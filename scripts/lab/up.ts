/**
 * The up step: `pulumi up` of the inline program, constrained to the saved update plan when
 * there is one (`up --plan`: the engine refuses any step the plan does not contain, so what the
 * gate judged is what is applied). Also `destroy`.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { EventLog } from "./events";
import { Heartbeat } from "./progress";
import { StepRecord, engineRecord, errorLines } from "./record";

/** Applies the program (with `planFile`, exactly the previewed plan). Never throws for an engine failure. */
export async function up(stack: Stack, planFile?: string): Promise<StepRecord> {
    const log = new EventLog();
    const beat = new Heartbeat(`up ${stack.name}`);
    const started = Date.now();
    try {
        const result = await stack.up({
            onEvent: (e) => {
                log.onEvent(e);
                beat.onEvent(e);
            },
            plan: planFile,
            color: "never",
        });
        beat.stop(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const record = engineRecord("up", "ok", log, Date.now() - started);
        record.outputs = plainOutputs(result.outputs);
        return record;
    } catch (err) {
        beat.stop("failed");
        return engineRecord("up", "failed", log, Date.now() - started, errorLines(err, log));
    }
}

/** Deletes every resource of the stack (`pulumi destroy`); protected resources make it fail, as they should. */
export async function destroy(stack: Stack): Promise<StepRecord> {
    const log = new EventLog();
    const beat = new Heartbeat(`destroy ${stack.name}`);
    const started = Date.now();
    try {
        await stack.destroy({ onEvent: (e) => (log.onEvent(e), beat.onEvent(e)), color: "never" });
        beat.stop("done");
        return engineRecord("destroy", "ok", log, Date.now() - started);
    } catch (err) {
        beat.stop("failed");
        return engineRecord("destroy", "failed", log, Date.now() - started, errorLines(err, log));
    }
}

/** Stack outputs as plain values; secrets stay hidden as `[secret]`. */
export function plainOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
}
