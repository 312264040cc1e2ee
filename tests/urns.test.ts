/**
 * No change for deployed stacks: every ready-made stack, and each with one key set to another
 * valid value, registers exactly the URNs recorded in tests/fixtures/urns/ (recorded from commit
 * af0ab21, before the labs moved into labs/<lab>/; see tests/support/urns.ts). A URN that
 * disappears is a resource Pulumi would delete (or replace under a new name) on a deployed stack:
 * always a failure. One that appears is a resource it would create: additive, the way a lab is
 * meant to evolve (a new SQL step, a peer proxy), so it is allowed and printed, never recorded
 * over: the list stays the one taken before the layout change.
 */
import * as assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { stackFiles } from "./support/evaluate";
import { URN_FIXTURES, readUrnRecord, urnsOf } from "./support/urns";

describe("URNs of every ready-made stack stay as recorded", function () {
    this.timeout(300_000);
    const stacks = stackFiles();

    it("every tracked stack has a recorded URN set, and every recorded set a stack", () => {
        const recorded = readdirSync(URN_FIXTURES)
            .filter((f) => f.endsWith(".json"))
            .map((f) => f.replace(/\.json$/, ""))
            .sort();
        assert.deepEqual(recorded, [...stacks.keys()].sort());
    });

    for (const [stack, file] of stacks) {
        it(`Pulumi.${stack}.yaml and each one-key variant`, async () => {
            const record = readUrnRecord(stack);
            assert.ok(record.cases.length > 1, `${stack}: no variants recorded`);
            const wrong: string[] = [];
            const additions = new Set<string>();
            for (const c of record.cases) {
                const urns = new Set(await urnsOf(stack, file, c.set));
                const missing = c.urns.filter((u) => !urns.has(u));
                const added = [...urns].filter((u) => !c.urns.includes(u));
                added.forEach((u) => additions.add(u.replace(/^.*::/, "")));
                if (missing.length)
                    wrong.push(
                        `${c.label}: ${missing.length} gone (${missing.slice(0, 3).join(", ")}), ${added.length} new (${added.slice(0, 3).join(", ")})`,
                    );
            }
            if (additions.size)
                console.log(
                    `      ${stack}: ${additions.size} resource name(s) added since af0ab21: ${[...additions].slice(0, 8).join(", ")}`,
                );
            assert.deepEqual(wrong, [], `${stack}: ${wrong.length} of ${record.cases.length} cases changed URNs:\n${wrong.join("\n")}`);
        });
    }
});
