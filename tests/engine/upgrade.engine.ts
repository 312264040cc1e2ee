/**
 * A CockroachDB major upgrade as two phases under the real engine (phase runner, kube-local):
 * `crdb.version` v24.3.5 → v25.2.1 holds the upgrade (Job `crdb-upgrade-hold-24-3-to-25-2`)
 * before the StatefulSet rolls to the new image, and `crdb.finalizeUpgrade: "25.2"` in a later
 * `pulumi up` runs the finalize Job. Judged from the engine's event order and the API server:
 * no StatefulSet or PVC is re-created and no earlier step Job runs again.
 *
 * kwok runs no containers: the Jobs' pods are marked Succeeded without running their SQL (the
 * scripts run against the `cockroach` stand-in in npm test, tests/crdb-upgrade.test.ts).
 */
import * as assert from "node:assert/strict";
import { EngineRun, EngineStack, timelineIndex } from "./engine-stack";

const FROM = "v24.3.5";
const TO = "v25.2.1";
const HOLD = "crdb-upgrade-hold-24-3-to-25-2";
const FINALIZE = "crdb-finalize-25-2";

describe(`CockroachDB ${FROM} → ${TO} under the real engine: held, rolled, finalized in a later up`, () => {
    let stack: EngineStack;
    const runs: EngineRun[] = [];

    before(async () => {
        stack = new EngineStack("crdb-upgrade", "phase0", "crdb-upgrade", { crdb: { secure: false, version: FROM } });
        for (const [label, overrides] of [
            [FROM, {}],
            [TO, { crdb: { version: TO } }],
            ["finalize 25.2", { crdb: { version: TO, finalizeUpgrade: "25.2" } }],
        ] as [string, Record<string, unknown>][]) {
            const run = await stack.run(label, "up", overrides);
            runs.push(run);
            if (run.result.exitCode !== 0) break;
        }
    });

    after(() => stack && console.log(`\n${stack.table()}\n`));

    it("applies every phase; the hold and finalize Jobs complete", () => {
        assert.equal(runs.length, 3);
        for (const run of runs) {
            assert.equal(
                run.result.exitCode,
                0,
                `${run.label}: ${run.result.records.map((r) => `${r.step} ${r.result}: ${r.detail.slice(0, 3).join(" / ")}`).join("\n")}`,
            );
        }
        assert.equal(runs[1].api.jobs[HOLD]?.complete, true, JSON.stringify(runs[1].api.jobs));
        assert.equal(runs[1].api.jobs[FINALIZE], undefined, "finalized with the bump");
        assert.equal(runs[2].api.jobs[FINALIZE]?.complete, true, JSON.stringify(runs[2].api.jobs));
    });

    it("rolls the StatefulSet only after the engine saw the hold Job done", () => {
        const done = timelineIndex(runs[1], "done", undefined, new RegExp(`Job::${HOLD}$`));
        const roll = timelineIndex(runs[1], "start", "update", /StatefulSet::crdb$/);
        assert.ok(done >= 0 && roll >= 0, `hold done at ${done}, StatefulSet update at ${roll}`);
        assert.ok(roll > done, `the StatefulSet update (event ${roll}) started before the hold Job was done (event ${done})`);
        console.log(`      Job ${HOLD} done at event ${done}; update StatefulSet crdb starts at event ${roll}`);
    });

    it("re-creates no StatefulSet or PVC and re-runs no earlier Job", () => {
        for (let i = 1; i < runs.length; i++) {
            const [before, after] = [runs[i - 1].api, runs[i].api];
            for (const [ref, uid] of Object.entries(before.uids)) assert.equal(after.uids[ref], uid, `${runs[i].label}: ${ref} re-created`);
            for (const [name, job] of Object.entries(before.jobs)) {
                if (after.jobs[name]) assert.equal(after.jobs[name].uid, job.uid, `${runs[i].label}: Job ${name} ran again`);
            }
        }
    });
});
