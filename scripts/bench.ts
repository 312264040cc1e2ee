/**
 * `npm run bench`: time to evaluate the program under Pulumi mocks, per ready-made stack; then
 * each topic's section from `scripts/bench/` (scale: 3/30/300 TiKV stores).
 * A benchmark, not a test: it asserts nothing and measures one machine.
 */
import { performance } from "node:perf_hooks";
import { evaluate, stackConfig, stackFiles } from "../tests/support/evaluate";
import { benchApp } from "./bench/app";
import { benchDocker } from "./bench/docker";
import { kubernetesBench } from "./bench/kubernetes";
import { scaleBench } from "./bench/scale";

const RUNS = 3;

async function time(label: string, make: () => ReturnType<typeof stackConfig>, stack: string) {
    const samples: number[] = [];
    let resources = 0;
    for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        const graph = await evaluate(make(), stack);
        samples.push(performance.now() - started);
        resources = graph.resources.size;
    }
    samples.sort((a, b) => a - b);
    return { label, medianMs: samples[Math.floor(RUNS / 2)], resources };
}

async function main() {
    // Warm-up: module loading and JIT would otherwise land on the first row.
    await evaluate(stackConfig("dev"), "warmup");
    const rows = [];
    for (const stack of stackFiles().keys()) {
        rows.push(await time(`stack ${stack}`, () => stackConfig(stack, { grafanaAdminPassword: "bench-password" }), stack));
    }
    console.log(`median of ${RUNS} runs, ${new Date().toISOString()}, node ${process.version}`);
    console.log("| case | ms | resources | ms per resource |");
    console.log("|---|---:|---:|---:|");
    for (const r of rows)
        console.log(`| ${r.label} | ${r.medianMs.toFixed(0)} | ${r.resources} | ${(r.medianMs / r.resources).toFixed(2)} |`);
    await scaleBench();
    await benchApp();
    await benchDocker();
    await kubernetesBench();
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
