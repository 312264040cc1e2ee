/**
 * `npm run lab -- <command> --stack NAME [flags]`: the phase runner's command line.
 *
 *   preview  --stack NAME [--expect-no-changes]   preview, then the gate's judgement
 *   up       --stack NAME [--allow-destructive] [--skip-check]
 *            preview (saving an update plan) → gate → up with that plan → check → report
 *   check    --stack NAME                           StatefulSets ready, Jobs complete, lab health
 *   destroy  --stack NAME                           delete the stack's resources
 * Common: --work-dir DIR (holds Pulumi.yaml and Pulumi.<stack>.yaml; default the checkout),
 *         --report FILE (also write the markdown report there).
 *
 * Exit codes: 0 ok; 1 a step was refused or failed; 2 bad arguments.
 * Needs the `pulumi` CLI on PATH and its usual environment (backend login or
 * PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE for passphrase stacks).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { report } from "./report";
import { COMMANDS, Command, RunOptions, runLab } from "./run";

/** Thrown for arguments the runner cannot use; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** The usage text. */
export const USAGE = `usage: npm run lab -- <${COMMANDS.join("|")}> --stack NAME [--expect-no-changes] [--allow-destructive] [--skip-check] [--work-dir DIR] [--report FILE]`;

/** A stack name as Pulumi accepts it (letters, digits, `-`, `_`, `.`; https://www.pulumi.com/docs/iac/concepts/stacks/). */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Which flags each command takes. */
const FLAGS_OF: Record<Command, string[]> = {
    preview: ["expect-no-changes"],
    up: ["allow-destructive", "skip-check"],
    check: [],
    destroy: [],
};

/** Parsed arguments. @throws UsageError on an unknown command or flag, a missing or malformed stack name. */
export function parseCli(argv: readonly string[]): RunOptions & { reportFile?: string } {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            options: {
                stack: { type: "string", short: "s" },
                "work-dir": { type: "string" },
                report: { type: "string" },
                "expect-no-changes": { type: "boolean" },
                "allow-destructive": { type: "boolean" },
                "skip-check": { type: "boolean" },
            },
        });
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1)
        throw new UsageError(`expected one command (${COMMANDS.join(", ")}), got ${positionals.length ? positionals.join(" ") : "none"}`);
    const command = positionals[0] as Command;
    if (!COMMANDS.includes(command))
        throw new UsageError(`unknown command ${JSON.stringify(positionals[0])}: expected one of ${COMMANDS.join(", ")}`);
    if (!values.stack) throw new UsageError("--stack NAME is required");
    if (!STACK_NAME.test(values.stack))
        throw new UsageError(`--stack ${JSON.stringify(values.stack)}: a stack name has letters, digits, -, _ and . only`);
    for (const flag of ["expect-no-changes", "allow-destructive", "skip-check"] as const) {
        if (values[flag] && !FLAGS_OF[command].includes(flag)) throw new UsageError(`--${flag} does not apply to ${command}`);
    }
    return {
        command,
        target: { stack: values.stack, workDir: values["work-dir"] },
        expectNoChanges: values["expect-no-changes"],
        allowDestructive: values["allow-destructive"],
        skipCheck: values["skip-check"],
        reportFile: values.report,
    };
}

async function main(): Promise<number> {
    let options;
    try {
        options = parseCli(process.argv.slice(2));
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`lab: ${err.message}\n${USAGE}`);
        return 2;
    }
    const result = await runLab(options);
    for (const r of result.records) {
        if (r.detail.length > 1 || r.result !== "ok") console.log(`\n${r.step} (${r.result}):\n  ${r.detail.join("\n  ")}`);
    }
    const text = report(`${options.command} ${options.target.stack}`, result.records, result.outputs);
    console.log(`\n${text}`);
    if (options.reportFile) writeFileSync(options.reportFile, `${text}\n`);
    return result.exitCode;
}

if (require.main === module) {
    // Exit explicitly (the inline program's server and probes may hold handles), once stdout is flushed.
    const exit = (code: number) => process.stdout.write("", () => process.exit(code));
    main().then(exit, (err) => {
        console.error(`lab: ${err instanceof Error ? err.message : err}`);
        exit(1);
    });
}
