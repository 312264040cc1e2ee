/**
 * Region disturbances during the workload, made by PD operators through `pd-ctl` from the PD
 * image (`/pd-ctl`, next to `/pd-server`: tikv/pd `Dockerfile`).
 *
 * pd-ctl commands (tikv/pd `tools/pd-ctl/pdctl/command/operator.go`, `region.go`, `store.go`):
 * `operator add split-region <region_id> --policy=approximate`, `operator add merge-region
 * <source_region_id> <target_region_id>` (the two must be adjacent), `operator add
 * transfer-leader <region_id> <to_store_id>`, `region` (all regions), `region sibling <id>`
 * (its adjacent regions), `store` (all stores). The JSON they print is PD's `RegionInfo`
 * (`{"id":…,"start_key":…,"end_key":…,…,"leader":{"id":…,"store_id":…}}`, tikv/pd
 * `server/api/region.go`) and `StoreInfo` (`{"store":{"id":…,"address":…}}`, `server/api/store.go`);
 * the script reads ids from it with grep/sed because the image has no jq.
 */
import { CdcDisturb } from "./config";

/** Shell helpers every disturbance uses: ids from pd-ctl's JSON, compacted first. */
const HELPERS = [
    'PD_CTL="${PD_CTL:-/pd-ctl}"',
    'pdctl() { "$PD_CTL" -u "$PD" "$@"; }',
    "compact() { tr -d ' \\n\\t'; }",
    // A region object starts with its id followed by start_key; peers and leaders have no start_key.
    "region_ids() { pdctl region | compact | grep -o '\"id\":[0-9]*,\"start_key\"' | grep -o '[0-9][0-9]*'; }",
    "store_ids() { pdctl store | compact | grep -o '\"store\":{\"id\":[0-9]*' | grep -o '[0-9][0-9]*$'; }",
    'sibling_ids() { pdctl region sibling "$1" | compact | grep -o \'"id":[0-9]*,"start_key"\' | grep -o \'[0-9][0-9]*\'; }',
    'leader_store() { pdctl region "$1" | compact | grep -o \'"leader":{"id":[0-9]*,"store_id":[0-9]*\' | grep -o \'[0-9][0-9]*$\'; }',
    // The n-th (1-based, wrapping) line of stdin.
    "pick() { awk -v n=\"$1\" '{ l[NR] = $0 } END { if (NR) print l[(n - 1) % NR + 1] }'; }",
];

/** The body of one iteration per disturbance; `$i` is the iteration, `$r` a region id. */
const OPERATION: Record<Exclude<CdcDisturb, "none">, string[]> = {
    split: ['r=$(region_ids | pick "$i")', 'op "split region $r" operator add split-region "$r" --policy=approximate'],
    merge: [
        'r=$(region_ids | pick "$i")',
        's=$(sibling_ids "$r" | head -n 1)',
        // With a single region there is nothing to merge: split it first.
        'if [ -z "$s" ]; then op "split region $r" operator add split-region "$r" --policy=approximate; else op "merge region $r into $s" operator add merge-region "$r" "$s"; fi',
    ],
    "transfer-leader": [
        'r=$(region_ids | pick "$i")',
        'from=$(leader_store "$r")',
        't=$(store_ids | grep -vx "${from:-none}" | pick "$i")',
        'op "move leader of region $r from store ${from:-?} to store $t" operator add transfer-leader "$r" "$t"',
    ],
};

/**
 * The shell script of a disturbance: `count` operators, one every `intervalSeconds`, against
 * the PD at `pdUrl`. An operator PD refuses (another operator is running on the region, the
 * regions are not adjacent) is logged and skipped; the script fails only when PD accepted none, so a disturbance that
 * never happened cannot pass for one that did.
 * @param kind not `none` (no task runs then).
 * @param pdUrl e.g. `http://main-pd-0:2379`.
 */
export function disturbScript(kind: Exclude<CdcDisturb, "none">, pdUrl: string, count: number, intervalSeconds: number): string {
    return [
        `PD='${pdUrl}'`,
        ...HELPERS,
        "ok=0; i=0",
        // pd-ctl exits 0 either way and prints "Success!" or "Failed! …" (tikv/pd `tools/pd-ctl/pdctl/command/global.go`).
        'op() { what="$1"; shift; out=$(pdctl "$@" 2>&1); if echo "$out" | grep -qi "^success"; then ok=$((ok + 1)); echo "accepted: $what"; else echo "refused: $what: $out"; fi; }',
        `while [ "$i" -lt ${count} ]; do`,
        "  i=$((i + 1))",
        ...OPERATION[kind].map((line) => `  ${line}`),
        `  sleep ${intervalSeconds}`,
        "done",
        `echo "${kind}: $ok of ${count} operators accepted"`,
        '[ "$ok" -gt 0 ]',
    ].join("\n");
}
