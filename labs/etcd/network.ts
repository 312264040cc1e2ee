/**
 * The etcd lab's network scenarios as data: what each peer proxy (docker/etcd-peer-proxy) is
 * told to do in each scenario, and the step that kills one member under load.
 *
 * Topology (etcd `tools/local-tester/Procfile`): every member listens for peers on its own peer
 * port and advertises its proxy's address as its peer URL, so every peer connection to a member
 * passes its proxy. Members advertise the proxy in every scenario, baseline included: entering
 * or leaving a network scenario changes only the proxies' flags (stateless processes), never a
 * member. Flags follow etcd's bridge (`tools/local-tester/bridge`): `-rx-delay`, `-blackhole`;
 * `-drop-from` is the proxy's own, for a complete partition (see docker/etcd-peer-proxy/proxy.go).
 */

/** The scenarios that change the peer network or a member's process. */
export const NETWORK_SCENARIOS = ["network-delay", "partition", "member-kill"] as const;
/** One of {@link NETWORK_SCENARIOS}. */
export type NetworkScenario = (typeof NETWORK_SCENARIOS)[number];

/** The settings the network scenarios read (the lab config's `etcd.*` keys). */
export interface NetworkSettings {
    /** `etcd.peerDelayMs`: receive delay of every peer link in network-delay, milliseconds (seed lab: 1000). */
    peerDelayMs: number;
    /** `etcd.faultMember`: ordinal of the member partition isolates and member-kill kills. */
    faultMember: number;
}

/**
 * The fault flags of every proxy in `scenario` (empty: forward untouched). One list for all
 * proxies — a Kubernetes StatefulSet has one pod template — so partition names the isolated
 * member's URL with `-isolate` and each proxy decides from its own `-advertised` URL: the
 * isolated member's proxy drops every connection to it, every other proxy the connections the
 * isolated member dials, so its own messages reach no one either (etcd-io/etcd#17737).
 * @param advertised the peer URL each member advertises (its proxy's), by ordinal.
 */
export function proxyFlags(scenario: string, advertised: string[], s: NetworkSettings): string[] {
    switch (scenario) {
        case "network-delay":
            return [`-rx-delay=${s.peerDelayMs}ms`];
        case "partition":
            return [`-isolate=${advertised[s.faultMember]}`];
        default:
            return [];
    }
}

/**
 * The gofail term that crashes a member (member-kill): `panic` at `raftBeforeSave`
 * (etcd 3.5.17 `server/etcdserver/raft.go`, hit on every Ready with entries, so at once under
 * load). A panic ends the process without a graceful stop, as a kill does; the platform's restart
 * policy (Docker `unless-stopped`, Kubernetes `restartPolicy: Always`) starts it again, and
 * the new process replays its WAL. etcd's robustness tests crash members the same way.
 * Failpoint terms live in process memory, so the restarted member runs without it.
 */
export const KILL_FAILPOINT = { name: "raftBeforeSave", term: "panic" };

/** The key (base64 of `clusterlab/member-kill`, etcd's JSON gateway takes base64 keys) the kill step writes to make the victim save a raft entry. */
export const KILL_WRITE_KEY = "Y2x1c3RlcmxhYi9tZW1iZXIta2lsbA==";

/** Seconds the member-kill step waits for the member to come back and catch up. */
export const KILL_RECOVERY_SECONDS = 120;

/**
 * The member-kill step, a POSIX sh script (curl, sed):
 * 1. note the victim's revision and process start time (`process_start_time_seconds`, the Go
 *    process collector on etcd's `/metrics`);
 * 2. set {@link KILL_FAILPOINT} on its gofail endpoint (`PUT /<name>` with the term as body,
 *    etcd-io/gofail `runtime/http.go`) — exit 1 if that fails;
 * 3. write a key through `peer` once a second while the gofail endpoint still reports the term
 *    (`GET /<name>`): the term lives in process memory, so it vanishes when the member crashes,
 *    even if the restart policy brings it back faster than a poll of its client port would see;
 * 4. wait until the member answers again from a new process (another start time) with a revision
 *    at least the first one and within 1000 of `peer`'s (`/v3/maintenance/status` header revision
 *    through etcd's JSON gateway).
 * Each wait is bounded by {@link KILL_RECOVERY_SECONDS}; the script prints what it saw and exits
 * 1 with the reason when a bound passes.
 * @param victim the member's in-lab client URL and gofail URL; `peer` another member's client URL.
 */
export function memberKillScript(victim: { client: string; failpoints: string }, peer: string): string {
    const status = (url: string) => `curl -fsS --max-time 3 -X POST ${url}/v3/maintenance/status -d '{}'`;
    const rev = `sed -n 's/.*"revision":"\\([0-9]*\\)".*/\\1/p'`;
    const started = `curl -fsS --max-time 3 ${victim.client}/metrics 2>/dev/null | sed -n 's/^process_start_time_seconds //p'`;
    const failpoint = `${victim.failpoints}/${KILL_FAILPOINT.name}`;
    const limit = KILL_RECOVERY_SECONDS;
    return [
        "set -u",
        `before=$(${status(victim.client)} | ${rev}); started=$(${started})`,
        `echo "revision before the kill: $before; process started at $started"`,
        `[ -n "$before" ] && [ -n "$started" ] || { echo "the member does not answer"; exit 1; }`,
        `curl -fsS --retry 5 --max-time 5 -X PUT -d '${KILL_FAILPOINT.term}' ${failpoint} || { echo "could not set ${KILL_FAILPOINT.name}"; exit 1; }`,
        // The failpoint fires when the member saves a raft entry, i.e. on a write: the lab's load may
        // have finished (an unchanged benchmark is not re-run by a scenario switch), so the step
        // writes one key a second through another member while the failpoint is still armed.
        `i=0; while [ "$(curl -fsS --max-time 3 ${failpoint} 2>/dev/null)" = '${KILL_FAILPOINT.term}' ] && [ $i -lt ${limit} ]; do curl -fsS --max-time 3 -X POST ${peer}/v3/kv/put -d '{"key":"${KILL_WRITE_KEY}","value":"MQ=="}' >/dev/null 2>&1; sleep 1; i=$((i + 1)); done`,
        `[ $i -lt ${limit} ] || { echo "member did not crash within ${limit} s"; exit 1; }`,
        `echo "member down after $i s"`,
        `i=0; mine=; other=; now=; while [ $i -lt ${limit} ]; do`,
        `  now=$(${started}); mine=$(${status(victim.client)} 2>/dev/null | ${rev}); other=$(${status(peer)} 2>/dev/null | ${rev})`,
        `  [ -n "$now" ] && [ "$now" != "$started" ] && [ -n "$mine" ] && [ -n "$other" ] && [ "$mine" -ge "$before" ] && [ $((other - mine)) -le 1000 ] && break`,
        "  sleep 1; i=$((i + 1))",
        "done",
        `[ $i -lt ${limit} ] || { echo "member not back and caught up within ${limit} s (started $started, now $now; revision $mine, another member $other)"; exit 1; }`,
        `echo "member back after $i s from a new process (started at $now) at revision $mine (another member: $other)"`,
    ].join("\n");
}
