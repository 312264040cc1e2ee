/**
 * The spike's guardrails and pacing without a database: safe defaults, the mix, open-loop
 * pacing under slow handlers, and the live timeline's per-second summaries.
 */
import * as assert from "node:assert/strict";
import { Timeline } from "../src/timeline";
import { Kind, MixPicker, Pacer, spikeSchema } from "../src/traffic";

describe("sample app traffic", () => {
    it("an empty spike request gets safe defaults: 10 s × 20 rps, 1 login : 4 searches", () => {
        assert.deepEqual(spikeSchema({ maxSeconds: 120, maxRps: 500 }).parse({}), { seconds: 10, rps: 20, mix: { login: 1, search: 4 } });
    });

    it("the maximums come from the app's settings", () => {
        const schema = spikeSchema({ maxSeconds: 5, maxRps: 10 });
        assert.equal(schema.safeParse({ seconds: 5, rps: 10 }).success, true);
        assert.equal(schema.safeParse({ seconds: 6 }).success, false);
        assert.equal(schema.safeParse({ rps: 11 }).success, false);
    });

    it("the mix is exact over every cycle, and a zero weight is never picked", () => {
        const picker = new MixPicker({ login: 1, search: 4 });
        const picks = Array.from({ length: 50 }, () => picker.next());
        assert.equal(picks.filter((k) => k === "login").length, 10);
        const searchOnly = new MixPicker({ login: 0, search: 3 });
        assert.ok(Array.from({ length: 20 }, () => searchOnly.next()).every((k) => k === "search"));
    });

    it("paces open-loop: slow answers do not slow the rate, and the in-flight cap drops the excess", async () => {
        const sent: Kind[] = [];
        // Each request takes 300 ms; at 50 rps about 15 are in flight, over the cap of 5.
        const slow = (kind: Kind) => (sent.push(kind), new Promise((r) => setTimeout(r, 300)));
        const pacer = new Pacer(50, 25, { login: 1, search: 1 }, slow, () => true, 5);
        await pacer.done;
        assert.equal(pacer.stats.sent + pacer.stats.dropped, 25);
        assert.ok(pacer.stats.dropped > 0, JSON.stringify(pacer.stats));
        // Open loop: requests keep starting while earlier ones are unanswered (a closed loop would keep 1 in flight).
        let maxInFlight = 0;
        const unlimited = new Pacer(
            50,
            25,
            { login: 1, search: 1 },
            slow,
            () => true,
            100,
            (n) => (maxInFlight = Math.max(maxInFlight, n)),
        );
        await unlimited.done;
        assert.ok(maxInFlight >= 5, `at most ${maxInFlight} in flight`);
        assert.equal(unlimited.stats.inFlight, 0, "done waits for every answer");
        assert.equal(unlimited.stats.sent, 25);
    });

    it("a switched-off kind is skipped, not sent", async () => {
        const sent: Kind[] = [];
        const pacer = new Pacer(
            200,
            20,
            { login: 1, search: 1 },
            async (k) => sent.push(k),
            (k) => k === "search",
            10,
        );
        await pacer.done;
        assert.equal(pacer.stats.skipped, 10);
        assert.ok(sent.every((k) => k === "search") && sent.length === 10);
    });

    it("the timeline sums each second by route, with p95 and errors, and fills empty seconds", () => {
        const t = new Timeline();
        const t0 = 1_700_000_000_000;
        for (let i = 1; i <= 20; i++) t.record("/search", 200, i, t0 + 10);
        t.record("/login", 503, 5, t0 + 20);
        t.record("/login", 201, 7, t0 + 2_500);
        const points = t.pointsSince(t0 - 1_000, t0 + 3_100);
        assert.deepEqual(
            points.map((p) => p.t),
            [t0, t0 + 1_000, t0 + 2_000],
        );
        assert.deepEqual(points[0].routes["/search"], { requests: 20, errors: 0, meanMs: 10.5, p95Ms: 19 });
        assert.deepEqual(points[0].routes["/login"], { requests: 1, errors: 1, meanMs: 5, p95Ms: 5 });
        assert.deepEqual(points[1].routes, {});
        assert.equal(points[2].routes["/login"].requests, 1);
    });
});
