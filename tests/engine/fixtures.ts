/**
 * The tier's side of the engine fixtures: each recorded sequence is compared with the committed
 * file in tests/fixtures/engine/ (a difference fails with how to re-record), or, with
 * `ENGINE_FIXTURES_OUT=<dir>` (`npm run engine:record`), written there.
 */
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ROOT } from "../support/evaluate";
import { EngineFixture, RecordedRun, changesOf } from "../support/engine-fixture";
import { EngineRun } from "./engine-stack";
import { engineTier } from "./engine.hooks";

/** The committed fixtures. */
export const FIXTURE_DIR = join(ROOT, "tests", "fixtures", "engine");

/** A run as the fixture keeps it: the engine step's changes (the `up` when there was one, else the preview). */
export function recordedRun(run: EngineRun, command: string): RecordedRun {
    const engineStep = run.result.records.find((r) => r.step === "up") ?? run.result.records.find((r) => r.step === "preview")!;
    return {
        label: run.label,
        command,
        config: run.config,
        result: engineStep.result,
        changes: changesOf(engineStep.log?.steps ?? []),
        printed: engineStep.result === "ok" ? [] : engineStep.detail.map((l) => l.replaceAll(engineTier().scratch, "$SCRATCH")),
    };
}

/**
 * Records `runs` as fixture `name`: written under ENGINE_FIXTURES_OUT when set, else compared
 * with the committed `tests/fixtures/engine/<name>.json`.
 * @param stack the stack the runs used, kept in the fixture when names derive from it (see EngineFixture.stack).
 * @throws AssertionError when the engine did something else than the committed fixture says.
 */
export function recordFixture(name: string, runs: EngineRun[], stack?: string): void {
    const fixture: EngineFixture = {
        engine: engineTier().version + ", kubernetes provider 4.32.0",
        ...(stack ? { stack } : {}),
        runs: runs.map((r) => recordedRun(r, r.result.records.some((x) => x.step === "up") ? "up" : "preview")),
    };
    const out = process.env.ENGINE_FIXTURES_OUT;
    if (out) {
        mkdirSync(resolve(out), { recursive: true });
        writeFileSync(join(resolve(out), `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
        console.log(`    recorded ${join(out, `${name}.json`)}`);
        return;
    }
    const file = join(FIXTURE_DIR, `${name}.json`);
    assert.ok(existsSync(file), `${file} missing: record it with \`npm run engine:record\``);
    const committed = JSON.parse(readFileSync(file, "utf8")) as EngineFixture;
    assert.deepEqual(
        fixture.runs,
        committed.runs,
        `the engine no longer does what tests/fixtures/engine/${name}.json says: re-record with \`npm run engine:record\` and review the diff`,
    );
}
