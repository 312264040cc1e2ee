/**
 * The live page's data: per-second buckets of requests, errors and latency by route, kept in
 * memory for the last {@link KEEP_SECONDS} seconds. Prometheus has the long view; this is what
 * the page can draw without one.
 */

/** Seconds of history kept (and sent to a page that connects). */
export const KEEP_SECONDS = 120;

/** One route's second. */
export interface RouteSecond {
    /** Requests answered in that second. */
    requests: number;
    /** Answers with status ≥ 500 (the database failed, or a switch is off; 4xx is the caller's mistake). */
    errors: number;
    /** Mean latency, milliseconds. */
    meanMs: number;
    /** 95th percentile latency (nearest rank), milliseconds. */
    p95Ms: number;
}

/** One second of the timeline: its start (ms since epoch) and its routes. */
export interface TimelinePoint {
    t: number;
    routes: Record<string, RouteSecond>;
}

interface Bucket {
    t: number;
    routes: Map<string, { durations: number[]; errors: number }>;
}

/** Per-second request buckets. */
export class Timeline {
    private buckets: Bucket[] = [];

    /** Records one answered request. */
    record(route: string, status: number, durationMs: number, now = Date.now()): void {
        const t = Math.floor(now / 1000) * 1000;
        let bucket = this.buckets[this.buckets.length - 1];
        if (!bucket || bucket.t !== t) {
            bucket = { t, routes: new Map() };
            this.buckets.push(bucket);
            this.buckets = this.buckets.filter((b) => b.t > t - KEEP_SECONDS * 1000);
        }
        let r = bucket.routes.get(route);
        if (!r) bucket.routes.set(route, (r = { durations: [], errors: 0 }));
        r.durations.push(durationMs);
        if (status >= 500) r.errors++;
    }

    /**
     * Complete seconds after `since` (ms since epoch), oldest first; seconds with no requests
     * appear with empty routes so the page's time axis has no gaps.
     */
    pointsSince(since: number, now = Date.now()): TimelinePoint[] {
        const current = Math.floor(now / 1000) * 1000;
        const from = Math.max(since + 1000, current - KEEP_SECONDS * 1000);
        const byT = new Map(this.buckets.map((b) => [b.t, b]));
        const out: TimelinePoint[] = [];
        for (let t = Math.ceil(from / 1000) * 1000; t < current; t += 1000) out.push(summarize(t, byT.get(t)));
        return out;
    }
}

function summarize(t: number, bucket?: Bucket): TimelinePoint {
    const routes: Record<string, RouteSecond> = {};
    for (const [route, r] of bucket?.routes ?? []) {
        const sorted = [...r.durations].sort((a, b) => a - b);
        const mean = sorted.reduce((s, d) => s + d, 0) / sorted.length;
        routes[route] = {
            requests: sorted.length,
            errors: r.errors,
            meanMs: round(mean),
            p95Ms: round(sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)]),
        };
    }
    return { t, routes };
}

function round(ms: number): number {
    return Math.round(ms * 100) / 100;
}
