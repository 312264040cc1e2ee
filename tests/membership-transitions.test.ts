/**
 * The labs' transition preconditions (labs/<lab>/transitions.ts): each refusal names the key
 * and the safe sequence; each allowed change gives no line. Expected figures come from the
 * databases' rules (replication factor, PD max-replicas 3, quorum ⌊(n−1)/2⌋, one etcd minor at a
 * time, CockroachDB Regular releases), not from the code.
 */
import * as assert from "node:assert/strict";
import { parseStackConfig } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { crdbTransitionProblems } from "../labs/crdb/transitions";
import { etcdTransitionProblems } from "../labs/etcd/transitions";
import { tikvTransitionProblems } from "../labs/tikv/transitions";

describe("membership transition preconditions", () => {
    const crdb = (nodes: number, version = "v24.3.5") => ({ crdb: { nodes, version } });
    const etcd = (members: number, version = "v3.5.17") => ({ etcd: { members, version } });
    const tikv = (pd: number, stores: number, version = "v8.5.1") => ({ version, pd: { members: pd }, tikv: { stores } });

    it("CockroachDB: below the replication factor, scale-in with upgrade, a skipped Regular release", () => {
        const before = { nodes: 5, version: "v24.3.5" };
        assert.deepEqual(crdbTransitionProblems(before, crdb(3), 3), []);
        assert.match(crdbTransitionProblems(before, crdb(2), 3).join(), /crdb\.nodes: 5 → 2 is below the replication factor 3/);
        assert.match(
            crdbTransitionProblems(before, crdb(4, "v24.3.6"), 3).join(),
            /scale in first \(crdb\.nodes: 4, pulumi up\), then change crdb\.version/,
        );
        assert.deepEqual(crdbTransitionProblems(before, crdb(5, "v24.3.6"), 3), []);
        assert.match(
            crdbTransitionProblems({ nodes: 3, version: "v23.2.4" }, crdb(3, "v24.3.0"), 3).join(),
            /skips the Regular release v24\.1/,
        );
        assert.deepEqual(crdbTransitionProblems({}, crdb(1), 1), [], "nothing remembered: nothing to compare");
    });

    it("TiKV/PD: fewer stores than max-replicas (3), PD members beyond quorum tolerance, scale-in with upgrade", () => {
        const before = { pdMembers: 3, stores: 5, version: "v8.5.1" };
        assert.deepEqual(tikvTransitionProblems(before, tikv(3, 3)), []);
        assert.match(
            tikvTransitionProblems(before, tikv(3, 2)).join(),
            /tikv\.stores: 5 → 2 leaves fewer stores than PD's max-replicas \(3\)/,
        );
        assert.match(tikvTransitionProblems({ ...before, pdMembers: 3 }, tikv(1, 5)).join(), /pd\.members: 3 → 1 .*go 3 → 2 → 1/);
        assert.deepEqual(tikvTransitionProblems(before, tikv(2, 5)), []);
        assert.match(
            tikvTransitionProblems(before, tikv(3, 4, "v8.5.2")).join(),
            /tikv\.stores: 5 → 4 and version: v8\.5\.1 → v8\.5\.2 in one change/,
        );
    });

    it("etcd: 3 → 5 → 3 allowed; 5 → 1 beyond quorum; a minor skip; grow or shrink with an upgrade", () => {
        assert.deepEqual(etcdTransitionProblems({ members: 3, version: "v3.5.17" }, etcd(5)), []);
        assert.deepEqual(etcdTransitionProblems({ members: 5, version: "v3.5.17" }, etcd(3)), []);
        assert.match(
            etcdTransitionProblems({ members: 5, version: "v3.5.17" }, etcd(1)).join(),
            /etcd\.members: 5 → 1 removes 4 members at once.*go 5 → 3 → 2 → 1/,
        );
        assert.match(etcdTransitionProblems({ members: 3, version: "v3.4.23" }, etcd(3, "v3.6.0")).join(), /skips v3\.5/);
        assert.deepEqual(etcdTransitionProblems({ members: 3, version: "v3.4.23" }, etcd(3, "v3.5.17")), []);
        assert.match(etcdTransitionProblems({ members: 3, version: "v3.5.16" }, etcd(5, "v3.5.17")).join(), /grow first/);
        assert.match(etcdTransitionProblems({ members: 5, version: "v3.5.16" }, etcd(3, "v3.5.17")).join(), /scale in first/);
    });

    it("the guard applies the TiKV and etcd preconditions even where allowScaleIn allows removing members", () => {
        const tikvLab = (pd: number, stores: number, version = "v8.5.1") =>
            parseStackConfig({
                lab: "tikv",
                platform: "kubernetes",
                version,
                pd: { members: pd, bootstrapMembers: 1, allowScaleIn: true },
                tikv: { stores, allowScaleIn: true },
            });
        const tikvDeployed = guardState(tikvLab(5, 5));
        assert.deepEqual(checkTransition(tikvDeployed, tikvLab(3, 3)), []);
        assert.match(checkTransition(tikvDeployed, tikvLab(5, 2)).join("\n"), /tikv\.stores: 5 → 2 .*max-replicas/);
        assert.match(checkTransition(tikvDeployed, tikvLab(2, 5)).join("\n"), /pd\.members: 5 → 2 removes 3 members at once/);
        assert.match(checkTransition(tikvDeployed, tikvLab(5, 4, "v8.5.2")).join("\n"), /scale in first/);
        const etcdLab = (version: string) => parseStackConfig({ lab: "etcd", platform: "kubernetes", etcd: { members: 3, version } });
        const etcdDeployed = guardState(etcdLab("v3.4.23"));
        assert.deepEqual(checkTransition(etcdDeployed, etcdLab("v3.5.17")), []);
        assert.match(checkTransition(etcdDeployed, etcdLab("v3.6.0")).join("\n"), /etcd\.version: v3\.4\.23 → v3\.6\.0 skips v3\.5/);
    });
});
