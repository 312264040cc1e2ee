/**
 * Root hooks of `npm run test:k8s`: one kube-local for every spec file (starting it costs
 * 15–100 s on a loaded machine), stopped after the last one by the PID files it wrote.
 */
import { KubeLocal, startKubeLocal } from "../support/kube-local";

let running: KubeLocal | undefined;

/** The kube-local the tier started. @throws Error outside the tier's root hooks. */
export function kubeLocal(): KubeLocal {
    if (!running) throw new Error("kube-local is not running: run the tier with `npm run test:k8s`");
    return running;
}

export const mochaHooks = {
    beforeAll(this: Mocha.Context) {
        this.timeout(360_000);
        running = startKubeLocal();
        console.log(`    kube-local up in ${running.startSeconds.toFixed(1)} s (${running.kubeconfig})`);
    },
    afterAll() {
        running?.stop();
        running = undefined;
    },
};
