/**
 * App cluster scale-in as ordered steps (labs/steps.ts): the user's own raft service decides
 * what "leave" means, so the lab only sends an optional leave request — an HTTP `POST` to a
 * configured path on the leaving node's API — and then stops the highest nodes, keeping their
 * volumes (a node brought back finds its data). The request is sent with curl
 * (curl.se/docs/manpage.html: `-f` fails on HTTP ≥ 400, `-sS` quiet but shows errors, `-X POST`,
 * `--max-time` bounds one attempt).
 */
import { Plan } from "../steps";

/** A leave path: `/` then URL path characters only (RFC 3986 unreserved, `/`), at most 200 characters. */
export const LEAVE_PATH = /^\/[A-Za-z0-9._~\-/]{0,199}$/;

/** Where and how the steps reach the nodes. */
export interface AppStepTarget {
    /** The `curl` executable. */
    curl: string;
    /** `host:port` of node `id`'s API (1-based), e.g. `app-3-0:8080`. */
    apiAddress: (id: number) => string;
    /** The leave request's path, e.g. `/cluster/leave`; undefined: no request. */
    leavePath?: string;
}

/** Bounds of the leave request, seconds: default 60, every 2. */
export interface AppStepTimeouts {
    leaveSeconds: number;
    intervalSeconds: number;
}

/** Why a scale-in is refused; empty when allowed. */
export function appScaleInProblems(from: number, to: number, leavePath?: string): string[] {
    const problems: string[] = [];
    if (to < 1) problems.push(`app.nodes: ${from} → ${to} leaves no node`);
    if (leavePath !== undefined && !LEAVE_PATH.test(leavePath)) {
        problems.push(
            `app.leavePath: expected a URL path like /cluster/leave (letters, digits, . _ ~ - /), got ${JSON.stringify(leavePath)}`,
        );
    }
    return problems;
}

/**
 * Scale-in from `from` to `to` nodes (1-based ids), highest first: every leaving node's leave
 * request when `leavePath` is set (each retried until it answers 2xx, bounded; the next is sent
 * only after the previous one answered), then the platform stops the nodes. Every request precedes
 * the first removal, as in one `pulumi up` (labs/appcluster/leave.ts): the removed nodes' resources
 * are all deleted after the program's registrations, the leave task included, so the plan's first
 * segment is the whole task. A node that left and still runs is no longer a member; stopping it
 * changes no quorum.
 * @returns command steps (none without `leavePath`), then one `remove-member` step per node, highest first.
 * @throws Error when {@link appScaleInProblems} refuses it.
 */
export function appScaleIn(t: AppStepTarget, from: number, to: number, timeouts: Partial<AppStepTimeouts> = {}): Plan {
    const problems = appScaleInProblems(from, to, t.leavePath);
    if (problems.length) throw new Error(problems.join("\n"));
    const s = { leaveSeconds: 60, intervalSeconds: 2, ...timeouts };
    const leaving = Array.from({ length: Math.max(0, from - to) }, (_, i) => from - i);
    const asks: Plan = t.leavePath
        ? leaving.map((id) => {
              const url = `http://${t.apiAddress(id)}${t.leavePath}`;
              return {
                  kind: "command",
                  name: `ask app-${id} to leave (POST ${url})`,
                  run: [t.curl, "-fsS", "--max-time", "10", "-X", "POST", url],
                  retry: {
                      timeoutSeconds: s.leaveSeconds,
                      intervalSeconds: s.intervalSeconds,
                      waitingFor: `app-${id} to accept POST ${url}`,
                  },
              };
          })
        : [];
    const stops: Plan = leaving.map((id) => ({
        kind: "platform",
        action: "remove-member",
        group: `app-${id}`,
        ordinal: 0,
        description: `stop app-${id} (its volume is kept)`,
    }));
    return [...asks, ...stops];
}
