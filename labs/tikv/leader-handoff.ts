/**
 * A TiKV store hands its leaders off before its pod stops, on Kubernetes: the StatefulSet's
 * rolling update deletes one pod at a time, and each store's leaders move to other stores first,
 * as TiUP does before it restarts a store (docs.pingcap.com/tidb/stable/upgrade-tidb-using-tiup:
 * leaders are evicted from each TiKV before it is upgraded) and as Docker's roll does in its tasks
 * (labs/tikv/membership.ts `tikvRollingRestart`). Without it, a stopped store's regions go
 * leaderless until an election timeout passes.
 *
 * Three scripts, all in the lab's PD image (it ships `/pd-ctl` and a busybox shell:
 * labs/tikv/scale-in.ts), wired as a member helper (components/platform/types.ts
 * `MemberHelperSpec`):
 * - **preStop of the helper container** (the pod is being deleted): when the store is Up and
 *   another store is Up to take its leaders, `scheduler add evict-leader-scheduler <id>`, then
 *   wait (bounded) until the store holds no leaders; it writes `evicted` in the shared directory
 *   in every case, when it ends.
 * - **preStop of the TiKV container**: waits (bounded) for `evicted`, so TiKV gets SIGTERM only
 *   after its leaders left. The kubelet runs every container's preStop hook at once (Kubernetes
 *   docs, "Pod Lifecycle" → "Termination of Pods"), hence this wait. It needs `/bin/sh` in the
 *   `pingcap/tikv` image, which tidb-operator relies on too (it starts TiKV through
 *   `/bin/sh /usr/local/bin/tikv_start_script.sh`: pingcap/tidb-operator
 *   `charts/tidb-cluster/templates/scripts/_start_tikv.sh.tpl`).
 * - **the helper container's own script**: waits (bounded; the kubelet restarts it after) until the
 *   store is Up, removes its evict-leader scheduler if it has one, then marks the pod ready. Its
 *   readiness gates the pod, and a rolling update deletes the next pod only once this one is
 *   Ready (Kubernetes docs, "StatefulSets" → "Rolling Updates"), so one store at a time is evicted.
 *
 * A stop of every store at once (the StatefulSet scaled to 0, the namespace deleted) is no roll:
 * a store stops waiting as soon as another store is evicting too, or no other store is Up any
 * more (PD marks a stopped store Disconnected once its heartbeats stop), since the leaders would
 * have nowhere to go. A store scale-in deletes its stores through PD first (Tombstone:
 * labs/tikv/scale-in.ts), so a leaving pod finds its store no longer Up and evicts nothing.
 *
 * pd-ctl commands and output shapes: docs.pingcap.com/tidb/stable/pd-control — `store` (the
 * store's `id` precedes its `address`; `state_name`; `leader_count`, omitted at 0 by some
 * versions), `scheduler add evict-leader-scheduler <store id>`, `scheduler remove
 * evict-leader-scheduler-<store id>`, `scheduler config evict-leader-scheduler` ("display the
 * stores in which the scheduler is located", since v4.0: `{"store-id-ranges": {"<id>": […]}}`).
 * pd-ctl prints "Failed to …" and exits 0 when PD refuses, so every outcome is read back from PD.
 * The scripts need `sh`, `grep` (`-E`, `-F`, `-o`), `sed -E`, `tr`, `head`, `wc`, `date`, `sleep`.
 */
import { MemberHelperSpec, MemberIdentity } from "../../components/platform";
import { shellQuote } from "../steps";

/** Bounds of the handoff, seconds. */
export interface LeaderHandoffTimeouts {
    /** Leaders leave the stopping store (TiUP's `--transfer-timeout` default is 600; Docker's roll uses 300). Default 300. */
    evictSeconds: number;
    /** PD answers with the store's ID (preStop). Default 30. */
    answerSeconds: number;
    /** The restarted store is Up in PD before the helper container restarts to wait again. Default 600. */
    upSeconds: number;
    /** TiKV's own shutdown after SIGTERM, inside the pod's grace period. Default 60. */
    shutdownSeconds: number;
    /** Between polls (may be fractional). Default 2. */
    intervalSeconds: number;
}

/** Defaults of {@link LeaderHandoffTimeouts}. */
export const LEADER_HANDOFF_TIMEOUTS: LeaderHandoffTimeouts = {
    evictSeconds: 300,
    answerSeconds: 30,
    upSeconds: 600,
    shutdownSeconds: 60,
    intervalSeconds: 2,
};

/** What the scripts need. */
export interface LeaderHandoffArgs {
    /** `pd-ctl` in the helper image, e.g. `/pd-ctl`. */
    pdCtl: string;
    /** A PD client URL that stays, e.g. `http://pd-0.pd-peer.lab.svc.cluster.local:2379`. */
    pdUrl: string;
    /** Directory the helper and TiKV share, e.g. `/etc/tikv-handoff`. */
    sharedPath: string;
    timeouts?: Partial<LeaderHandoffTimeouts>;
}

/** The helper container's name (`kubectl logs <pod> -c tikv-handoff`). */
export const HANDOFF_CONTAINER = "tikv-handoff";

const PATH_GRAMMAR = /^\/[A-Za-z0-9._/-]+$/;
const URL_GRAMMAR = /^https?:\/\/[A-Za-z0-9.-]+:[0-9]{1,5}$/;

/** The bounds with their defaults, after checking every value that reaches a script against its grammar. */
function checked(args: LeaderHandoffArgs): LeaderHandoffTimeouts {
    if (!PATH_GRAMMAR.test(args.pdCtl)) throw new Error(`leader handoff: pdCtl ${JSON.stringify(args.pdCtl)} is not an absolute path`);
    if (!PATH_GRAMMAR.test(args.sharedPath))
        throw new Error(`leader handoff: sharedPath ${JSON.stringify(args.sharedPath)} is not an absolute path`);
    if (!URL_GRAMMAR.test(args.pdUrl)) throw new Error(`leader handoff: pdUrl ${JSON.stringify(args.pdUrl)} is not http(s)://host:port`);
    const t = { ...LEADER_HANDOFF_TIMEOUTS, ...args.timeouts };
    // Bounds enter shell arithmetic (whole seconds); the interval only `sleep` (busybox and GNU take fractions).
    for (const [key, value] of Object.entries(t)) {
        const whole = key !== "intervalSeconds";
        if (!(value > 0 && (!whole || Number.isInteger(value))))
            throw new Error(`leader handoff: ${key} must be a positive ${whole ? "whole " : ""}number of seconds, got ${value}`);
    }
    return t;
}

/**
 * Shell lines every script starts with: settings, `say` (timestamped, to `$HANDOFF_LOG` when it is
 * writable — `/proc/1/fd/1` by default, the container's log, since hook output is not kept
 * otherwise — else stdout), and the PD queries.
 */
function preamble(args: LeaderHandoffArgs): string[] {
    return [
        "set -u",
        `PD_CTL=${shellQuote(args.pdCtl)}; PD_URL=${shellQuote(args.pdUrl)}; DIR=${shellQuote(args.sharedPath)}`,
        `: "\${STORE_ADDRESS:?STORE_ADDRESS is not set}"; : "\${POD_NAME:?POD_NAME is not set}"`,
        `LOG="\${HANDOFF_LOG:-/proc/1/fd/1}"; [ -w "$LOG" ] || LOG=/dev/stdout`,
        `say() { printf '%s tikv-handoff %s: %s\\n' "$(date -u +%H:%M:%S)" "$POD_NAME" "$*" >>"$LOG"; }`,
        `ctl() { "$PD_CTL" -u "$PD_URL" "$@" 2>&1; }`,
        `flat() { tr -d ' \\t\\r\\n'; }`,
        // The ID of the store advertising $STORE_ADDRESS: fixed-string match, anchored by the quotes around it.
        `store_id() { ctl store | flat | grep -o '"id":[0-9]*,"address":"[^"]*"' | grep -F -e ",\\"address\\":\\"$STORE_ADDRESS\\"" | head -n 1 | sed -E 's/^"id":([0-9]+),.*$/\\1/'; }`,
        `store_state() { ctl store "$1" | flat | sed -n -E 's/.*"state_name":"([A-Za-z]+)".*/\\1/p' | head -n 1; }`,
        `store_leaders() { n=$(ctl store "$1" | flat | sed -n -E 's/.*"leader_count":([0-9]+).*/\\1/p' | head -n 1); printf '%s\\n' "\${n:-0}"; }`,
        `up_stores() { ctl store | flat | grep -o '"state_name":"Up"' | wc -l | tr -d ' '; }`,
        `evicting() { ctl scheduler config evict-leader-scheduler | flat | grep -o '"[0-9]*":\\[' | tr -dc '0-9\\n'; }`,
        `evicting_other() { evicting | grep -v -x -F -e "$1" | head -n 1; }`,
    ];
}

/**
 * The helper container's preStop: evict the store's leaders, bounded, then write `evicted`.
 * Exits 0 in every case (a failed hook only delays the kill), and always leaves `evicted`, so the
 * TiKV container's wait ends.
 * @throws Error when a path, the URL or a bound is malformed.
 */
export function leaderHandoffPreStopScript(args: LeaderHandoffArgs): string {
    const t = checked(args);
    return (
        [
            ...preamble(args),
            `trap ': >"$DIR/evicted"' EXIT`,
            `id=''; i=0; deadline=$(( $(date +%s) + ${t.answerSeconds} ))`,
            `while [ -z "$id" ] && [ "$i" -lt ${Math.ceil(t.answerSeconds / t.intervalSeconds)} ] && [ "$(date +%s)" -lt "$deadline" ]; do`,
            `  id=$(store_id); [ -n "$id" ] || { i=$((i + 1)); sleep ${t.intervalSeconds}; }`,
            `done`,
            `if [ -z "$id" ]; then say "no store advertises $STORE_ADDRESS in PD after ${t.answerSeconds} s: nothing to evict"; exit 0; fi`,
            `state=$(store_state "$id")`,
            `if [ "$state" != Up ]; then say "store $id is \${state:-not answering}, not Up: nothing to evict"; exit 0; fi`,
            `if [ "$(up_stores)" -lt 2 ]; then say "store $id is the only store Up: its leaders have nowhere to go"; exit 0; fi`,
            `other=$(evicting_other "$id")`,
            `if [ -n "$other" ]; then say "store $other is being evicted too: the stores are stopping together, not rolling; not evicting store $id"; exit 0; fi`,
            `say "evicting the leaders of store $id ($STORE_ADDRESS): at most ${t.evictSeconds} s"`,
            `added=$(ctl scheduler add evict-leader-scheduler "$id")`,
            // pd-ctl exits 0 on a refusal: PD's own list of evicted stores decides.
            `if ! evicting | grep -q -x -F -e "$id"; then say "PD did not add an evict-leader scheduler for store $id (pd-ctl: $added): TiKV stops with its leaders"; exit 0; fi`,
            `i=0; deadline=$(( $(date +%s) + ${t.evictSeconds} ))`,
            `while [ "$i" -lt ${Math.ceil(t.evictSeconds / t.intervalSeconds)} ] && [ "$(date +%s)" -lt "$deadline" ]; do`,
            `  n=$(store_leaders "$id")`,
            `  if [ "$n" = 0 ]; then say "store $id holds 0 leaders: TiKV may stop"; exit 0; fi`,
            `  other=$(evicting_other "$id")`,
            `  if [ -n "$other" ]; then say "store $other is being evicted too: the stores are stopping together; TiKV stops with $n leaders"; exit 0; fi`,
            // The others stopped (PD sees them Disconnected): nowhere left for the leaders, as when every pod is deleted at once.
            `  if [ "$(up_stores)" -lt 2 ]; then say "no other store is Up any more: the stores are stopping together; TiKV stops with $n leaders"; exit 0; fi`,
            `  i=$((i + 1)); sleep ${t.intervalSeconds}`,
            `done`,
            `say "timed out after ${t.evictSeconds} s waiting for store $id to hold 0 leaders (pd-ctl store: leader_count $(store_leaders "$id")); TiKV stops anyway, and its regions elect new leaders after an election timeout"`,
        ].join("\n") + "\n"
    );
}

/** Seconds the TiKV container's preStop waits for `evicted` at most: the helper's worst case plus PD's answers. */
export function memberWaitSeconds(t: LeaderHandoffTimeouts): number {
    return t.answerSeconds + t.evictSeconds + 2 * t.answerSeconds;
}

/**
 * The TiKV container's preStop: wait for `evicted` (1 s polls), at most {@link memberWaitSeconds}.
 * @throws Error as {@link leaderHandoffPreStopScript}.
 */
export function leaderHandoffMemberPreStopScript(args: LeaderHandoffArgs): string {
    const t = checked(args);
    return (
        [
            `i=0; while [ ! -e ${shellQuote(`${args.sharedPath}/evicted`)} ] && [ "$i" -lt ${memberWaitSeconds(t)} ]; do sleep 1; i=$((i + 1)); done`,
        ].join("\n") + "\n"
    );
}

/**
 * The helper container's own script: wait until the store is Up (bounded: it exits 1 after
 * `upSeconds`, and the kubelet restarts it), remove its evict-leader scheduler while PD lists one
 * (bounded), write `ready`, then idle until SIGTERM.
 * @throws Error as {@link leaderHandoffPreStopScript}.
 */
export function leaderHandoffStartScript(args: LeaderHandoffArgs): string {
    const t = checked(args);
    const polls = (seconds: number) => Math.ceil(seconds / t.intervalSeconds);
    return (
        [
            ...preamble(args),
            `rm -f "$DIR/ready" "$DIR/evicted"`,
            `say "waiting for the store at $STORE_ADDRESS to be Up in PD: at most ${t.upSeconds} s"`,
            `id=''; i=0; deadline=$(( $(date +%s) + ${t.upSeconds} ))`,
            `while :; do`,
            `  id=$(store_id)`,
            `  if [ -n "$id" ] && [ "$(store_state "$id")" = Up ]; then break; fi`,
            `  i=$((i + 1))`,
            `  if [ "$i" -ge ${polls(t.upSeconds)} ] || [ "$(date +%s)" -ge "$deadline" ]; then`,
            `    state=''; [ -z "$id" ] || state=$(store_state "$id")`,
            `    say "timed out after ${t.upSeconds} s waiting for the store at $STORE_ADDRESS to be Up (pd-ctl store: id '$id', state '$state')" >&2; exit 1`,
            `  fi`,
            `  sleep ${t.intervalSeconds}`,
            `done`,
            `i=0; deadline=$(( $(date +%s) + ${t.answerSeconds} ))`,
            `while evicting | grep -q -x -F -e "$id"; do`,
            `  if [ "$i" -ge ${polls(t.answerSeconds)} ] || [ "$(date +%s)" -ge "$deadline" ]; then`,
            `    say "timed out after ${t.answerSeconds} s waiting for the evict-leader scheduler of store $id to be gone (pd-ctl scheduler config evict-leader-scheduler)" >&2; exit 1`,
            `  fi`,
            `  ctl scheduler remove "evict-leader-scheduler-$id" >/dev/null; i=$((i + 1)); sleep ${t.intervalSeconds}`,
            `done`,
            `: >"$DIR/ready"`,
            `say "store $id is Up with no evict-leader scheduler: ready"`,
            // The idle sleep goes with the script, so a stop leaves no process behind.
            `idle=''; trap '[ -z "$idle" ] || kill "$idle" 2>/dev/null; exit 0' TERM INT`,
            `while :; do sleep 3600 & idle=$!; wait "$idle"; done`,
        ].join("\n") + "\n"
    );
}

/**
 * The member helper of a TiKV group on Kubernetes ({@link MemberHelperSpec}): the helper container
 * `tikv-handoff` in `image` (the lab's PD image) with its start script, readiness (`ready`
 * exists) and preStop, the TiKV container's preStop, `STORE_ADDRESS` from the member's identity
 * (`<host>:<storePort>`, as its `--advertise-addr`), and a grace period covering the wait and
 * TiKV's shutdown.
 * @throws Error as {@link leaderHandoffPreStopScript}.
 */
export function tikvLeaderHandoff(image: MemberHelperSpec["image"], storePort: number, args: LeaderHandoffArgs): MemberHelperSpec {
    const t = checked(args);
    return {
        image,
        sharedPath: args.sharedPath,
        env: (member: MemberIdentity) => ({ STORE_ADDRESS: `${member.host}:${storePort}` }),
        beside: {
            name: HANDOFF_CONTAINER,
            script: leaderHandoffStartScript(args),
            readiness: {
                exec: ["/bin/sh", "-c", `test -f ${shellQuote(`${args.sharedPath}/ready`)}`],
                initialDelaySeconds: 1,
                periodSeconds: 2,
            },
            preStop: leaderHandoffPreStopScript(args),
        },
        memberPreStop: leaderHandoffMemberPreStopScript(args),
        stopGraceSeconds: memberWaitSeconds(t) + t.shutdownSeconds,
    };
}
