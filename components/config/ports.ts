/**
 * Host ports a stack publishes, as data, and the check that no two ranges overlap and none runs
 * past 65535. Each lab lists its own keys ({@link HostPortKey}) beside its schema; the shared
 * ones (Prometheus, Grafana) are {@link SHARED_HOST_PORTS}.
 */
import { valueAt } from "./schema";

/**
 * One host port key: `path` is the port of the first member (member N publishes port + offset + N;
 * `offset` defaults to 0), `members` the path of the member count (absent: one port), `when`
 * boolean paths none of which may be false for the port to be published. A key absent from a
 * stack's config is skipped.
 */
export interface HostPortKey {
    path: string;
    members?: string;
    when?: string[];
    offset?: number;
}

/** Host ports every lab's observability publishes. */
export const SHARED_HOST_PORTS: HostPortKey[] = [
    { path: "observability.prometheusHostPort", when: ["observability.enabled", "observability.prometheus"] },
    { path: "observability.grafanaHostPort", when: ["observability.enabled", "observability.grafana"] },
];

/** Highest TCP port (RFC 793: 16-bit port numbers). */
const MAX_PORT = 65535;

/**
 * Each host-port range past 65535, and each pair of ranges that overlap, naming both keys.
 * @param config a parsed stack config.
 * @param keys the host port keys of the stack's lab, shared ones included.
 */
export function hostPortProblems(config: unknown, keys: HostPortKey[]): string[] {
    const ranges = keys.flatMap(({ path, members, when, offset = 0 }) => {
        const base = valueAt(config, path);
        if (typeof base !== "number" || (when ?? []).some((w) => valueAt(config, w) === false)) return [];
        const count = members ? Number(valueAt(config, members) ?? 1) : 1;
        return [{ path, members, first: base + offset, last: base + offset + count - 1, count, base }];
    });
    const problems: string[] = [];
    for (const r of ranges) {
        if (r.last > MAX_PORT) {
            problems.push(
                `${r.path}: ${r.count} members (${r.members}) publish ports ${r.first}..${r.last}, past ${MAX_PORT}; expected at most ${MAX_PORT - r.last + r.base}, got ${r.base}`,
            );
        }
    }
    ranges.forEach((a, i) => {
        for (const b of ranges.slice(i + 1)) {
            if (a.first <= b.last && b.first <= a.last) {
                const span = (r: typeof a) => (r.count > 1 ? `${r.first}..${r.last}` : `${r.first}`);
                problems.push(
                    `${b.path}: host port ${span(b)} collides with ${a.path} (${span(a)}); give each a free range, got ${b.base}`,
                );
            }
        }
    });
    return problems;
}
