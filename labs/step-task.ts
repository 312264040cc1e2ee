/**
 * A membership step script as a platform task: the one shape every lab's one-shot steps share
 * (decommission, store and member deletes, leave requests, upgrade hold and finalize).
 */
import { TaskSpec } from "../components/platform";
import { CommandStep, renderScript, worstCaseSeconds } from "./steps";

/** What differs between step tasks. */
export type StepTaskArgs = Pick<TaskSpec, "name" | "component" | "image" | "secretMounts" | "dependsOn"> & {
    /** The steps, run in order by one POSIX `sh` script ({@link renderScript}). */
    commands: CommandStep[];
};

/**
 * The task spec of `commands`: `/bin/sh -c <script>`, waited for (its dependents start once it
 * exited 0), and waited for as long as its bounded waits can last ({@link worstCaseSeconds}).
 */
export function stepTask(args: StepTaskArgs): TaskSpec {
    const { commands, ...rest } = args;
    return {
        ...rest,
        command: ["/bin/sh", "-c"],
        args: [renderScript(commands)],
        timeoutSeconds: worstCaseSeconds(commands),
        waitForCompletion: true,
    };
}
