/**
 * Docker tier timings for `npm run bench`: per etcd scenario, the time from the first
 * container create to all 3 members healthy, and to the whole graph applied (failpoint and
 * defrag steps included), on the local engine with the test images (tests/support/docker-*.ts).
 * Ratios are to the baseline scenario of the same run. Prints, asserts nothing; when no
 * engine can be had it says so loudly instead of printing numbers.
 */
import { performance } from "node:perf_hooks";
import { connectEngine } from "../../tests/support/docker-engine";
import { etcdLabImages } from "../../tests/support/docker-images";
import { applyGraph, removeStack } from "../../tests/support/docker-apply";
import { SCENARIOS, etcdDockerConfig, labPorts } from "../../tests/support/docker-etcd-lab";
import { evaluate } from "../../tests/support/evaluate";

/** Prints the per-scenario table. */
export async function benchDocker(): Promise<void> {
    let engine;
    try {
        engine = await connectEngine();
    } catch (err) {
        console.log(`!! docker bench SKIPPED: no Docker engine (${(err as Error).message.split("\n")[0]})`);
        return;
    }
    try {
        const images = await etcdLabImages(engine.docker);
        const rows: { scenario: string; healthyMs: number; appliedMs: number }[] = [];
        for (const scenario of SCENARIOS) {
            const stack = `bench-${process.pid}-${scenario}`;
            try {
                const graph = await evaluate(
                    etcdDockerConfig(images, await labPorts(), true, { scenario, load: { enabled: false } }),
                    stack,
                );
                const started = performance.now();
                const results = await applyGraph(engine.docker, graph);
                const appliedMs = performance.now() - started;
                const healthyMs = Math.max(...["etcd-0", "etcd-1", "etcd-2"].map((m) => results.get(m)?.readyMs ?? NaN));
                rows.push({ scenario, healthyMs, appliedMs });
            } finally {
                await removeStack(engine.docker, stack);
            }
        }
        const base = rows[0];
        console.log(`\netcd lab on Docker (${engine.host}), failpoint image, 3 members, ${new Date().toISOString()}`);
        console.log("| scenario | start → 3 healthy (ms) | × baseline | whole graph applied (ms) | × baseline |");
        console.log("|---|---:|---:|---:|---:|");
        for (const r of rows) {
            console.log(
                `| ${r.scenario} | ${r.healthyMs.toFixed(0)} | ${(r.healthyMs / base.healthyMs).toFixed(2)} | ${r.appliedMs.toFixed(0)} | ${(r.appliedMs / base.appliedMs).toFixed(2)} |`,
            );
        }
    } finally {
        await engine.stop();
    }
}
