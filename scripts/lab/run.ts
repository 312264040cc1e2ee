/**
 * The runner's commands as a library (scripts/lab/cli.ts is the command line; the engine tier
 * calls these directly):
 *   preview  preview → gate
 *   up       preview (saving an update plan) → gate → up (with that plan) → check
 *   check    check on the stack's current outputs
 *   destroy  destroy
 * Each returns the step records, the outputs and the exit code (0 ok, 1 refused or failed).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECK_LIMITS, CheckLimits, check } from "./check";
import { gate } from "./gate";
import { preview } from "./preview";
import { say } from "./progress";
import { StepRecord } from "./record";
import { destroy, plainOutputs, up } from "./up";
import { StackTarget, openStack } from "./workspace";
import type { Stack } from "@pulumi/pulumi/automation";

/** The runner's commands. */
export const COMMANDS = ["preview", "up", "check", "destroy"] as const;
/** One of {@link COMMANDS}. */
export type Command = (typeof COMMANDS)[number];

/** What to run. */
export interface RunOptions {
    command: Command;
    target: StackTarget;
    /** preview only: fail when anything would change (`--expect-no-changes`). */
    expectNoChanges?: boolean;
    /**
     * up only: list unsafe steps but go ahead. When the preview failed after announcing them (the
     * API server refuses the dry run of a change only a replacement can make), `up` runs without
     * a plan: there is none to hold it to.
     */
    allowDestructive?: boolean;
    /** up only: do not run the check afterwards. */
    skipCheck?: boolean;
    /** Bounds of the check. */
    checkLimits?: CheckLimits;
}

/** What a run did. */
export interface RunResult {
    records: StepRecord[];
    outputs: Record<string, unknown>;
    /** 0 when every step is ok, 1 otherwise. */
    exitCode: number;
}

/** The stack's `kubernetes.context`, if its config names one (`clusterlab:kubernetes` is a JSON object). */
async function kubeContextOf(stack: Stack): Promise<string | undefined> {
    const value = (await stack.getAllConfig())["clusterlab:kubernetes"]?.value;
    try {
        const context = value ? JSON.parse(value).context : undefined;
        return typeof context === "string" && context ? context : undefined;
    } catch {
        return undefined;
    }
}

const finish = (records: StepRecord[], outputs: Record<string, unknown> = {}): RunResult => ({
    records,
    outputs,
    exitCode: records.every((r) => r.result === "ok") ? 0 : 1,
});

/**
 * Runs one command on one stack. Engine failures and refusals come back as records (exit code
 * 1); only a stack that cannot be opened at all (no `pulumi` CLI, a backend that refuses) throws.
 */
export async function runLab(options: RunOptions): Promise<RunResult> {
    const stack = await openStack(options.target);
    const limits = options.checkLimits ?? CHECK_LIMITS;
    switch (options.command) {
        case "preview": {
            const p = await preview(stack, { expectNoChanges: options.expectNoChanges });
            return finish([p, gate(p)]);
        }
        case "check": {
            const outputs = plainOutputs(await stack.outputs());
            return finish([await check(outputs, limits, await kubeContextOf(stack))], outputs);
        }
        case "destroy":
            return finish([await destroy(stack)]);
        case "up": {
            const planDir = mkdtempSync(join(tmpdir(), "clusterlab-plan-"));
            try {
                const planFile = join(planDir, "plan.json");
                const p = await preview(stack, { planFile });
                const g = gate(p, options.allowDestructive);
                const records = [p, g];
                const previewFailed = p.result !== "ok";
                if (g.result !== "ok") {
                    say("gate: refused; nothing was applied");
                    return finish(records);
                }
                if (previewFailed) g.detail.push("the preview failed: up runs without a plan (--allow-destructive)");
                const u = await up(stack, previewFailed ? undefined : planFile);
                records.push(u);
                if (u.result !== "ok" || options.skipCheck) return finish(records, u.outputs);
                records.push(await check(u.outputs ?? {}, limits, await kubeContextOf(stack)));
                return finish(records, u.outputs);
            } finally {
                rmSync(planDir, { recursive: true, force: true });
            }
        }
    }
}
