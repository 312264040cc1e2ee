/**
 * etcd membership changes as ordered steps (labs/steps.ts), run with `etcdctl`.
 *
 * Sources (etcd.io/docs/v3.5):
 * - Runtime reconfiguration (`/op-guide/runtime-configuration/`): a new member is first added
 *   (`etcdctl member add <name> --peer-urls=<url> --learner`), then started with
 *   `--initial-cluster-state=existing` and an `--initial-cluster` of the current members plus
 *   itself; `etcdctl member promote <id>` makes the learner a voting member once it is in sync
 *   (before that it fails "can only promote a learner member which is in sync with leader");
 *   one learner at a time (`/learning/design-learner/`). Members are removed one at a time with
 *   `etcdctl member remove <id>`; `etcdctl move-leader <id>` (sent to the leader among
 *   `--endpoints`) moves leadership first, so the removal costs no election.
 * - `-w simple` output (etcdctl `printer_simple.go`): `member list` lines are
 *   `<id>, <started|unstarted>, <name>, <peer urls>, <client urls>, <is learner>`;
 *   `endpoint status` lines are `<endpoint>, <id>, <version>, <db size>, <is leader>, <is learner>, …`.
 * - Upgrades (`/upgrades/`): one minor version at a time (3.4 → 3.5 → 3.6), one member at a
 *   time, each healthy before the next.
 * - `--initial-cluster*` flags are read only on a member's first start (an existing data dir
 *   ignores them: `/op-guide/configuration/`), so the bootstrap members' flags never change.
 */
import { Arg, CommandStep, Condition, Plan, literal } from "../steps";

/** Where and how the steps reach the members. */
export interface EtcdStepTarget {
    /** The `etcdctl` executable. */
    etcdctl: string;
    /** Client URL of member `ordinal`, e.g. `http://etcd-3:2379`. */
    clientUrl: (ordinal: number) => string;
    /** Peer URL of member `ordinal`, e.g. `http://etcd-3:2380`. */
    peerUrl: (ordinal: number) => string;
}

/** Bounds of the waits, seconds. */
export interface EtcdStepTimeouts {
    /** A learner catches up and is promoted; default 120. */
    promoteSeconds: number;
    /** Leadership moves, a removal shows, a member answers; default 60. */
    answerSeconds: number;
    /** Poll interval; default 1. */
    intervalSeconds: number;
}

/** Defaults of {@link EtcdStepTimeouts}. */
export const ETCD_STEP_TIMEOUTS: EtcdStepTimeouts = { promoteSeconds: 120, answerSeconds: 60, intervalSeconds: 1 };

/** Member `ordinal`'s name (`--name`): `etcd-<ordinal>`, as the lab names its members. */
export function etcdMemberName(ordinal: number): string {
    return `etcd-${ordinal}`;
}

function ctl(t: EtcdStepTarget, ordinals: number[], ...args: Arg[]): Arg[] {
    return [t.etcdctl, `--endpoints=${ordinals.map(t.clientUrl).join(",")}`, "--command-timeout=5s", ...args];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A `member list -w simple` line of the member with this peer URL, capturing its ID. */
function memberLine(t: EtcdStepTarget, ordinal: number): string {
    return `^([0-9a-f]+), [a-z]+, [^,]*, ${literal(t.peerUrl(ordinal))}, `;
}

/**
 * The `--initial-cluster` of a member joining as `ordinal`: members 0..ordinal (the current
 * members and itself), `etcd-N=<peer url>`.
 */
export function etcdJoinCluster(t: Pick<EtcdStepTarget, "peerUrl">, ordinal: number): string {
    return range(ordinal + 1)
        .map((i) => `${etcdMemberName(i)}=${t.peerUrl(i)}`)
        .join(",");
}

/**
 * A joining member's flags: the lab's member flags with `--initial-cluster` replaced by
 * `initialCluster` ({@link etcdJoinCluster}), `--initial-cluster-state=existing`, and, when given,
 * `--data-dir` set to `dataDir` (a directory of this join's own: a removed member cannot rejoin
 * with its old data).
 * @throws Error when `flags` lacks one of the flags it rewrites (they are not the lab's member flags).
 */
export function etcdJoinFlags(flags: string[], initialCluster: string, dataDir?: string): string[] {
    const rewrites: Record<string, string | undefined> = {
        "--initial-cluster": initialCluster,
        "--initial-cluster-state": "existing",
        "--data-dir": dataDir,
    };
    for (const [flag, value] of Object.entries(rewrites)) {
        if (value !== undefined && !flags.some((f) => f.startsWith(`${flag}=`))) {
            throw new Error(`not etcd member flags: no ${flag} in ${flags.join(" ")}`);
        }
    }
    return flags.map((f) => {
        const value = rewrites[f.slice(0, f.indexOf("="))];
        return value === undefined ? f : `${f.slice(0, f.indexOf("="))}=${value}`;
    });
}

/** Why a member-count change is refused; empty when allowed. */
export function etcdMembersProblems(from: number, to: number): string[] {
    if (to < 1) return [`etcd.members: ${from} → ${to} leaves no member`];
    return [];
}

/**
 * Scale-out from `from` to `to` members, one at a time: add `etcd-N` as a learner (skipped when
 * its peer URL is already listed), the platform starts it with `--initial-cluster-state=existing`
 * and {@link etcdJoinCluster}, then promote it (retried until it is in sync, bounded) and wait
 * until it is a started voting member.
 */
export function etcdScaleOut(t: EtcdStepTarget, from: number, to: number, timeouts: Partial<EtcdStepTimeouts> = {}): Plan {
    const s = { ...ETCD_STEP_TIMEOUTS, ...timeouts };
    const plan: Plan = [];
    for (let ordinal = from; ordinal < to; ordinal++) {
        const name = etcdMemberName(ordinal);
        const current = range(ordinal);
        const peer = literal(t.peerUrl(ordinal));
        const add: CommandStep = {
            kind: "command",
            name: `add ${name} as a learner`,
            unless: {
                argv: ctl(t, current, "member", "list", "-w", "simple"),
                condition: { matches: [`, ${peer}, `] },
                question: `${name} is already a member`,
            },
            run: ctl(t, current, "member", "add", name, "--learner", `--peer-urls=${t.peerUrl(ordinal)}`),
            // --strict-reconfig-check (default on) refuses a member change until every member has been
            // connected for a while ("etcdserver: unhealthy cluster" right after a start): retried, bounded.
            retry: {
                timeoutSeconds: s.answerSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `the cluster to accept ${name} as a learner (etcdctl member add; refused while a member is unhealthy)`,
            },
        };
        const promote: CommandStep = {
            kind: "command",
            name: `promote ${name} to a voting member`,
            unless: {
                argv: ctl(t, current, "member", "list", "-w", "simple"),
                condition: { matches: [`, ${peer}, [^,]*, false$`] },
                question: `${name} is already a voting member`,
            },
            capture: [
                {
                    name: "MEMBER_ID",
                    argv: ctl(t, current, "member", "list", "-w", "simple"),
                    pattern: memberLine(t, ordinal),
                    timeoutSeconds: s.answerSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `${name} (peer ${t.peerUrl(ordinal)}) in etcdctl member list`,
                },
            ],
            run: ctl(t, current, "member", "promote", { captured: "MEMBER_ID" }),
            retry: {
                timeoutSeconds: s.promoteSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `learner ${name} to catch up and be promoted (etcdctl member promote)`,
            },
            wait: {
                argv: ctl(t, current, "member", "list", "-w", "simple"),
                until: { matches: [`, started, ${literal(name)}, ${peer}, [^,]*, false$`] },
                timeoutSeconds: s.answerSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `${name} to be listed as a started voting member (etcdctl member list)`,
            },
        };
        plan.push(add, {
            kind: "platform",
            action: "add-member",
            group: "etcd",
            ordinal,
            description: `start ${name} with --initial-cluster-state=existing --initial-cluster=${etcdJoinCluster(t, ordinal)}`,
        });
        plan.push(promote);
    }
    return plan;
}

/**
 * "Member `ordinal` is no longer listed": the list answered and shows neither its peer URL nor its
 * name. The name guards the skip: were the peer URL not the one the member advertises, the URL
 * alone would call a present member gone and skip its removal; with its name still listed the
 * step goes on and fails loudly, waiting for the URL.
 */
function gone(t: EtcdStepTarget, ordinal: number): Condition {
    return { matches: [", started, "], absent: [`, ${literal(t.peerUrl(ordinal))}, `, `, ${literal(etcdMemberName(ordinal))}, `] };
}

/** An `endpoint status -w simple` line whose is-leader column is `yes`. */
const leads = (yes: boolean) => `^[^,]+, [0-9a-f]+, [^,]+, [^,]+, ${yes}, `;

/**
 * Moves leadership off member `ordinal` onto member `to` when `ordinal` leads (skipped
 * otherwise, and when `ordinal` is no longer a member); `present` are the members running now
 * (etcdctl sends move-leader to the leader among them), `asked` those that answer the list.
 */
function moveLeadershipOff(
    t: EtcdStepTarget,
    ordinal: number,
    present: number[],
    asked: number[],
    to: number,
    s: EtcdStepTimeouts,
): CommandStep {
    const name = etcdMemberName(ordinal);
    return {
        kind: "command",
        name: `move leadership off ${name}`,
        unless: {
            argv: ctl(t, asked, "member", "list", "-w", "simple"),
            condition: gone(t, ordinal),
            question: `${name} is no longer a member`,
        },
        capture: [
            {
                name: "LEADER_TARGET",
                argv: ctl(t, asked, "member", "list", "-w", "simple"),
                pattern: memberLine(t, to),
                timeoutSeconds: s.answerSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `${etcdMemberName(to)} (peer ${t.peerUrl(to)}) in etcdctl member list`,
            },
        ],
        onlyIf: {
            argv: ctl(t, [ordinal], "endpoint", "status", "-w", "simple"),
            condition: { matches: [leads(true)] },
            question: `${name} leads`,
        },
        // Sent to every member: etcdctl finds the leader among --endpoints.
        run: ctl(t, present, "move-leader", { captured: "LEADER_TARGET" }),
        wait: {
            argv: ctl(t, [ordinal], "endpoint", "status", "-w", "simple"),
            until: { matches: [leads(false)] },
            timeoutSeconds: s.answerSeconds,
            intervalSeconds: s.intervalSeconds,
            waitingFor: `${name} to stop leading (etcdctl endpoint status)`,
        },
    };
}

/**
 * Scale-in from `from` to `to` members, one at a time from the highest ordinal: move leadership
 * to etcd-0 when the leaving member leads, `member remove` it (skipped when it is no longer
 * listed), wait until the list no longer shows it; then the platform stops it.
 * @throws Error when {@link etcdMembersProblems} refuses it.
 */
export function etcdScaleIn(t: EtcdStepTarget, from: number, to: number, timeouts: Partial<EtcdStepTimeouts> = {}): Plan {
    const problems = etcdMembersProblems(from, to);
    if (problems.length) throw new Error(problems.join("\n"));
    const s = { ...ETCD_STEP_TIMEOUTS, ...timeouts };
    const plan: Plan = [];
    const staying = range(to);
    for (let ordinal = from - 1; ordinal >= to; ordinal--) {
        const name = etcdMemberName(ordinal);
        const present = range(ordinal + 1);
        plan.push(
            moveLeadershipOff(t, ordinal, present, staying, 0, s),
            {
                kind: "command",
                name: `remove ${name}`,
                unless: {
                    argv: ctl(t, staying, "member", "list", "-w", "simple"),
                    condition: gone(t, ordinal),
                    question: `${name} is no longer a member`,
                },
                capture: [
                    {
                        name: "MEMBER_ID",
                        argv: ctl(t, staying, "member", "list", "-w", "simple"),
                        pattern: memberLine(t, ordinal),
                        timeoutSeconds: s.answerSeconds,
                        intervalSeconds: s.intervalSeconds,
                        waitingFor: `${name} (peer ${t.peerUrl(ordinal)}) in etcdctl member list`,
                    },
                ],
                run: ctl(t, staying, "member", "remove", { captured: "MEMBER_ID" }),
                // etcd refuses a removal that would leave fewer members active (connected for 5 s) than a
                // quorum — "etcdserver: unhealthy cluster" — right after a member restarted
                // (`--strict-reconfig-check`, on by default: etcd-io/etcd server/etcdserver/server.go `mayRemoveMember`).
                retry: {
                    timeoutSeconds: s.answerSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `etcd to accept removing ${name} (it refuses while too few members have been active for 5 s)`,
                },
                wait: {
                    argv: ctl(t, staying, "member", "list", "-w", "simple"),
                    until: gone(t, ordinal),
                    timeoutSeconds: s.answerSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `${name} to leave the member list (etcdctl member list)`,
                },
            },
            {
                kind: "platform",
                action: "remove-member",
                group: "etcd",
                ordinal,
                description: `stop ${name}; its data is discarded (a removed member cannot rejoin with it)`,
            },
        );
    }
    return plan;
}

/** `3.5.17` or `v3.5.17` → [3, 5]. @throws Error on another shape. */
export function etcdMinor(version: string): [number, number] {
    const m = /^v?(\d+)\.(\d+)\.\d+$/.exec(version);
    if (!m) throw new Error(`etcd version: expected v<major>.<minor>.<patch>, got ${JSON.stringify(version)}`);
    return [Number(m[1]), Number(m[2])];
}

/** Why a version change is refused: a skip of a minor version, or a downgrade of one. Empty when allowed. */
export function etcdVersionProblems(from: string, to: string): string[] {
    const [a, b] = [etcdMinor(from), etcdMinor(to)];
    if (a[0] !== b[0]) return [`etcd.version: ${from} → ${to} changes the major version; etcd upgrades one minor version at a time`];
    if (b[1] - a[1] > 1) {
        return [
            `etcd.version: ${from} → ${to} skips v${a[0]}.${a[1] + 1}; upgrade to v${a[0]}.${a[1] + 1} first (etcd upgrades one minor version at a time)`,
        ];
    }
    if (b[1] < a[1])
        return [`etcd.version: ${from} → ${to} is a downgrade of a minor version, which etcd ${a[0]}.${a[1]} does not support in place`];
    return [];
}

/**
 * A rolling restart of `members` members (a version or flag change), one at a time from the
 * highest ordinal: leadership moves off the member when it leads, the platform replaces it, then
 * it must answer (`endpoint
 * health`) — with `version` given, report that version (`endpoint status`) — before the next.
 * @throws Error when `from`/`to` versions are given and {@link etcdVersionProblems} refuses them.
 */
export function etcdRollingRestart(
    t: EtcdStepTarget,
    members: number,
    versions?: { from: string; to: string },
    timeouts: Partial<EtcdStepTimeouts> = {},
): Plan {
    if (versions) {
        const problems = etcdVersionProblems(versions.from, versions.to);
        if (problems.length) throw new Error(problems.join("\n"));
    }
    const s = { ...ETCD_STEP_TIMEOUTS, ...timeouts };
    const plan: Plan = [];
    for (let ordinal = members - 1; ordinal >= 0; ordinal--) {
        const name = etcdMemberName(ordinal);
        const version = versions ? literal(versions.to.replace(/^v/, "")) : "[0-9.]+";
        const all = range(members);
        plan.push(
            // A leader that stops costs an election (no leader for up to an election timeout): move it first.
            moveLeadershipOff(t, ordinal, all, all, ordinal === 0 ? 1 : 0, s),
            { kind: "platform", action: "replace-member", group: "etcd", ordinal, description: `restart ${name} with its new spec` },
            {
                kind: "command",
                name: `${name} healthy again`,
                wait: {
                    argv: ctl(t, [ordinal], "endpoint", "status", "-w", "simple"),
                    until: { matches: [`^[^,]+, [0-9a-f]+, ${version}, `] },
                    timeoutSeconds: s.answerSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `${name} to answer endpoint status${versions ? ` as ${versions.to}` : ""}`,
                },
            },
            {
                kind: "command",
                name: `the cluster has a leader after ${name}`,
                wait: {
                    argv: ctl(t, range(members), "endpoint", "health"),
                    until: {},
                    timeoutSeconds: s.answerSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `every member to report healthy after ${name} restarted (etcdctl endpoint health)`,
                },
            },
        );
    }
    return plan;
}
