/**
 * CockroachDB membership changes as ordered steps (labs/steps.ts): scale-in by decommission,
 * a rolling version change, and a separate finalization.
 *
 * Sources (cockroachlabs.com/docs):
 * - Scale-in: "Decommission nodes" (`/docs/stable/node-shutdown`, `/docs/stable/cockroach-node`):
 *   `cockroach node decommission <id> --wait=none` starts moving the node's replicas away and
 *   prints `id,is_live,replicas,is_decommissioning,membership,is_draining`;
 *   `cockroach node status <id> --decommission` shows `gossiped_replicas`, `is_decommissioning`,
 *   `membership`, `is_draining` as its last four columns (cockroach `pkg/cli/node.go`,
 *   `statusNodesColumnHeadersForDecommission`); the node may stop once its replicas are 0 and its
 *   membership is `decommissioned`. A decommission hangs when no other node can take the
 *   replicas, so the cluster never goes below the replication factor. On a StatefulSet only the
 *   highest ordinals can go, so they are decommissioned from the top, one at a time.
 * - Upgrade: "Upgrade CockroachDB self-hosted" (`/docs/stable/upgrade-cockroach-version`):
 *   major-version upgrades need finalization; by default a major upgrade finalizes itself once
 *   every node has rejoined on the new binary, after which it cannot be rolled back. `SET CLUSTER
 *   SETTING cluster.auto_upgrade.enabled = false` before the roll keeps it manual (a downgrade
 *   stays possible until then). The docs' note (cockroachdb/docs
 *   `_includes/common/upgrade/disable-auto-finalization.md`): that setting "was introduced in
 *   v23.2" and is now recommended; before it, `cluster.preserve_downgrade_option` set to the
 *   cluster's current major did the same and was unset to finalize; either prevents
 *   auto-finalization. So an upgrade from v23.1 (in {@link CRDB_RELEASES}, which has no
 *   `cluster.auto_upgrade.enabled`) holds with `cluster.preserve_downgrade_option = '23.1'`, and
 *   its finalization resets it first. Nodes are restarted on the new binary one at a time;
 *   finalization is `SET CLUSTER SETTING version = '<major>'` (`finalize-self-hosted.md`: migration
 *   jobs run that "cannot be rolled back"; until they finish, `SHOW CLUSTER SETTING version`
 *   returns the previous major), then auto-upgrade back on. Patch upgrades need no finalization.
 *   Innovation releases may be skipped, Regular ones may not (`/docs/releases`, "Major releases").
 * - `--format=csv` (`/docs/stable/cockroach-node`, "General flags"): one header line, then one
 *   line per node, `id,address,…`.
 */
import { Arg, CommandStep, Plan, PlatformStep, literal } from "../steps";

/** Where and how the steps reach the cluster. */
export interface CrdbStepTarget {
    /** The `cockroach` executable, e.g. `cockroach` or `/cockroach/cockroach`. */
    cockroach: string;
    /** `--insecure` or `--certs-dir=<dir>` (components/crdb-cluster.ts `crdbSecurityFlag`). */
    security: string;
    /** `host:port` of a node that stays (node 0), where every command connects. */
    host: string;
    /** `host:port` member `ordinal` advertises (`--advertise-addr`), e.g. `crdb-3.crdb-peer.lab.svc.cluster.local:26257`. */
    advertiseAddress: (ordinal: number) => string;
}

/** Bounds of the waits, seconds. */
export interface CrdbStepTimeouts {
    /** A decommission moves every replica of the node; default 1,800 (30 min). */
    decommissionSeconds: number;
    /** A replaced node rejoins and is live; default 300. */
    rejoinSeconds: number;
    /** Node IDs and settings answer; default 120. */
    answerSeconds: number;
    /** A node's drain (`--drain-wait`); default 120. */
    drainSeconds: number;
    /** Poll interval; default 5. */
    intervalSeconds: number;
}

/** Defaults of {@link CrdbStepTimeouts}. */
export const CRDB_STEP_TIMEOUTS: CrdbStepTimeouts = {
    decommissionSeconds: 1800,
    rejoinSeconds: 300,
    answerSeconds: 120,
    drainSeconds: 120,
    intervalSeconds: 5,
};

function cli(t: CrdbStepTarget, ...args: Arg[]): Arg[] {
    return [t.cockroach, ...args, t.security, `--host=${t.host}`];
}

/** A capture of member `ordinal`'s node ID (from `cockroach node status --format=csv`, by advertise address). */
function nodeIdCapture(t: CrdbStepTarget, ordinal: number, member: string, s: CrdbStepTimeouts) {
    return {
        name: "NODE_ID",
        argv: cli(t, "node", "status", "--format=csv"),
        pattern: `^([0-9]+),${literal(t.advertiseAddress(ordinal))},`,
        timeoutSeconds: s.answerSeconds,
        intervalSeconds: s.intervalSeconds,
        waitingFor: `the node ID of ${member} (address ${t.advertiseAddress(ordinal)}) in cockroach node status`,
    };
}

/**
 * Why a scale-in from `from` to `to` nodes is refused; empty when it is allowed.
 * @param replicationFactor the zone configs' `num_replicas` the deployed phase set.
 */
export function crdbScaleInProblems(from: number, to: number, replicationFactor: number): string[] {
    if (to >= from) return [];
    if (to < replicationFactor) {
        return [
            `crdb.nodes: ${from} → ${to} is below the replication factor ${replicationFactor}: a decommission would hang with no node to take the replicas; ` +
                `lower the replication factor first (an earlier phase), or keep ≥ ${replicationFactor} nodes`,
        ];
    }
    return [];
}

/**
 * Scale-in from `from` to `to` nodes: for each node from the highest ordinal down, find its node
 * ID, `cockroach node decommission <id> --wait=none`, wait until it reports 0 replicas and
 * membership `decommissioned`; then the platform removes the nodes (one StatefulSet shrink, or
 * one container at a time on Docker).
 * @throws Error when {@link crdbScaleInProblems} refuses it.
 */
export function crdbScaleIn(
    t: CrdbStepTarget,
    from: number,
    to: number,
    replicationFactor: number,
    timeouts: Partial<CrdbStepTimeouts> = {},
): Plan {
    const problems = crdbScaleInProblems(from, to, replicationFactor);
    if (problems.length) throw new Error(problems.join("\n"));
    const s = { ...CRDB_STEP_TIMEOUTS, ...timeouts };
    const plan: Plan = [];
    for (let ordinal = from - 1; ordinal >= to; ordinal--) {
        const member = `crdb-${ordinal}`;
        const decommissioned: CommandStep = {
            kind: "command",
            name: `decommission ${member}`,
            capture: [nodeIdCapture(t, ordinal, member, s)],
            run: cli(t, "node", "decommission", { captured: "NODE_ID" }, "--wait=none"),
            // Repeated, not only watched: with --wait=none the call that finds 0 replicas on a
            // decommissioning node is the one that marks it decommissioned (cockroach
            // `pkg/cli/node.go`, runDecommissionNodeImpl: "--wait=none … used when polling manually
            // from an external system"). Its rows: id, is_live, replicas, is_decommissioning, membership, is_draining.
            wait: {
                argv: cli(t, "node", "decommission", { captured: "NODE_ID" }, "--wait=none", "--format=csv"),
                until: { matches: [`^[0-9]+,[a-z]+,0,[a-z]+,decommissioned,[a-z]+$`] },
                timeoutSeconds: s.decommissionSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `${member} to report 0 replicas and membership decommissioned (cockroach node decommission --wait=none)`,
            },
        };
        const confirmed: CommandStep = {
            kind: "command",
            name: `${member} decommissioned, as node status sees it`,
            wait: {
                argv: cli(t, "node", "status", { captured: "NODE_ID" }, "--decommission", "--format=csv"),
                // The last four columns: gossiped_replicas, is_decommissioning, membership, is_draining.
                until: { matches: [`,0,[a-z]+,decommissioned,[a-z]+$`] },
                timeoutSeconds: s.answerSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `${member} to show 0 replicas and membership decommissioned in cockroach node status --decommission`,
            },
        };
        plan.push(decommissioned, confirmed);
    }
    for (let ordinal = from - 1; ordinal >= to; ordinal--) {
        plan.push({
            kind: "platform",
            action: "remove-member",
            group: "crdb",
            ordinal,
            description: `remove crdb-${ordinal} (StatefulSet replicas ${ordinal}; its volume is kept)`,
        });
    }
    return plan;
}

/** A CockroachDB major version, `YY.R`, and whether it is an Innovation release (skippable). */
export interface CrdbRelease {
    major: string;
    innovation: boolean;
}

/**
 * Major versions in order (cockroachlabs.com/docs/releases, "Major releases": from 2024 every
 * second major version is an Innovation release; v24.2 and v25.1 are, per their release notes).
 */
export const CRDB_RELEASES: CrdbRelease[] = [
    { major: "23.1", innovation: false },
    { major: "23.2", innovation: false },
    { major: "24.1", innovation: false },
    { major: "24.2", innovation: true },
    { major: "24.3", innovation: false },
    { major: "25.1", innovation: true },
    { major: "25.2", innovation: false },
    { major: "25.3", innovation: true },
    { major: "25.4", innovation: false },
];

/** `v24.3.5` → `24.3`. @throws Error on another shape. */
export function crdbMajor(version: string): string {
    const m = /^v(\d+)\.(\d+)\.\d+$/.exec(version);
    if (!m) throw new Error(`crdb.version: expected vYY.R.PP, got ${JSON.stringify(version)}`);
    return `${m[1]}.${m[2]}`;
}

/**
 * Why a version change is refused: a downgrade across majors, a major not in
 * {@link CRDB_RELEASES}, or a skip of a Regular release. Empty when allowed.
 */
export function crdbVersionProblems(from: string, to: string): string[] {
    const [a, b] = [crdbMajor(from), crdbMajor(to)];
    if (a === b) return [];
    const i = CRDB_RELEASES.findIndex((r) => r.major === a);
    const j = CRDB_RELEASES.findIndex((r) => r.major === b);
    if (i < 0 || j < 0) return [`crdb.version: ${from} → ${to}: no upgrade path known for v${i < 0 ? a : b}`];
    if (j < i)
        return [`crdb.version: ${from} → ${to} is a downgrade across major versions; only an unfinalized upgrade can be rolled back`];
    const skipped = CRDB_RELEASES.slice(i + 1, j).filter((r) => !r.innovation);
    if (skipped.length) {
        return [
            `crdb.version: ${from} → ${to} skips the Regular release v${skipped[0].major}; upgrade to v${skipped[0].major} first, finalize it, then to ${to}`,
        ];
    }
    return [];
}

function sql(t: CrdbStepTarget, statement: string): Arg[] {
    return cli(t, "sql", "--format=csv", "-e", statement);
}

/**
 * A rolling version change over `nodes` nodes: for a major-version change, auto-upgrade off
 * first (and checked) — from v23.1, which lacks `cluster.auto_upgrade.enabled`,
 * `cluster.preserve_downgrade_option = '23.1'` instead (see {@link CRDB_AUTO_UPGRADE_SETTING_SINCE}); then each node from the highest ordinal down is replaced by the platform
 * and must be live again (`is_available`, `is_live` — the last two columns of `cockroach node
 * status`) before the next, as {@link crdbRollingRestart} does. Finalization is {@link crdbFinalize}, a later config step.
 * @throws Error when {@link crdbVersionProblems} refuses it.
 */
export function crdbUpgrade(t: CrdbStepTarget, from: string, to: string, nodes: number, timeouts: Partial<CrdbStepTimeouts> = {}): Plan {
    return [...crdbUpgradeHold(t, from, to, timeouts), ...crdbRollingRestart(t, nodes, to, timeouts)];
}

/**
 * What {@link crdbUpgrade} runs before any node restarts: for a major-version change, the hold
 * that keeps the upgrade unfinalized; nothing for a patch change.
 * @throws Error when {@link crdbVersionProblems} refuses the change.
 */
export function crdbUpgradeHold(t: CrdbStepTarget, from: string, to: string, timeouts: Partial<CrdbStepTimeouts> = {}): CommandStep[] {
    const problems = crdbVersionProblems(from, to);
    if (problems.length) throw new Error(problems.join("\n"));
    const s = { ...CRDB_STEP_TIMEOUTS, ...timeouts };
    const plan: CommandStep[] = [];
    const held = crdbMajor(from);
    if (held !== crdbMajor(to) && !crdbHasAutoUpgradeSetting(held)) {
        plan.push({
            kind: "command",
            name: `keep the upgrade unfinalized (cluster.preserve_downgrade_option = '${held}')`,
            run: sql(t, `SET CLUSTER SETTING cluster.preserve_downgrade_option = '${held}'`),
            wait: {
                argv: sql(t, "SHOW CLUSTER SETTING cluster.preserve_downgrade_option"),
                until: { matches: [`^${literal(held)}$`] },
                timeoutSeconds: s.answerSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `cluster.preserve_downgrade_option to read ${held}`,
            },
        });
    } else if (held !== crdbMajor(to)) {
        plan.push({
            kind: "command",
            name: "keep the upgrade unfinalized (cluster.auto_upgrade.enabled = false)",
            run: sql(t, "SET CLUSTER SETTING cluster.auto_upgrade.enabled = false"),
            wait: {
                argv: sql(t, "SHOW CLUSTER SETTING cluster.auto_upgrade.enabled"),
                until: { matches: ["^false$"] },
                timeoutSeconds: s.answerSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: "cluster.auto_upgrade.enabled to read false",
            },
        });
    }
    return plan;
}

/** The first major with `cluster.auto_upgrade.enabled` ("introduced in v23.2", cockroachlabs.com/docs "Upgrade CockroachDB self-hosted"). */
export const CRDB_AUTO_UPGRADE_SETTING_SINCE = "23.2";

/**
 * Whether a cluster at `major` (`YY.R`) has `cluster.auto_upgrade.enabled`: {@link CRDB_AUTO_UPGRADE_SETTING_SINCE}
 * or later in {@link CRDB_RELEASES}; a major not listed there counts as having it (it is newer: the
 * list starts before v23.2).
 */
export function crdbHasAutoUpgradeSetting(major: string): boolean {
    const i = CRDB_RELEASES.findIndex((r) => r.major === major);
    return i < 0 || i >= CRDB_RELEASES.findIndex((r) => r.major === CRDB_AUTO_UPGRADE_SETTING_SINCE);
}

/**
 * Finalization of a major-version upgrade to `to` (a config step after the roll):
 * `SET CLUSTER SETTING version = '<major>'`, wait until the cluster version reads the new major,
 * then auto-upgrade back on (the next major change's hold turns it off again). When an allowed
 * upgrade into `to` can start at a major without `cluster.auto_upgrade.enabled` (v23.1 → v23.2),
 * `RESET CLUSTER SETTING cluster.preserve_downgrade_option` comes first: that hold is what
 * {@link crdbUpgrade} set.
 * @throws Error when `to` is not `vYY.R.PP`.
 */
export function crdbFinalize(t: CrdbStepTarget, to: string, timeouts: Partial<CrdbStepTimeouts> = {}): Plan {
    const s = { ...CRDB_STEP_TIMEOUTS, ...timeouts };
    const major = crdbMajor(to);
    const preserved = CRDB_RELEASES.some(
        (r) => r.major !== major && !crdbHasAutoUpgradeSetting(r.major) && crdbVersionProblems(`v${r.major}.0`, to).length === 0,
    );
    return [
        ...(preserved
            ? [
                  {
                      kind: "command" as const,
                      name: "release the downgrade hold (RESET cluster.preserve_downgrade_option)",
                      run: sql(t, "RESET CLUSTER SETTING cluster.preserve_downgrade_option"),
                  },
              ]
            : []),
        {
            kind: "command",
            name: `finalize the upgrade to ${major}`,
            run: sql(t, `SET CLUSTER SETTING version = '${major}'`),
            wait: {
                argv: sql(t, "SHOW CLUSTER SETTING version"),
                until: { matches: [`^${literal(major)}`] },
                timeoutSeconds: s.rejoinSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `the cluster version to read ${major}`,
            },
        },
        {
            kind: "command",
            name: "auto-upgrade back on (cluster.auto_upgrade.enabled = true)",
            run: sql(t, "SET CLUSTER SETTING cluster.auto_upgrade.enabled = true"),
        },
    ];
}

/**
 * Nodes restarted one at a time onto `to` (a version, flag or certificate change), from the
 * highest ordinal down: drain the node (`cockroach node drain <id> --host=<any live node>
 * --drain-wait=<d>`: it stops taking SQL clients and moves its range leases away, printing
 * `node is draining... remaining: <n>` down to `0 (complete)`, then `ok`; cockroachlabs.com/docs
 * `/docs/stable/node-shutdown`, "Drain the node"; `--drain-wait` bounds it), the platform replaces it, then it must run `to` and report
 * `is_available` and `is_live` before the next node drains. Draining first is what a clean stop
 * would do on SIGTERM; a platform that kills the container (Docker removal) would skip it.
 */
export function crdbRollingRestart(t: CrdbStepTarget, nodes: number, to: string, timeouts: Partial<CrdbStepTimeouts> = {}): Plan {
    const s = { ...CRDB_STEP_TIMEOUTS, ...timeouts };
    const plan: Plan = [];
    for (let ordinal = nodes - 1; ordinal >= 0; ordinal--) {
        const member = `crdb-${ordinal}`;
        const replace: PlatformStep = {
            kind: "platform",
            action: "replace-member",
            group: "crdb",
            ordinal,
            description: `restart ${member} on ${to} (StatefulSet rolling update, or its container replaced)`,
        };
        plan.push(
            {
                kind: "command",
                name: `drain ${member}`,
                capture: [nodeIdCapture(t, ordinal, member, s)],
                run: cli(t, "node", "drain", { captured: "NODE_ID" }, `--drain-wait=${Math.ceil(s.drainSeconds)}s`),
            },
            replace,
            {
                kind: "command",
                name: `${member} live on ${to}`,
                capture: [nodeIdCapture(t, ordinal, member, s)],
                wait: {
                    argv: cli(t, "node", "status", { captured: "NODE_ID" }, "--format=csv"),
                    until: { matches: [`,${literal(to)},.*,true,true$`] },
                    timeoutSeconds: s.rejoinSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `${member} to run ${to} and report is_available and is_live (cockroach node status)`,
                },
            },
        );
    }
    return plan;
}
