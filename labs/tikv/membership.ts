/**
 * TiKV store and PD member changes as ordered steps (labs/steps.ts), run with `pd-ctl`.
 *
 * Sources:
 * - PD Control (docs.pingcap.com/tidb/stable/pd-control): `pd-ctl -u <pd url>`; `store` prints
 *   `{"count": N, "stores": [{"store": {"id": 1, "address": "…", …, "state_name": "Up"},
 *   "status": {…, "leader_count": 10, …}}]}`; `store <id>` one such object; `store delete <id>`
 *   makes the store Offline while PD moves its regions away, then Tombstone; `member` lists PD
 *   members, `member leader show` the leader (`{"name": "pd-0", …}`), `member leader transfer
 *   <name>`, `member delete name <name>`; `scheduler add evict-leader-scheduler <store id>`,
 *   `scheduler remove evict-leader-scheduler-<store id>`; `health` lists every member as
 *   `[{"name": "pd-0", "member_id": …, "client_urls": […], "health": true}, …]` (pingcap/docs
 *   `tools/pd-control.md` "health"; tikv/pd `server/api/health.go`). Field names: tikv/pd
 *   `server/api/store.go` (`MetaStore.state_name`, `StoreStatus.leader_count`; some versions omit a
 *   zero `leader_count`, so "0 leaders" is "no non-zero leader_count").
 * - A store never leaves Offline while the stores left are fewer than `max-replicas` (default 3:
 *   docs.pingcap.com/tidb/stable/pd-configuration-file#max-replicas; tidb-operator #3182).
 * - TiUP scales a store in by deleting it and waiting until it is Tombstone before stopping it
 *   (tiup `components/playground`), and upgrades a store by evicting its leaders first (TiUP
 *   rolling upgrade: docs.pingcap.com/tidb/stable/upgrade-tidb-using-tiup).
 */
import { Arg, Capture, CommandStep, Plan, literal } from "../steps";

/** Where and how the steps reach PD. */
export interface PdStepTarget {
    /** The `pd-ctl` executable, e.g. `pd-ctl` or `/pd-ctl` (in the `pingcap/pd` image). */
    pdCtl: string;
    /** URL of a PD member that stays (member 0), e.g. `http://pd-0:2379`. */
    pdUrl: string;
    /** `host:port` store `ordinal` advertises (`--advertise-addr`), e.g. `tikv-3:20160`. */
    storeAddress: (ordinal: number) => string;
    /**
     * PD member `ordinal`'s name (its `--name`); default `pd-<ordinal>`. The TiKV lab's scale-out
     * members are a group of their own, named `pd-join-<ordinal>` (labs/tikv/pd-cluster.ts).
     */
    memberName?: (ordinal: number) => string;
}

/** PD's `max-replicas` default: a region's replica count. */
export const PD_MAX_REPLICAS = 3;

/** Bounds of the waits, seconds. */
export interface PdStepTimeouts {
    /** PD moves every region off a deleted store; default 1,800. */
    tombstoneSeconds: number;
    /** Leaders leave an evicted store; default 300. */
    evictSeconds: number;
    /** A restarted store is Up; a PD leader moves; default 300. */
    rejoinSeconds: number;
    /** Store IDs answer; default 120. */
    answerSeconds: number;
    /** Poll interval; default 5. */
    intervalSeconds: number;
}

/** Defaults of {@link PdStepTimeouts}. */
export const PD_STEP_TIMEOUTS: PdStepTimeouts = {
    tombstoneSeconds: 1800,
    evictSeconds: 300,
    rejoinSeconds: 300,
    answerSeconds: 120,
    intervalSeconds: 5,
};

function ctl(t: PdStepTarget, ...args: Arg[]): Arg[] {
    return [t.pdCtl, "-u", t.pdUrl, ...args];
}

/** The store ID of store `ordinal`, from `pd-ctl store` (flattened JSON: the ID precedes the address). */
function storeIdCapture(t: PdStepTarget, ordinal: number, s: PdStepTimeouts): Capture {
    return {
        name: "STORE_ID",
        argv: ctl(t, "store"),
        flatten: true,
        pattern: `"id":([0-9]+),"address":"${literal(t.storeAddress(ordinal))}"`,
        timeoutSeconds: s.answerSeconds,
        intervalSeconds: s.intervalSeconds,
        waitingFor: `the store ID of tikv-${ordinal} (address ${t.storeAddress(ordinal)}) in pd-ctl store`,
    };
}

/** Why a store scale-in is refused; empty when allowed. */
export function tikvScaleInProblems(from: number, to: number, maxReplicas = PD_MAX_REPLICAS): string[] {
    if (to >= from || to >= maxReplicas) return [];
    return [
        `tikv.stores: ${from} → ${to} leaves fewer stores than PD's max-replicas (${maxReplicas}): a deleted store would stay Offline forever; keep ≥ ${maxReplicas} stores`,
    ];
}

/**
 * Store scale-in from `from` to `to`: for each store from the highest ordinal down, one at a
 * time, `store delete <id>` and wait for Tombstone; then the platform removes them (its volumes
 * are kept). Every removal comes after every Tombstone, as with `tiup cluster scale-in` of
 * several stores (docs.pingcap.com/tidb/stable/tiup-component-cluster-scale-in: the stores are
 * taken offline through the API, they become Tombstone, then `tiup cluster prune` stops them),
 * because the lab removes the leaving stores in one platform change (one StatefulSet shrink; on
 * Docker, the containers one `pulumi up` no longer declares): labs/tikv/scale-in.ts runs the
 * commands as one task.
 * @throws Error when {@link tikvScaleInProblems} refuses it.
 */
export function tikvScaleIn(
    t: PdStepTarget,
    from: number,
    to: number,
    timeouts: Partial<PdStepTimeouts> = {},
    maxReplicas = PD_MAX_REPLICAS,
): Plan {
    const problems = tikvScaleInProblems(from, to, maxReplicas);
    if (problems.length) throw new Error(problems.join("\n"));
    const s = { ...PD_STEP_TIMEOUTS, ...timeouts };
    const plan: Plan = [];
    for (let ordinal = from - 1; ordinal >= to; ordinal--) {
        const store = `tikv-${ordinal}`;
        plan.push({
            kind: "command",
            name: `delete store ${store} and wait for Tombstone`,
            capture: [storeIdCapture(t, ordinal, s)],
            // Newer PD versions leave Tombstone stores out of `pd-ctl store`: an absent address is a store already gone.
            unless: {
                argv: ctl(t, "store"),
                condition: { flatten: true, matches: ['"stores":'], absent: [`"address":"${literal(t.storeAddress(ordinal))}"`] },
                question: `${store} is no longer listed by pd-ctl store`,
            },
            run: ctl(t, "store", "delete", { captured: "STORE_ID" }),
            // A re-run on a store already Offline or Tombstone: the wait below decides.
            runMayFail: true,
            wait: {
                argv: ctl(t, "store", { captured: "STORE_ID" }),
                until: { flatten: true, matches: ['"state_name":"Tombstone"'] },
                timeoutSeconds: s.tombstoneSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `store ${store} to become Tombstone (pd-ctl store)`,
            },
        });
    }
    for (let ordinal = from - 1; ordinal >= to; ordinal--) {
        plan.push({
            kind: "platform",
            action: "remove-member",
            group: "tikv",
            ordinal,
            description: `stop tikv-${ordinal} (its volume is kept)`,
        });
    }
    return plan;
}

/** Moves the PD leader off `member` to `successor` when `member` leads, and waits until another member leads. */
function pdLeaderMovedOff(t: PdStepTarget, member: string, successor: string, s: PdStepTimeouts): CommandStep {
    const named = `"name":"${literal(member)}"`;
    return {
        kind: "command",
        name: `move the PD leader off ${member}`,
        onlyIf: {
            argv: ctl(t, "member", "leader", "show"),
            condition: { flatten: true, matches: [named] },
            question: `${member} leads`,
        },
        run: ctl(t, "member", "leader", "transfer", successor),
        wait: {
            argv: ctl(t, "member", "leader", "show"),
            until: { flatten: true, matches: ['"name":"'], absent: [named] },
            timeoutSeconds: s.rejoinSeconds,
            intervalSeconds: s.intervalSeconds,
            waitingFor: `the PD leader to move off ${member} (pd-ctl member leader show)`,
        },
    };
}

/**
 * PD scale-in from `from` to `to` members: for each member from the highest ordinal down, move
 * the PD leader to member 0 when the leaving member leads, `member delete name <name>`, wait
 * until `pd-ctl member` no longer lists it; then the platform removes them (their volumes are
 * kept). Every removal comes after every member delete, for the reason {@link tikvScaleIn} gives;
 * the deletes stay one at a time, so the member list shrinks by one raft change each.
 * @throws Error when `to` is below 1.
 */
export function pdScaleIn(t: PdStepTarget, from: number, to: number, timeouts: Partial<PdStepTimeouts> = {}): Plan {
    if (to < 1) throw new Error(`pd.members: ${from} → ${to} leaves no PD member`);
    const s = { ...PD_STEP_TIMEOUTS, ...timeouts };
    const name = t.memberName ?? ((ordinal: number) => `pd-${ordinal}`);
    const plan: Plan = [];
    for (let ordinal = from - 1; ordinal >= to; ordinal--) {
        const member = name(ordinal);
        const named = `"name":"${literal(member)}"`;
        const leaderMoved = pdLeaderMovedOff(t, member, name(0), s);
        const deleted: CommandStep = {
            kind: "command",
            name: `delete PD member ${member}`,
            unless: {
                argv: ctl(t, "member"),
                condition: { flatten: true, matches: ['"members":'], absent: [named] },
                question: `${member} is no longer a member`,
            },
            run: ctl(t, "member", "delete", "name", member),
            wait: {
                argv: ctl(t, "member"),
                until: { flatten: true, matches: ['"members":'], absent: [named] },
                timeoutSeconds: s.rejoinSeconds,
                intervalSeconds: s.intervalSeconds,
                waitingFor: `${member} to leave the PD member list (pd-ctl member)`,
            },
        };
        plan.push(leaderMoved, deleted);
    }
    for (let ordinal = from - 1; ordinal >= to; ordinal--) {
        plan.push({
            kind: "platform",
            action: "remove-member",
            group: "pd",
            ordinal,
            description: `stop ${name(ordinal)} (its volume is kept)`,
        });
    }
    return plan;
}

/**
 * A rolling restart of `stores` stores (a version or flag change): for each store from the
 * highest ordinal down, add an evict-leader scheduler for it, wait until it holds no leaders,
 * the platform replaces it, wait until it is Up again, remove the scheduler; then the next.
 */
export function tikvRollingRestart(t: PdStepTarget, stores: number, timeouts: Partial<PdStepTimeouts> = {}): Plan {
    const s = { ...PD_STEP_TIMEOUTS, ...timeouts };
    const plan: Plan = [];
    for (let ordinal = stores - 1; ordinal >= 0; ordinal--) {
        const store = `tikv-${ordinal}`;
        plan.push(
            {
                kind: "command",
                name: `evict leaders from ${store}`,
                capture: [storeIdCapture(t, ordinal, s)],
                run: ctl(t, "scheduler", "add", "evict-leader-scheduler", { captured: "STORE_ID" }),
                wait: {
                    argv: ctl(t, "store", { captured: "STORE_ID" }),
                    until: { flatten: true, matches: ['"status":'], absent: ['"leader_count":[1-9]'] },
                    timeoutSeconds: s.evictSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `${store} to hold 0 leaders (pd-ctl store: leader_count)`,
                },
            },
            { kind: "platform", action: "replace-member", group: "tikv", ordinal, description: `restart ${store} with its new spec` },
            {
                kind: "command",
                name: `${store} Up again; stop evicting its leaders`,
                capture: [storeIdCapture(t, ordinal, s)],
                wait: {
                    argv: ctl(t, "store", { captured: "STORE_ID" }),
                    until: { flatten: true, matches: ['"state_name":"Up"'] },
                    timeoutSeconds: s.rejoinSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `${store} to be Up after its restart (pd-ctl store)`,
                },
            },
            {
                kind: "command",
                name: `remove the evict-leader scheduler of ${store}`,
                capture: [storeIdCapture(t, ordinal, s)],
                run: ctl(t, "scheduler", "remove", { prefix: "evict-leader-scheduler-", captured: "STORE_ID" }),
                // pd-ctl prints "Failed to …" and exits 0 when PD refuses: the scheduler list decides.
                // One store at a time, so no evict-leader scheduler is left.
                wait: {
                    argv: ctl(t, "scheduler", "show"),
                    until: { matches: ["balance-"], absent: ["evict-leader-scheduler"] },
                    timeoutSeconds: s.answerSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `the evict-leader scheduler of ${store} to be gone (pd-ctl scheduler show)`,
                },
            },
        );
    }
    return plan;
}

/**
 * A rolling restart of `members` PD members (a version or flag change on Docker), from the
 * highest ordinal down, one at a time: move the PD leader off the member when it leads (to member
 * 0, or 1 when member 0 itself goes), the platform replaces it, wait until `pd-ctl health` reports
 * it healthy again; then the next. TiUP upgrades PD this way, one member at a time with the leader
 * transferred away first, before any TiKV store (docs.pingcap.com/tidb/stable/upgrade-tidb-using-tiup).
 * @throws Error when `members` is below 2 (one member has no one to take its leadership).
 */
export function pdRollingRestart(t: PdStepTarget, members: number, timeouts: Partial<PdStepTimeouts> = {}): Plan {
    if (members < 2) throw new Error(`a PD rolling restart needs at least 2 members, got ${members}`);
    const s = { ...PD_STEP_TIMEOUTS, ...timeouts };
    const name = t.memberName ?? ((ordinal: number) => `pd-${ordinal}`);
    const plan: Plan = [];
    for (let ordinal = members - 1; ordinal >= 0; ordinal--) {
        const member = name(ordinal);
        const named = `"name":"${literal(member)}"`;
        plan.push(
            pdLeaderMovedOff(t, member, name(ordinal === 0 ? 1 : 0), s),
            { kind: "platform", action: "replace-member", group: "pd", ordinal, description: `restart ${member} with its new spec` },
            {
                kind: "command",
                name: `${member} healthy again`,
                wait: {
                    argv: ctl(t, "health"),
                    until: { flatten: true, matches: [`${named},"member_id":[0-9]+,"client_urls":\\[[^]]*\\],"health":true`] },
                    timeoutSeconds: s.rejoinSeconds,
                    intervalSeconds: s.intervalSeconds,
                    waitingFor: `${member} to report healthy after its restart (pd-ctl health)`,
                },
            },
        );
    }
    return plan;
}
