/**
 * Our program's plan against what the real engine did (tests/fixtures/engine/*.json, recorded by
 * `npm run engine:record`; format in tests/support/engine-fixture.ts). For each recorded
 * sequence the program runs under mocks with the same config, run after run, carrying the
 * guard's output forward as the engine's state would; the plan is then what changed between
 * two runs' resources: created, deleted, and kept with other inputs (the engine's update or
 * replace). Fast (no engine) and exact: when the program changes what it registers, this fails
 * until the fixtures are re-recorded, and the fixture diff shows the engine's new plan.
 */
import * as assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { EngineFixture, inPlan } from "./support/engine-fixture";
import { Graph, keyOf, runProgram } from "./support/evaluate";

const ENGINE = join(__dirname, "fixtures", "engine");
const GUARD_OUTPUT = "clusterlabGuard";

/** A value with object keys sorted, so two equal input trees print the same. */
function canonical(v: unknown): string {
    return JSON.stringify(v, (_k, x) =>
        x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
    );
}

/** Resources a plan covers: `type::name` → canonical inputs. */
function planned(graph: Graph): Map<string, string> {
    return new Map([...graph.resources.values()].filter((r) => inPlan(r.type)).map((r) => [keyOf(r), canonical(r.inputs)]));
}

/** The plan from `before` to `after`: created, deleted, and kept with changed inputs, each sorted. */
function planBetween(before: Map<string, string>, after: Map<string, string>) {
    const sorted = (keys: Iterable<string>) => [...keys].sort();
    return {
        create: sorted([...after.keys()].filter((k) => !before.has(k))),
        delete: sorted([...before.keys()].filter((k) => !after.has(k))),
        changed: sorted([...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k))),
    };
}

const fixtures = readdirSync(ENGINE)
    .filter((f) => f.endsWith(".json") && !f.endsWith("-preview.json"))
    .sort();

describe("the program's plan is the one the real engine recorded (tests/fixtures/engine/)", () => {
    it("has fixtures for the CockroachDB phases, TiKV, CDC, the app cluster and etcd", () => {
        for (const name of ["crdb-phases.json", "tikv-engine.json", "cdc-engine.json", "appcluster-engine.json", "etcd-engine.json"])
            assert.ok(fixtures.includes(name), `${name} missing from ${ENGINE}: npm run engine:record`);
    });

    for (const file of fixtures) {
        it(`plans what ${file} recorded, run after run`, async function () {
            this.timeout(120_000);
            const fixture = JSON.parse(readFileSync(join(ENGINE, file), "utf8")) as EngineFixture;
            let before = new Map<string, string>();
            let guard: unknown;
            for (const run of fixture.runs) {
                const { graph, error, outputs } = await runProgram(run.config, fixture.stack ?? "live", guard as never);
                if (run.result === "refused") {
                    assert.ok(error, `${file} ${run.label}: the engine refused, the program under mocks did not`);
                    const line = error.message
                        .split("\n")
                        .find((l) => /^\s*\w[\w.[\]]*: /.test(l))
                        ?.trim();
                    assert.ok(
                        line && run.printed.some((p) => p.includes(line)),
                        `${file} ${run.label}: ${JSON.stringify(line)} not among what the engine printed:\n${run.printed.join("\n")}`,
                    );
                    continue;
                }
                assert.equal(error, undefined, `${file} ${run.label}: ${error?.message}`);
                const after = planned(graph);
                const ours = planBetween(before, after);
                const hint = "re-record with `npm run engine:record` if the program's change is intended";
                assert.deepEqual(ours.create, run.changes.create, `${file} ${run.label}: created (${hint})`);
                assert.deepEqual(ours.delete, run.changes.delete, `${file} ${run.label}: deleted (${hint})`);
                assert.deepEqual(
                    ours.changed,
                    [...run.changes.update, ...run.changes.replace].sort(),
                    `${file} ${run.label}: changed in place or replaced (${hint})`,
                );
                before = after;
                guard = outputs?.[GUARD_OUTPUT];
            }
        });
    }
});
