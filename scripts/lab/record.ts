/**
 * One row of the runner's report: a step (preview, gate, up, check, destroy), what became of it,
 * the engine's time and the ops it planned or ran.
 */
import { EventLog, shortName } from "./events";

/** Outcome of a step: `ok`, `refused` (the guard, gate or engine said no before anything changed), `failed`. */
export type StepResult = "ok" | "refused" | "failed";

/** One step of a run. */
export interface StepRecord {
    /** e.g. `preview`, `gate`, `up`, `check`. */
    step: string;
    result: StepResult;
    /**
     * Time of the engine operation in ms: the Automation API call, from starting the CLI to its
     * exit, the program's run included (`summaryEvent.durationSeconds` counts whole seconds, too
     * coarse for a bench). Undefined for steps that do not run the engine.
     */
    engineMs?: number;
    /** Wall-clock time of the step in ms. */
    wallMs: number;
    /** Count per changing op (`create`, `update`, `replace`, `delete`, …). */
    ops: Record<string, number>;
    /** `op Kind/name` of each destructive step (preview-safe's DESTRUCTIVE_OPS). */
    destructive: string[];
    /** Lines worth reading: refusal reasons, check results, errors. */
    detail: string[];
    /** The engine's events, for steps that ran the engine. */
    log?: EventLog;
    /** Stack outputs after an `up` (secrets as `[secret]`). */
    outputs?: Record<string, unknown>;
}

/** A record from an engine operation's events. */
export function engineRecord(step: string, result: StepResult, log: EventLog, wallMs: number, detail: string[] = []): StepRecord {
    return {
        step,
        result,
        engineMs: wallMs,
        wallMs,
        ops: log.changes(),
        destructive: log.destructive().map((s) => `${s.op} ${shortName(s.urn)}`),
        detail,
        log,
    };
}

/** The message of a failed Automation API call without the CLI's full stdout (kept short for a table). */
export function errorLines(err: unknown, log?: EventLog): string[] {
    const fromEngine = [...new Set(log?.errors() ?? [])];
    if (fromEngine.length) return fromEngine;
    const text = err instanceof Error ? err.message : String(err);
    const stderr = /stderr: ([\s\S]*?)(\n\s*err\?:|$)/.exec(text)?.[1] ?? text;
    return stderr
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-8);
}
