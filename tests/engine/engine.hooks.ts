/**
 * Root hooks of `npm run test:engine`: the real Pulumi engine (CLI v3.276.0 and the kubernetes
 * provider, installed by `../shared/tools/pulumi-engine/up.sh`, its bin directory put first on
 * PATH) and one kube-local for every spec file. kube-local takes its ports and run directory
 * from the usual `KUBE_LOCAL_*` variables; `TEST_ENGINE_KUBECONFIG=<path>` uses a control plane
 * that is already running instead (for development). Missing tools fail the tier loudly.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../support/evaluate";
import { KubeLocal, startKubeLocal } from "../support/kube-local";

/** `../shared/tools/pulumi-engine/up.sh`, beside the checkout as in CI. */
export const ENGINE_UP = process.env.PULUMI_ENGINE_UP ?? join(ROOT, "..", "shared", "tools", "pulumi-engine", "up.sh");

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

/** Installs the engine and puts its bin dir first on PATH. @throws Error when up.sh is missing or fails. */
function installEngine(): string {
    if (!existsSync(ENGINE_UP)) throw new Error(`${ENGINE_UP} not found: the engine tier needs ../shared beside the checkout`);
    const r = spawnSync("bash", [ENGINE_UP], { encoding: "utf8", timeout: 40 * 60_000 });
    if (r.status !== 0) throw new Error(`pulumi-engine up.sh failed (${r.status}):\n${(r.stderr ?? "").split("\n").slice(-15).join("\n")}`);
    const bin = r.stdout.trim().split("\n").pop()!;
    process.env.PATH = `${bin}:${process.env.PATH}`;
    const v = spawnSync("pulumi", ["version"], { encoding: "utf8" });
    if (v.status !== 0) throw new Error(`pulumi from ${bin} does not run: ${v.stderr}`);
    return v.stdout.trim();
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
