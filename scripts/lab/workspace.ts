/**
 * The stack the runner drives: the project's own `index.ts` as an Automation API inline
 * program (`LocalWorkspace.createOrSelectStack({ stackName, projectName, program }, { workDir })`,
 * https://www.pulumi.com/docs/using-pulumi/automation-api/).
 *
 * Why inline: the SDK then serves the language runtime inside this Node process and runs the
 * CLI with `--client`, so the runner needs only the `pulumi` CLI and the providers, not the
 * Node.js language host plugin. With an official Pulumi install this is the same code path.
 * `workDir` holds `Pulumi.yaml` and `Pulumi.<stack>.yaml`, read as `pulumi up` reads them.
 */
import { join, resolve } from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

/** The repository root (where `Pulumi.yaml` and `index.ts` live). */
export const PROJECT_DIR = resolve(__dirname, "..", "..");

/** The project name in `Pulumi.yaml` (a stack reference to itself uses it). */
export const PROJECT_NAME = "clusterlab";

/** Where a stack lives and which program it runs. */
export interface StackTarget {
    /** Stack name, e.g. `phase1` (its config: `<workDir>/Pulumi.<stack>.yaml`). */
    stack: string;
    /** Directory with `Pulumi.yaml` and the stack's config file; default {@link PROJECT_DIR}. */
    workDir?: string;
    /**
     * Module whose export is the program (a function returning the stack outputs); default the
     * project's `index.ts` (loaded through ts-node, which `npm run lab` registers). The bench
     * points it at precompiled JavaScript or a literal-resource program.
     */
    programPath?: string;
    /** Extra environment for the CLI and providers (e.g. KUBECONFIG, PULUMI_BACKEND_URL). */
    env?: Record<string, string>;
}

/**
 * The inline program: change into the checkout, as the language host would (the program reads
 * files relative to it), then load and call the module's exported function.
 * @throws Error when the module does not export a function.
 */
export function inlineProgram(programPath = join(PROJECT_DIR, "index.ts")): () => Promise<Record<string, unknown>> {
    return async () => {
        process.chdir(PROJECT_DIR);
        const loaded = require(programPath);
        const fn = typeof loaded === "function" ? loaded : loaded?.default;
        if (typeof fn !== "function") throw new Error(`${programPath} does not export a program function`);
        return (await fn()) ?? {};
    };
}

/**
 * Selects the stack, creating it (with the backend's and secrets provider's defaults: for a
 * file backend, `PULUMI_CONFIG_PASSPHRASE`) when it does not exist.
 * @throws the Automation API's CommandError when the CLI cannot be run or the backend refuses.
 */
export async function openStack(target: StackTarget): Promise<Stack> {
    const workDir = target.workDir ?? PROJECT_DIR;
    return LocalWorkspace.createOrSelectStack(
        { stackName: target.stack, projectName: PROJECT_NAME, program: inlineProgram(target.programPath) },
        { workDir, envVars: { PULUMI_SKIP_UPDATE_CHECK: "1", ...target.env } },
    );
}
