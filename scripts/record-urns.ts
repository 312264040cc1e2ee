/**
 * Records the URN set of every ready-made stack, and of each with one optional key set, into
 * tests/fixtures/urns/<stack>.json (see tests/support/urns.ts). Run it only from a commit whose
 * URNs are the ones deployed stacks have: `npx ts-node --transpile-only scripts/record-urns.ts`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { stackFiles } from "../tests/support/evaluate";
import { URN_FIXTURES, UrnRecord, urnCases, urnsOf } from "../tests/support/urns";

async function main() {
    const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
    mkdirSync(URN_FIXTURES, { recursive: true });
    for (const [stack, file] of stackFiles()) {
        const record: UrnRecord = { stack, recordedFrom: commit, cases: [] };
        for (const c of urnCases(stack, file)) record.cases.push({ ...c, urns: await urnsOf(stack, file, c.set) });
        writeFileSync(join(URN_FIXTURES, `${stack}.json`), JSON.stringify(record, null, 1) + "\n");
        console.log(`${stack}: ${record.cases.length} cases, ${record.cases.reduce((n, c) => n + c.urns.length, 0)} URNs`);
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
