/**
 * Our program against what the real engine reported (tests/fixtures/engine/README.md): the
 * guard's refusal it printed, and the resources its phase previews planned.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { guardState } from "../components/guard";
import { evaluate, runProgram, stackConfig, stackFiles } from "./support/evaluate";

const ENGINE = join(__dirname, "fixtures", "engine");

/**
 * `<type>::<name>` of the Kubernetes objects an engine preview shows with one of `ops` (a
 * preview lists unchanged resources only with --show-sames, so these files hold the changes).
 */
function planned(file: string, ops: string[]): string[] {
    const doc = JSON.parse(readFileSync(join(ENGINE, file), "utf8")) as { steps: { op: string; urn: string }[] };
    return doc.steps
        .filter((s) => ops.includes(s.op))
        .map((s) => s.urn.split("::"))
        .map((parts) => `${parts[2].split("$").pop()}::${parts.slice(3).join("::")}`)
        .filter((k) => k.startsWith("kubernetes:") && !k.startsWith("kubernetes:index"))
        .map(withoutContentHash)
        .sort();
}

/**
 * A resource key without the content hash some names end in (`sql-01-bootstrap-1a2b3c4d`, its `…-files` ConfigMap): the
 * fixtures come from an older commit, and a step whose SQL changed since is still the same step.
 */
function withoutContentHash(key: string): string {
    return key.replace(/-[0-9a-f]{8,10}(-files)?$/, "$1");
}

describe("the real engine's output for our stacks", () => {
    it("printed the same refusal our guard gives for phase 2 with 2 nodes", async () => {
        const printed = readFileSync(join(ENGINE, "phase2-scale-in-refused.txt"), "utf8");
        const raw = stackFiles().get("phase2")!;
        const config = stackConfig("phase2");
        const { error } = await runProgram(
            { ...raw, "clusterlab:crdb": { nodes: 2 } },
            "live",
            guardState(config, guardState(stackConfig("phase1"), guardState(stackConfig("phase0")))),
        );
        assert.ok(error, "the program accepted 2 nodes at phase 2");
        const line = /crdb\.nodes: .*/.exec(error.message)?.[0];
        assert.ok(line && printed.includes(line), `our message ${JSON.stringify(line)} is not what the engine printed:\n${printed}`);
    });

    it("created, at each phase, the Kubernetes objects our program adds under mocks, and changed only ones it keeps", async () => {
        let deployed;
        let before = new Set<string>();
        for (const [n, file] of [
            [0, "phase0-preview.json"],
            [1, "phase1-preview.json"],
            [2, "phase2-preview.json"],
        ] as const) {
            // The fixtures come from commit e83d147, before the sample app and secure mode: switched
            // off, the program must plan exactly what the engine planned then.
            const config = stackConfig(`phase${n}`, { app: { enabled: false }, crdb: { secure: false } });
            const graph = await evaluate(config, "live", deployed);
            deployed = guardState(config, deployed);
            const ours = [...graph.resources.values()]
                .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:index"))
                .map((r) => withoutContentHash(`${r.type}::${r.name}`));
            assert.deepEqual(planned(file, ["create"]), ours.filter((k) => !before.has(k)).sort(), `phase ${n}: created`);
            for (const k of planned(file, ["update", "replace"]))
                assert.ok(before.has(k) && ours.includes(k), `phase ${n}: ${k} changed but not kept`);
            before = new Set(ours);
        }
    });
});
