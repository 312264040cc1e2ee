import * as assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { disturbScript } from "../labs/cdc/disturb";
import { requireTool, run, tempDir } from "./support/tools";

/**
 * PD's answers in the shapes its HTTP API returns and pd-ctl prints indented: `RegionsInfo`
 * / `RegionInfo` (tikv/pd `server/api/region.go`: id, start_key, end_key, epoch, peers with
 * id/store_id/role_name, leader) and `StoresInfo` (`server/api/store.go`: store.id, address).
 * Region ids are 2, 6, 10; peer ids 3..5, 7..9, 11..13; stores 1..3; region 6's leader is on store 2.
 */
const peers = (first: number) => [1, 2, 3].map((store, i) => ({ id: first + i, store_id: store, role_name: "Voter" }));
const region = (id: number, start: string, end: string, leaderStore: number) => ({
    id,
    start_key: start,
    end_key: end,
    epoch: { conf_ver: 5, version: 3 },
    peers: peers(id + 1),
    leader: peers(id + 1)[leaderStore - 1],
    written_bytes: 0,
    read_bytes: 0,
    approximate_size: 1,
    approximate_keys: 0,
});
const REGIONS = [region(2, "", "7200000000", 1), region(6, "7200000000", "7200000000FF", 2), region(10, "7200000000FF", "", 3)];
const STORES = {
    count: 3,
    stores: [1, 2, 3].map((id) => ({ store: { id, address: `main-tikv-${id - 1}:20160`, state_name: "Up" }, status: {} })),
};

/** A stand-in for `pd-ctl -u URL …`: answers reads from the fixtures, logs operators, accepts or refuses them. */
function fakePdCtl(dir: string, refuse: boolean): string {
    const files = {
        "regions.json": JSON.stringify({ count: 3, regions: REGIONS }, null, 2),
        "stores.json": JSON.stringify(STORES, null, 2),
        "sibling-2.json": JSON.stringify({ count: 1, regions: [REGIONS[1]] }, null, 2),
        "sibling-6.json": JSON.stringify({ count: 2, regions: [REGIONS[0], REGIONS[2]] }, null, 2),
        "sibling-10.json": JSON.stringify({ count: 1, regions: [REGIONS[1]] }, null, 2),
        ...Object.fromEntries(REGIONS.map((r) => [`region-${r.id}.json`, JSON.stringify(r, null, 2)])),
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const path = join(dir, "pd-ctl");
    writeFileSync(
        path,
        [
            "#!/bin/sh",
            `D='${dir}'`,
            '[ "$1" = "-u" ] || { echo "no -u"; exit 2; }',
            'echo "$2" >> "$D/urls"',
            "shift 2",
            'case "$*" in',
            '  "region") cat "$D/regions.json" ;;',
            '  "store") cat "$D/stores.json" ;;',
            '  "region sibling "*) cat "$D/sibling-$3.json" ;;',
            '  "region "*) cat "$D/region-$2.json" ;;',
            `  "operator add "*) echo "$*" >> "$D/operators"; ${refuse ? "echo 'Failed! [500] \"region has operator\"'" : 'echo "Success!"'} ;;`,
            '  *) echo "unexpected: $*"; exit 2 ;;',
            "esac",
        ].join("\n"),
    );
    chmodSync(path, 0o755);
    return path;
}

function runScript(kind: "split" | "merge" | "transfer-leader", refuse = false) {
    const sh = requireTool("sh");
    const dir = tempDir("cdc-disturb");
    try {
        const pdCtl = fakePdCtl(dir.path, refuse);
        const script = disturbScript(kind, "http://main-pd-0:2379", 3, 0);
        const result = run(sh, ["-c", `PD_CTL='${pdCtl}'; export PD_CTL\n${script}`]);
        const read = (f: string) => {
            try {
                return readFileSync(join(dir.path, f), "utf8").trim().split("\n");
            } catch {
                return [];
            }
        };
        return { ...result, operators: read("operators"), urls: [...new Set(read("urls"))] };
    } finally {
        dir.remove();
    }
}

describe("PD-operator disturbances (the pd-ctl script, against a stand-in pd-ctl)", () => {
    it("split: splits regions by their region ids, never peer ids, on the main cluster's PD", () => {
        const r = runScript("split");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(r.operators, [
            "operator add split-region 2 --policy=approximate",
            "operator add split-region 6 --policy=approximate",
            "operator add split-region 10 --policy=approximate",
        ]);
        assert.deepEqual(r.urls, ["http://main-pd-0:2379"]);
        assert.match(r.stdout, /split: 3 of 3 operators accepted/);
    });

    it("merge: merges each region into an adjacent one", () => {
        const r = runScript("merge");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(r.operators, ["operator add merge-region 2 6", "operator add merge-region 6 2", "operator add merge-region 10 6"]);
    });

    it("transfer-leader: moves each region's leader to a store other than its current one", () => {
        const r = runScript("transfer-leader");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const moves = r.operators.map((line) => line.split(" ").slice(3).map(Number));
        const leaderStore = Object.fromEntries(REGIONS.map((g) => [g.id, g.leader.store_id]));
        assert.equal(moves.length, 3);
        for (const [regionId, store] of moves) {
            assert.ok(leaderStore[regionId] !== undefined, `${regionId} is not a region id`);
            assert.notEqual(store, leaderStore[regionId], `region ${regionId} moved to its own leader's store`);
            assert.ok([1, 2, 3].includes(store), `store ${store}`);
        }
    });

    it("fails when PD accepted no operator (pd-ctl exits 0 and prints Failed!)", () => {
        const r = runScript("split", true);
        assert.notEqual(r.status, 0, r.stdout);
        assert.match(r.stdout, /refused: split region 2: Failed!/);
        assert.match(r.stdout, /split: 0 of 3 operators accepted/);
    });
});
