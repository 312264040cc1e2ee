/**
 * Root hooks of `npm run test:engine`: the real Pulumi engine (CLI v3.276.0 and the kubernetes
 * provider, installed by `../shared/tools/pulumi-engine/up.sh`, its bin directory put first on
 * PATH) and one kube-local for every spec file. kube-local takes its ports and run directory
 * from the usual `KUBE_LOCAL_*` variables; `TEST_ENGINE_KUBECONFIG=<path>` uses a control plane
 * that is already running instead (for development). Missing tools fail the tier loudly.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeLocal, startKubeLocal } from "../support/kube-local";
import { installEngine } from "../support/pulumi-engine";

/** What the tier set up. */
export interface EngineTier {
    kubeconfig: string;
    /** Temp directory for stacks' state, PULUMI_HOME and work dirs; removed after the tier. */
    scratch: string;
    /** `pulumi version`. */
    version: string;
}

let tier: EngineTier | undefined;
let plane: KubeLocal | undefined;

/** The running tier. @throws Error outside `npm run test:engine`. */
export function engineTier(): EngineTier {
    if (!tier) throw new Error("the engine tier is not set up: run it with `npm run test:engine`");
    return tier;
}

export const mochaHooks = {
    beforeAll(this: Mocha.Context) {
        this.timeout(45 * 60_000);
        const version = installEngine();
        let kubeconfig = process.env.TEST_ENGINE_KUBECONFIG;
        if (!kubeconfig) {
            plane = startKubeLocal();
            kubeconfig = plane.kubeconfig;
            console.log(`    kube-local up in ${plane.startSeconds.toFixed(1)} s (${kubeconfig})`);
        }
        // The CLI, the kubernetes provider and kubectl all read KUBECONFIG.
        process.env.KUBECONFIG = kubeconfig;
        tier = { kubeconfig, scratch: mkdtempSync(join(tmpdir(), "clusterlab-engine-")), version };
        console.log(`    pulumi ${version}; scratch ${tier.scratch}`);
    },
    afterAll() {
        plane?.stop();
        if (tier && process.env.KEEP_ENGINE_SCRATCH !== "1") rmSync(tier.scratch, { recursive: true, force: true });
        tier = undefined;
    },
};
