/**
 * Scale section of `npm run bench`: evaluation time under Pulumi mocks of the `dev` stack at
 * 3, 30 and 300 TiKV stores, measured in one run, with ms per resource and the ratio to the
 * 30-store time. Evaluation should grow linearly with the resources: 300 stores register
 * about 7.5× the resources of 30, so the line "300 / 30" should stay at or below 12×.
 * A benchmark, not a test: it prints figures and asserts nothing.
 */
import { performance } from "node:perf_hooks";
import { evaluate, stackConfig } from "../../tests/support/evaluate";

/** The 300-to-30-store time ratio this project accepts as linear (resources grow ~7.5×). */
export const LINEAR_LIMIT = 12;

/** Median of `runs` evaluations of the dev stack with `stores` TiKV stores. */
async function timeStores(stores: number, runs: number): Promise<{ stores: number; ms: number; resources: number }> {
    const samples: number[] = [];
    let resources = 0;
    for (let i = 0; i < runs; i++) {
        const started = performance.now();
        const graph = await evaluate(stackConfig("dev", { tikv: { stores } }), "bench");
        samples.push(performance.now() - started);
        resources = graph.resources.size;
    }
    samples.sort((a, b) => a - b);
    return { stores, ms: samples[Math.floor(runs / 2)], resources };
}

/** Prints the scale table: stores, ms, resources, ms per resource, × the 30-store time. */
export async function scaleBench(runs = 1): Promise<void> {
    await evaluate(stackConfig("dev"), "warmup");
    const rows = [];
    for (const stores of [3, 30, 300]) rows.push(await timeStores(stores, runs));
    const base = rows.find((r) => r.stores === 30)!;
    console.log(`\nscale: dev stack under mocks, median of ${runs} run(s), ${new Date().toISOString()}, node ${process.version}`);
    console.log("| TiKV stores | ms | resources | ms per resource | × 30-store time |");
    console.log("|---:|---:|---:|---:|---:|");
    for (const r of rows) {
        console.log(
            `| ${r.stores} | ${r.ms.toFixed(0)} | ${r.resources} | ${(r.ms / r.resources).toFixed(1)} | ${(r.ms / base.ms).toFixed(2)} |`,
        );
    }
    const ratio = rows[2].ms / base.ms;
    console.log(
        `300 / 30 stores: ${ratio.toFixed(2)}× the time for ${(rows[2].resources / base.resources).toFixed(2)}× the resources (linear if ≤ ${LINEAR_LIMIT}×: ${ratio <= LINEAR_LIMIT ? "yes" : "NO"})`,
    );
}
