/**
 * docs/demo.md names only what exists: the dashboard panels it tells the presenter to show (as
 * `*Dashboard* › *Panel*`) are provisioned by the CockroachDB stacks, the stacks it runs ship or
 * are created in the demo itself, and each phase's config change sets what that phase's stack
 * file sets. Truth from the stacks evaluated under mocks and from the stack files.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, evaluate, stackConfig, stackFiles } from "./support/evaluate";
import { inventory } from "./support/inventory";

const demo = () => readFileSync(join(ROOT, "docs", "demo.md"), "utf8");

/** The tracked stack files of the CockroachDB lab. */
const phaseStacks = () => [...stackFiles().keys()].filter((s) => stackConfig(s).lab === "crdb");

describe("docs/demo.md names what exists", () => {
    it("shows only dashboard panels the CockroachDB stacks provision (*Dashboard* › *Panel*)", async () => {
        const refs = [...demo().matchAll(/\*([^*\n]+)\* › \*([^*\n]+)\*/g)].map((m) => ({ dashboard: m[1], panel: m[2] }));
        assert.ok(refs.length >= 10, `only ${refs.length} panel references`);
        for (const stack of phaseStacks()) {
            const dashboards = inventory(await evaluate(stackConfig(stack), stack)).dashboards;
            for (const { dashboard, panel } of refs) {
                assert.ok(
                    dashboards.has(dashboard),
                    `demo.md: stack ${stack} provisions no dashboard "${dashboard}" (${[...dashboards.keys()].join(", ")})`,
                );
                assert.ok(
                    dashboards.get(dashboard)!.includes(panel),
                    `demo.md: dashboard "${dashboard}" has no panel "${panel}" in stack ${stack}`,
                );
            }
        }
    });

    it("runs only stacks that ship or that it creates itself", () => {
        const text = demo();
        const created = new Set([...text.matchAll(/pulumi stack init ([a-z0-9-]+)/g)].map((m) => m[1]));
        const run = [...text.matchAll(/pulumi (?:up|destroy)[^\n`|]*?-s ([a-z0-9-]+)/g)].map((m) => m[1]);
        assert.ok(run.length >= 3, `the demo runs pulumi up/destroy ${run.length} times`);
        for (const s of run)
            assert.ok(
                stackFiles().has(s) || created.has(s),
                `demo.md runs stack ${s}: no Pulumi.${s}.yaml and no "pulumi stack init ${s}"`,
            );
    });

    it("moves through every phase with the phase and node count its stack file sets", () => {
        const steps = [...demo().matchAll(/pulumi config set phase (\d+) && pulumi config set --path crdb\.nodes (\d+)/g)].map((m) => ({
            phase: Number(m[1]),
            nodes: Number(m[2]),
        }));
        const files = phaseStacks()
            .map((s) => stackConfig(s) as { phase: number; crdb: { nodes: number } })
            .map((c) => ({ phase: c.phase, nodes: c.crdb.nodes }))
            .sort((a, b) => a.phase - b.phase);
        assert.deepEqual(steps, files, "demo.md's phase changes, in order, differ from Pulumi.phase*.yaml");
    });
});
