/**
 * Runs a membership {@link Plan} the way a lab would: each run of command steps as its rendered
 * `sh` script (labs/steps.ts `renderScript`), and each platform step through a callback the test
 * supplies (a stand-in's state change, or starting/stopping a local etcd process).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Plan, PlatformStep, renderScript, segments } from "../../labs/steps";

/** What one rendered script did. */
export interface ScriptRun {
    /** The rendered script text. */
    script: string;
    status: number | null;
    stdout: string;
    stderr: string;
    /** Wall-clock seconds it ran. */
    seconds: number;
    /** Unix seconds it started and ended. */
    start: number;
    end: number;
}

/** Runs `script` with `sh`, `env` as its environment; killed (SIGKILL) after `timeoutMs`. */
export function runScript(script: string, env: NodeJS.ProcessEnv, file: string, timeoutMs: number): Promise<ScriptRun> {
    writeFileSync(file, script);
    const start = Date.now() / 1000;
    return new Promise((resolve) => {
        const child = spawn("sh", [file], { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        // `close`, not `exit`: the exit can come before the last of stdout is read (a script's final line lost under load).
        child.on("close", (status) => {
            clearTimeout(timer);
            const end = Date.now() / 1000;
            resolve({ script, status, stdout, stderr, seconds: end - start, start, end });
        });
    });
}

/**
 * Runs every segment of `plan` in order: the command steps' script, then its platform step.
 * Stops at the first script that fails (its run is the last one returned).
 * @param onPlatform performs a platform step (after the script before it succeeded).
 */
export async function runPlan(
    plan: Plan,
    env: NodeJS.ProcessEnv,
    dir: string,
    onPlatform: (step: PlatformStep) => Promise<void> | void,
    timeoutMs = 120_000,
): Promise<ScriptRun[]> {
    const runs: ScriptRun[] = [];
    let n = 0;
    for (const segment of segments(plan)) {
        if (segment.commands.length > 0) {
            const run = await runScript(renderScript(segment.commands), env, join(dir, `steps-${++n}.sh`), timeoutMs);
            runs.push(run);
            if (run.status !== 0) return runs;
        }
        if (segment.then) await onPlatform(segment.then);
    }
    return runs;
}
