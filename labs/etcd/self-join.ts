/**
 * etcd members that join and leave by themselves, for Kubernetes: one StatefulSet pod template
 * serves every ordinal, so a joining member cannot be given its own `--initial-cluster` and
 * `--initial-cluster-state=existing` as flags. Instead two `sh` scripts run in the steps image
 * (a POSIX shell and `etcdctl`; the official etcd image is distroless) beside the member:
 *
 * - the **start script** (an init container) asks the other members for the member list and
 *   writes the member's etcd config file (`--config-file`; its keys are the flag names:
 *   etcd.io/docs/v3.5/op-guide/configuration/ "Configuration file", and `etcd.conf.yml.sample` in
 *   etcd-io/etcd). A member not in the list adds itself as a learner
 *   (`etcdctl member add <name> --peer-urls=<url> --learner`), retried while etcd refuses a second
 *   learner ("too many learner members in cluster": one learner at a time,
 *   etcd.io/docs/v3.5/learning/design-learner/), and starts with state `existing` and the
 *   `ETCD_INITIAL_CLUSTER` that `member add` prints (or, when the add was applied though etcdctl
 *   reported a failure, the list it then appears in). A removed member's old data cannot rejoin
 *   ("the member has been permanently removed from the cluster":
 *   etcd.io/docs/v3.5/op-guide/runtime-configuration/), so a member whose data dir exists but whose
 *   peer URL the list lacks moves `member/` aside (never deletes it) and joins anew. What it may
 *   not do, it refuses with a message and a non-zero exit (the kubelet retries, backing off):
 *   - start a cluster of its own: state `new` only before the cluster was first deployed (the
 *     state's `bootstrapped`), for a bootstrap ordinal nobody answers; after that, a member with
 *     an empty volume waits for the others;
 *   - rejoin while leaving: an ordinal at or above the configured count (the state's `members`)
 *     never adds itself, so a removed member's pod restarted before the StatefulSet shrinks
 *     stays out;
 *   - restart a started member without its data (a lost volume): raft cannot, so it names the fix
 *     (`member remove`, then a new pod joins as a learner).
 * - the **promote script** (a second container) promotes its member once it is in sync
 *   (`etcdctl member promote <id>` fails "can only promote a learner member which is in sync with
 *   leader" until then), then marks it voting (a file: the container's readiness) and idles. The
 *   pod is Ready only then — a learner's `/health` answers true, so the member's own probe cannot
 *   tell — and the StatefulSet's rollout and `pulumi up` wait for exactly that.
 *
 * Both scripts hold a table of every ordinal the lab can have (etcd.members ≤ 5), never the
 * current count, so a count change leaves the pod template as it was: the StatefulSet only
 * changes `replicas`. Removals are the lab's scale-in task, run before the StatefulSet shrinks
 * (labs/etcd/membership-tasks.ts `etcdShrinkTask`).
 */
import { stringify } from "yaml";
import { shellQuote } from "../steps";
import { etcdMemberName } from "./membership";

/** The highest member count the lab allows (labs/etcd/config.ts `members`: 1, 3 or 5). */
export const ETCD_MAX_MEMBERS = 5;

/** One row of the scripts' table: member `ordinal` as its flags and its peers' steps see it. */
export interface EtcdStartMember {
    ordinal: number;
    /**
     * The member's etcd flags (labs/etcd/etcd-cluster.ts `etcdMemberFlags`), `--key=value` each;
     * `--initial-cluster` and `--initial-cluster-state` are the start script's to decide.
     */
    flags: string[];
    /** Where the other members' scripts reach its client port, e.g. `http://etcd-3.etcd-peer.ns.svc.cluster.local:2379`. */
    clientUrl: string;
}

/** Bounds of the scripts' waits, seconds. */
export interface EtcdSelfJoinTimeouts {
    /** The member list answers (a joiner retries this long before giving up); default 60. */
    listSeconds: number;
    /**
     * How long a member that could start without the list (a bootstrap ordinal, or one with data)
     * still asks for it, so a transient failure does not make a removed member bootstrap or restart
     * on its old data; at the first bootstrap nobody answers and each member waits this long; default 10.
     */
    startableListSeconds: number;
    /** `member add --learner` succeeds (another learner may be catching up first); default 300. */
    addSeconds: number;
    /** The learner is promoted; default 300. */
    promoteSeconds: number;
    /** Poll interval; default 2. */
    intervalSeconds: number;
}

/** Defaults of {@link EtcdSelfJoinTimeouts}. */
export const ETCD_SELF_JOIN_TIMEOUTS: EtcdSelfJoinTimeouts = {
    listSeconds: 60,
    startableListSeconds: 10,
    addSeconds: 300,
    promoteSeconds: 300,
    intervalSeconds: 2,
};

/** What both scripts need. */
export interface EtcdSelfJoinArgs {
    /** Every ordinal the lab can have, 0..{@link ETCD_MAX_MEMBERS}−1, in order. */
    members: EtcdStartMember[];
    /** How many members bootstrapped the cluster (labs/etcd/joins.ts): ordinals below it may start with state `new`. */
    bootstrap: number;
    /** The `etcdctl` executable, e.g. `/usr/local/bin/etcdctl`. */
    etcdctl: string;
    /** Where the start script writes the config file the member starts with, e.g. `/etc/etcd-start/etcd.conf.yml`. */
    configPath: string;
    /**
     * A directory the scripts read the lab's membership state from, kept outside the pod template
     * so a change does not roll the pods (Kubernetes: a ConfigMap volume): `members`, the configured
     * count (an ordinal at or above it never adds itself), and `bootstrapped`, `yes` once the cluster
     * has been deployed (a member with an empty volume then never starts a cluster of its own).
     * Write it with {@link etcdSelfJoinState}.
     */
    statePath: string;
    /** The file the promote script creates once its member votes (the promote container's readiness). */
    votingFile: string;
    timeouts?: Partial<EtcdSelfJoinTimeouts>;
}

/** The files of {@link EtcdSelfJoinArgs.statePath}: file name → content. */
export function etcdSelfJoinState(members: number, bootstrapped: boolean): Record<string, string> {
    return { members: `${members}\n`, bootstrapped: bootstrapped ? "yes\n" : "no\n" };
}

/** Characters an etcd name or URL may carry into the scripts and config file. */
const SAFE = /^[A-Za-z0-9=,:/._-]+$/;

function flagValue(flags: string[], flag: string, ordinal: number): string {
    const found = flags.find((f) => f.startsWith(`--${flag}=`));
    if (found === undefined) throw new Error(`etcd member ${ordinal}: no --${flag} in ${flags.join(" ")}`);
    return found.slice(flag.length + 3);
}

/** A member's config file without the two keys the start script decides, as YAML. */
function staticConfig(m: EtcdStartMember): string {
    const entries = m.flags
        .map((f) => /^--([a-z-]+)=(.*)$/s.exec(f))
        .map((match, i) => {
            if (!match) throw new Error(`etcd member ${m.ordinal}: not a --key=value flag: ${m.flags[i]}`);
            return [match[1], /^\d+$/.test(match[2]) ? Number(match[2]) : match[2]] as const;
        })
        .filter(([key]) => key !== "initial-cluster" && key !== "initial-cluster-state");
    return stringify(Object.fromEntries(entries));
}

interface Row {
    ordinal: number;
    name: string;
    peer: string;
    dataDir: string;
    others: string;
    config: string;
}

function rows(args: EtcdSelfJoinArgs): Row[] {
    if (args.members.length !== ETCD_MAX_MEMBERS || args.members.some((m, i) => m.ordinal !== i)) {
        throw new Error(
            `etcd self-join: expected members 0..${ETCD_MAX_MEMBERS - 1} in order, got ${args.members.map((m) => m.ordinal).join(",")}`,
        );
    }
    return args.members.map((m) => {
        const row = {
            ordinal: m.ordinal,
            name: flagValue(m.flags, "name", m.ordinal),
            peer: flagValue(m.flags, "initial-advertise-peer-urls", m.ordinal),
            dataDir: flagValue(m.flags, "data-dir", m.ordinal),
            others: args.members
                .filter((o) => o.ordinal !== m.ordinal)
                .map((o) => o.clientUrl)
                .join(","),
            config: staticConfig(m),
        };
        for (const [what, value] of Object.entries({ name: row.name, peer: row.peer, others: row.others })) {
            if (!SAFE.test(value))
                throw new Error(`etcd member ${m.ordinal}: ${what} ${JSON.stringify(value)} has characters a URL list cannot`);
        }
        if (row.name !== etcdMemberName(m.ordinal))
            throw new Error(`etcd member ${m.ordinal}: --name=${row.name}, expected ${etcdMemberName(m.ordinal)}`);
        return row;
    });
}

/** Shell lines that set `ord` from `POD_NAME` (`etcd-3` → 3) and this member's row's variables. */
function selectRow(all: Row[], fields: (r: Row) => Record<string, string>): string[] {
    return [
        'pod="${POD_NAME:-}"',
        'ord="${pod##*-}"',
        'case "$ord" in',
        ...all.map(
            (r) =>
                `  ${r.ordinal}) ${Object.entries(fields(r))
                    .map(([k, v]) => `${k}=${shellQuote(v)}`)
                    .join("; ")} ;;`,
        ),
        `  *) echo "etcd start: POD_NAME='$pod' is not one of ${all.map((r) => r.name).join(", ")}" >&2; exit 2 ;;`,
        "esac",
    ];
}

function header(args: EtcdSelfJoinArgs, t: EtcdSelfJoinTimeouts): string[] {
    return [
        "set -u",
        `ETCDCTL=${shellQuote(args.etcdctl)}`,
        `INTERVAL=${t.intervalSeconds}`,
        // Ask every other ordinal: the ones that do not exist (yet) fail to connect and are skipped.
        'ctl() { "$ETCDCTL" --endpoints="$others" --dial-timeout=2s --command-timeout=5s "$@"; }',
        "now() { date +%s; }",
    ];
}

/**
 * The start script (an init container's `sh -c`): reads `POD_NAME`, writes
 * {@link EtcdSelfJoinArgs.configPath}, prints what it decided, exits 0; exits non-zero (the
 * kubelet runs it again, backing off) when a joiner finds no member answering within
 * `listSeconds`, or `member add` keeps failing for `addSeconds`.
 * @throws Error when the table is not ordinals 0..4, a flag is missing, or a name or URL has
 * characters outside `[A-Za-z0-9=,:/._-]`.
 */
export function etcdStartScript(args: EtcdSelfJoinArgs): string {
    const t = { ...ETCD_SELF_JOIN_TIMEOUTS, ...args.timeouts };
    const all = rows(args);
    if (!Number.isInteger(args.bootstrap) || args.bootstrap < 1 || args.bootstrap > ETCD_MAX_MEMBERS)
        throw new Error(`etcd self-join: bootstrap ${args.bootstrap} is not 1..${ETCD_MAX_MEMBERS}`);
    const bootCluster = all
        .slice(0, args.bootstrap)
        .map((r) => `${r.name}=${r.peer}`)
        .join(",");
    return (
        [
            ...header(args, t),
            `CONF=${shellQuote(args.configPath)}`,
            `STATE=${shellQuote(args.statePath)}`,
            `BOOTSTRAP=${args.bootstrap}`,
            `BOOT_CLUSTER=${shellQuote(bootCluster)}`,
            ...selectRow(all, (r) => ({ name: r.name, peer: r.peer, data: r.dataDir, others: r.others, static_conf: r.config })),
            // `member list -w simple` lines: `<id>, <started|unstarted>, <name>, <peer urls>, <client urls>, <is learner>`
            // (etcdctl printer_simple.go). An unstarted member has an empty name; this member is named by its peer URL.
            "cluster_of() {",
            "  out=''",
            "  while IFS= read -r l; do",
            '    [ -n "$l" ] || continue',
            '    rest="${l#*, }"; rest="${rest#*, }"',
            '    n="${rest%%, *}"; rest="${rest#*, }"; p="${rest%%, *}"',
            '    [ "$p" = "$peer" ] && n="$name"',
            '    [ -n "$n" ] || continue',
            '    out="${out:+$out,}$n=$p"',
            "  done",
            "  printf '%s' \"$out\"",
            "}",
            "write_conf() {",
            '  case "$2" in',
            `    ''|*[!A-Za-z0-9=,:/._-]*) echo "$name: refusing initial-cluster '$2' (empty, or characters a URL list cannot have)" >&2; exit 1 ;;`,
            "  esac",
            '  mkdir -p "$(dirname "$CONF")"',
            '  { printf \'%s\' "$static_conf"; printf \'initial-cluster: %s\\ninitial-cluster-state: %s\\n\' "$2" "$1"; } > "$CONF.tmp" && mv "$CONF.tmp" "$CONF" || exit 1',
            '  echo "$name: starts with initial-cluster-state $1, initial-cluster $2 ($CONF)"',
            "  exit 0",
            "}",
            // The lab's membership state (a ConfigMap): read once, refused when absent or malformed.
            'target="$(cat "$STATE/members" 2>/dev/null)"; bootstrapped="$(cat "$STATE/bootstrapped" 2>/dev/null)"',
            'case "$target" in [1-9]) ;; *) echo "$name: no membership state in $STATE/members (got \'$target\')" >&2; exit 1 ;; esac',
            'case "$bootstrapped" in yes|no) ;; *) echo "$name: no membership state in $STATE/bootstrapped (got \'$bootstrapped\')" >&2; exit 1 ;; esac',
            // `member list -w simple` lines only: etcdctl's retry warnings go to stderr, kept apart.
            'err="$(dirname "$CONF")/member-list.err"; mkdir -p "$(dirname "$CONF")"',
            "members() { ctl member list -w simple 2>\"$err\" | grep -E '^[0-9a-f]+, (un)?started, '; }",
            // The member list from the others, retried for a joiner (it cannot start without one).
            "listed=no; list=''",
            `deadline=$(( $(now) + ${t.listSeconds} ))`,
            // A bootstrap ordinal or a member with data can start without the list; a joiner cannot.
            `startable=no; if [ -d "$data/member" ] || [ "$ord" -lt "$BOOTSTRAP" ]; then startable=yes; deadline=$(( $(now) + ${t.startableListSeconds} )); fi`,
            "while :; do",
            '  if list="$(members)"; then listed=yes; break; fi',
            '  if [ "$startable" = yes ] && [ "$(now)" -ge "$deadline" ]; then break; fi',
            '  if [ "$(now)" -ge "$deadline" ]; then echo "$name: timed out after ' +
                t.listSeconds +
                's waiting for a member to answer member list at $others: $(tail -n 1 "$err")" >&2; exit 1; fi',
            '  echo "$name: no member answered yet ($(tail -n 1 "$err")); retrying"',
            '  sleep "$INTERVAL"',
            "done",
            'line=""',
            '[ "$listed" = yes ] && line="$(printf \'%s\\n\' "$list" | grep -F ", $peer, " | head -n 1)"',
            'if [ -d "$data/member" ]; then',
            '  if [ "$listed" = yes ] && [ -z "$line" ]; then',
            // Never deleted: moved aside, so a wrong answer costs a join, not the data.
            '    aside="$data/member.removed-$(now)"',
            '    mv "$data/member" "$aside" || { echo "$name: could not move $data/member aside" >&2; exit 1; }',
            '    echo "$name: $peer is not in the member list, so this member was removed; its old data cannot rejoin (kept at $aside)"',
            '  elif [ "$listed" = yes ]; then',
            '    write_conf existing "$(printf \'%s\\n\' "$list" | cluster_of)"',
            "  else",
            // etcd reads --initial-cluster* only without a data dir: any well-formed value restarts it.
            '    case ",$BOOT_CLUSTER," in *",$name=$peer,"*) write_conf existing "$BOOT_CLUSTER" ;; *) write_conf existing "$name=$peer" ;; esac',
            "  fi",
            "fi",
            // From here the member has no data.
            'if [ "$ord" -ge "$target" ]; then',
            '  echo "$name: ordinal $ord is at or above etcd.members ($target): not joining (its pod is leaving)" >&2; exit 1',
            "fi",
            'if [ "$listed" = no ]; then',
            '  if [ "$bootstrapped" = no ] && [ "$ord" -lt "$BOOTSTRAP" ]; then',
            '    echo "$name: no member answered at $others; bootstrapping with the others of $BOOT_CLUSTER"',
            '    write_conf new "$BOOT_CLUSTER"',
            "  fi",
            '  echo "$name: no member answered, and this cluster was bootstrapped before: with an empty volume this member would start a cluster of its own; waiting for the others (restore its volume if it was lost)" >&2',
            "  exit 1",
            "fi",
            'if [ -n "$line" ]; then',
            '  case "$line" in',
            // Listed and never started: a bootstrap member starting late (state new joins the others), or a learner added before a restart.
            '    *", unstarted, "*", false") if [ "$ord" -lt "$BOOTSTRAP" ]; then write_conf new "$BOOT_CLUSTER"; fi; write_conf existing "$(printf \'%s\\n\' "$list" | cluster_of)" ;;',
            '    *", unstarted, "*) write_conf existing "$(printf \'%s\\n\' "$list" | cluster_of)" ;;',
            "  esac",
            // Started before, no data now: a lost volume. etcd cannot restart such a member (raft panics on its empty log).
            '  echo "$name: listed as a started member (${line%%,*}) but its data dir is empty (a lost volume); etcd cannot restart it without its data: remove it (etcdctl member remove ${line%%,*}) and delete this pod, and it rejoins as a learner" >&2',
            "  exit 1",
            "fi",
            `deadline=$(( $(now) + ${t.addSeconds} ))`,
            "while :; do",
            '  if out="$(ctl member add "$name" --peer-urls="$peer" --learner 2>&1)"; then',
            '    echo "$name: added as a learner"',
            '    write_conf existing "$(printf \'%s\\n\' "$out" | sed -n \'s/^ETCD_INITIAL_CLUSTER="\\(.*\\)"$/\\1/p\')"',
            "  fi",
            // The add may have been applied though etcdctl reported a failure (a timeout): then this member is listed.
            '  if list="$(members)" && printf \'%s\\n\' "$list" | grep -qF ", $peer, "; then',
            '    echo "$name: listed after a failed member add ($out): starting as that member"',
            '    write_conf existing "$(printf \'%s\\n\' "$list" | cluster_of)"',
            "  fi",
            '  if [ "$(now)" -ge "$deadline" ]; then echo "$name: timed out after ' +
                t.addSeconds +
                's adding itself as a learner: $out" >&2; exit 1; fi',
            '  echo "$name: member add --learner refused ($out); retrying (etcd admits one learner at a time)"',
            '  sleep "$INTERVAL"',
            "done",
        ].join("\n") + "\n"
    );
}

/**
 * The promote script (a second container's `sh -c`): promotes this member while it is a learner,
 * retried until etcd accepts (it is in sync), then idles until the pod stops (TERM exits 0).
 * Exits 1 after `promoteSeconds` still a learner (or unlisted); the kubelet restarts it.
 * @throws Error as {@link etcdStartScript}.
 */
export function etcdPromoteScript(args: EtcdSelfJoinArgs): string {
    const t = { ...ETCD_SELF_JOIN_TIMEOUTS, ...args.timeouts };
    const all = rows(args);
    return (
        [
            ...header(args, t),
            // sh as PID 1 ignores TERM without a trap: a pod deleted mid-join would wait out its grace period.
            "trap 'exit 0' TERM INT",
            `VOTING=${shellQuote(args.votingFile)}`,
            ...selectRow(all, (r) => ({ name: r.name, peer: r.peer, others: r.others })),
            `deadline=$(( $(now) + ${t.promoteSeconds} ))`,
            "while :; do",
            '  line="$(ctl member list -w simple 2>/dev/null | grep -F ", $peer, " | head -n 1)"',
            '  case "$line" in',
            '    *", false") echo "$name: a voting member"; touch "$VOTING" || exit 1; break ;;',
            '    *", true") id="${line%%,*}"',
            '      if out="$(ctl member promote "$id" 2>&1)"; then echo "$name: promoted: $out"; continue; fi',
            '      echo "$name: still a learner ($out)" ;;',
            '    *) echo "$name: not in the member list yet" ;;',
            "  esac",
            '  if [ "$(now)" -ge "$deadline" ]; then echo "$name: timed out after ' +
                t.promoteSeconds +
                's waiting to promote it (still a learner, or not listed)" >&2; exit 1; fi',
            '  sleep "$INTERVAL"',
            "done",
            // Idle with the sleep in the background, so TERM reaches the shell at once; the trap stops the sleep too.
            "trap 'kill \"$!\" 2>/dev/null; exit 0' TERM INT",
            'while :; do sleep 3600 & wait "$!"; done',
        ].join("\n") + "\n"
    );
}
