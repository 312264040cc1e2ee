/**
 * The clusterlab program: parse the stack config once, refuse destructive transitions,
 * compose the lab, export where to look.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT, StackConfig, parseStackConfig } from "./components/config";
import { GUARD_OUTPUT, GuardState, checkTransition, guardState } from "./components/guard";
import { buildLab } from "./components/lab";

/** The guard state of this stack's last deployment, read through a StackReference to itself. */
async function previousGuard(): Promise<GuardState | undefined> {
    if (process.env.CLUSTERLAB_SKIP_GUARD === "1") return undefined;
    const self = new pulumi.StackReference("previous-deployment", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    const details = await self.getOutputDetails(GUARD_OUTPUT);
    return (details.value ?? details.secretValue) as GuardState | undefined;
}

export = async () => {
    let config: StackConfig;
    let previous: GuardState | undefined;
    try {
        // Every problem at once: when only cross-key rules failed, the guard still compares the parsed config.
        let problems: string[] = [];
        try {
            config = parseStackConfig(pulumi.runtime.allConfig());
        } catch (err) {
            if (!(err instanceof ConfigError && err.config)) throw err;
            [config, problems] = [err.config as StackConfig, err.problems];
        }
        previous = await previousGuard();
        problems = [...problems, ...checkTransition(previous, config)];
        if (problems.length) throw new ConfigError(problems);
    } catch (err) {
        // A RunError prints the message without a stack trace: the message is the help.
        if (err instanceof ConfigError) throw new pulumi.RunError(`${err.message}\n(project ${PROJECT}, stack ${pulumi.getStack()})`);
        throw err;
    }
    const { outputs, settled } = buildLab(config, pulumi.getStack(), previous);
    // The record of what is deployed, which the next up plans its rolls, joins and scale-ins from, is
    // written only once every member and task is in place: after a failed up the engine keeps the last
    // successful record (tests/engine/failed-update.engine.ts), so the next up resumes the change.
    const state = guardState(config, previous);
    return { ...outputs, [GUARD_OUTPUT]: settled.apply(() => state) };
};
