/**
 * The phase runner's parts that need no engine (scripts/lab/): its command line (bad arguments
 * are a clear error and exit 2), the gate on engine events, the report table, and reading
 * health endpoints out of outputs. The runner against the real engine: tests/engine/.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { UsageError, parseCli } from "../scripts/lab/cli";
import { EventLog } from "../scripts/lab/events";
import { gate } from "../scripts/lab/gate";
import { healthTarget } from "../scripts/lab/health";
import { engineRecord } from "../scripts/lab/record";
import { stepsTable } from "../scripts/lab/report";
import { namespaceOf } from "../scripts/lab/check";

const ROOT = join(__dirname, "..");

/** Engine events announcing the steps of a saved `pulumi preview --json` document, as `onEvent` delivers them. */
function eventsOf(file: string): EngineEvent[] {
    const doc = JSON.parse(readFileSync(join(__dirname, "fixtures", "engine", file), "utf8"));
    return doc.steps.map((s: any, i: number) => ({
        sequence: i,
        timestamp: 0,
        resourcePreEvent: {
            metadata: {
                op: s.op,
                urn: s.urn,
                type: s.newState?.type ?? s.oldState?.type,
                old: s.oldState,
                new: s.newState,
                keys: s.replaceReasons,
                diffs: s.diffReasons,
                detailedDiff: s.detailedDiff,
                provider: "",
            },
        },
    }));
}

describe("phase runner (scripts/lab) without the engine", () => {
    it("parses `up --stack phase1 --allow-destructive`", () => {
        const o = parseCli(["up", "--stack", "phase1", "--allow-destructive"]);
        assert.equal(o.command, "up");
        assert.equal(o.target.stack, "phase1");
        assert.equal(o.allowDestructive, true);
    });

    for (const [argv, message] of [
        [["up"], /--stack NAME is required/],
        [["launch", "--stack", "x"], /unknown command "launch"/],
        [["up", "--stack", "a b"], /a stack name has letters/],
        [["preview", "--stack", "x", "--allow-destructive"], /--allow-destructive does not apply to preview/],
        [["up", "--stack", "x", "--bogus"], /Unknown option '--bogus'/],
        [[], /expected one command/],
    ] as const) {
        it(`refuses ${JSON.stringify(argv)} with a UsageError`, () => {
            assert.throws(
                () => parseCli(argv),
                (e: Error) => e instanceof UsageError && message.test(e.message),
            );
        });
    }

    it("exits 2 with the usage on bad arguments, before touching Pulumi", function () {
        this.timeout(60_000);
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/lab/cli.ts", "up"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, PATH: "/nonexistent" },
        });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /lab: --stack NAME is required\nusage: npm run lab -- <preview\|up\|check\|destroy>/);
    });

    it("gates a StatefulSet replacement announced by the engine: refused, with what and why", () => {
        const log = new EventLog();
        for (const e of eventsOf("phase2-storage-20gib-preview.json")) log.onEvent(e);
        const g = gate(engineRecord("preview", "ok", log, 1));
        assert.equal(g.result, "refused");
        assert.ok(
            g.detail.some((l) => /^replace\s+kubernetes:apps\/v1:StatefulSet\s+crdb\s+no\s+spec\.volumeClaimTemplates\[0\]/.test(l)),
            g.detail.join("\n"),
        );
        assert.equal(gate(engineRecord("preview", "ok", log, 1), true).result, "ok");
    });

    it("lets a ConfigMap replacement through as a note, and a failed preview with nothing to judge is refused", () => {
        const log = new EventLog();
        for (const e of eventsOf("phase1-preview.json")) log.onEvent(e);
        const g = gate(engineRecord("preview", "ok", log, 1));
        assert.equal(g.result, "ok", g.detail.join("\n"));
        assert.ok(g.detail.some((l) => /replace\s+kubernetes:core\/v1:ConfigMap\s+prometheus-files/.test(l)));
        assert.equal(gate(engineRecord("preview", "failed", new EventLog(), 1, ["boom"])).result, "refused");
    });

    it("renders the steps table with ops and destructive steps", () => {
        const log = new EventLog();
        for (const e of eventsOf("phase2-storage-20gib-preview.json")) log.onEvent(e);
        const table = stepsTable([engineRecord("preview", "ok", log, 4321)]);
        assert.match(table, /^\| step \| result \| engine ms \|/);
        assert.match(
            table,
            /\| preview \| ok \| 4,321 \| 4,321 \| replace 1, discard 1, delete 4 \| replace StatefulSet\/crdb, delete Job\/backup-before-phase1, .* \| - \|$/m,
        );
    });

    it("reads health endpoints from URLs and kubectl port-forward hints, and the namespace from the outputs", () => {
        assert.deepEqual(
            healthTarget("kubectl -n lab port-forward pod/pd-1 2380:2379  # then http://127.0.0.1:2380", "/pd/api/v1/health"),
            {
                url: "http://127.0.0.1:2380/pd/api/v1/health",
                portForward: ["-n", "lab", "port-forward", "pod/pd-1", "2380:2379"],
            },
        );
        assert.deepEqual(healthTarget("http://127.0.0.1:9090", "/-/ready"), {
            url: "http://127.0.0.1:9090/-/ready",
            portForward: undefined,
        });
        assert.equal(healthTarget("postgresql://root@crdb-writer:26257/lab", "/"), undefined);
        assert.equal(
            namespaceOf({ prometheusUrl: "kubectl -n crdb-x port-forward svc/prometheus 9090:9090  # then http://127.0.0.1:9090" }),
            "crdb-x",
        );
    });
});
