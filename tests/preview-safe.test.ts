import * as assert from "node:assert/strict";
import * as path from "node:path";
import { readFileSync } from "node:fs";
import { countOps, findStatelessReplacements, findUnsafeSteps, formatUnsafeTable, main, parseUrn } from "../scripts/preview-safe";

// The fixtures are what the real engine printed for this project's phase stacks
// (tests/fixtures/engine/README.md: Pulumi CLI 3.259.0, kubernetes provider 4.32.0, a real
// Kubernetes 1.33 API server, commit e83d147).
const ENGINE = path.join(__dirname, "fixtures", "engine");
const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(ENGINE, name), "utf8"));
const PHASES = ["phase0-preview.json", "phase1-preview.json", "phase2-preview.json", "phase2-noop-preview.json"];

const STACK = "urn:pulumi:dev::clusterlab";

/** Run main() with console output captured instead of printed. */
function runMain(argv: string[]): { code: number; out: string } {
    const lines: string[] = [];
    const log = console.log;
    const err = console.error;
    console.log = (...a: unknown[]) => lines.push(a.join(" "));
    console.error = (...a: unknown[]) => lines.push(a.join(" "));
    try {
        return { code: main(argv), out: lines.join("\n") };
    } finally {
        console.log = log;
        console.error = err;
    }
}

describe("preview-safe: findUnsafeSteps", () => {
    for (const file of PHASES) {
        it(`finds nothing unsafe in the engine's ${file}`, () => {
            const doc = fixture(file) as { steps: { op: string }[] };
            assert.ok(doc.steps.length > 0, "fixture has steps");
            assert.deepEqual(findUnsafeSteps(doc), []);
        });
    }

    it("flags the crdb StatefulSet replacement forced by volumeClaimTemplates in the engine's storage-20GiB preview", () => {
        const doc = fixture("phase2-storage-20gib-preview.json") as { steps: { op: string; urn: string }[] };
        const unsafe = findUnsafeSteps(doc);
        assert.deepEqual(
            unsafe.map((u) => [u.op, u.type, u.name, u.reasons.join()]),
            [["replace", "kubernetes:apps/v1:StatefulSet", "crdb", "stateful-type"]],
        );
        assert.deepEqual(unsafe[0].forcedBy, ["spec.volumeClaimTemplates[0].spec.resources.requests.storage"]);
        // The same preview deletes the backup Jobs and their ConfigMaps: no data, not flagged.
        assert.ok(doc.steps.some((s) => s.op === "delete" && s.urn.endsWith("::backup-before-phase1")));
        assert.match(formatUnsafeTable(unsafe), /replace\s+kubernetes:apps\/v1:StatefulSet\s+crdb\s+no\s+spec\.volumeClaimTemplates/);
    });

    it("lets the engine's same-name ConfigMap replacement through as a note that says delete-then-create", () => {
        const notes = findStatelessReplacements(fixture("phase1-preview.json"));
        assert.deepEqual(
            notes.map((n) => [n.type, n.name, n.order]),
            [["kubernetes:core/v1:ConfigMap", "prometheus-files", "delete-then-create"]],
        );
        assert.deepEqual(notes[0].forcedBy, ['data["etc-prometheus-prometheus.yml"]']);
        assert.deepEqual(findStatelessReplacements(fixture("phase2-storage-20gib-preview.json")), []);
    });

    it("calls a ConfigMap replacement under a new name create-then-delete", () => {
        const urn = `${STACK}::kubernetes:core/v1:ConfigMap::prometheus-files`;
        const state = (name: string) => ({ type: "kubernetes:core/v1:ConfigMap", inputs: { metadata: { name } } });
        const [note] = findStatelessReplacements({
            steps: [
                {
                    op: "replace",
                    urn,
                    oldState: state("prometheus-files-aaaa"),
                    newState: state("prometheus-files-bbbb"),
                    replaceReasons: ["metadata.name"],
                },
            ],
        });
        assert.equal(note.order, "create-then-delete");
    });

    it("flags deleting a protected resource even when its type is not stateful", () => {
        const urn = `${STACK}::kubernetes:core/v1:ConfigMap::grafana-dashboards`;
        const doc = {
            steps: [
                {
                    op: "delete",
                    urn,
                    oldState: { urn, custom: true, type: "kubernetes:core/v1:ConfigMap", protect: true },
                    detailedDiff: null,
                },
                {
                    op: "update",
                    urn: `${STACK}::kubernetes:apps/v1:StatefulSet::tikv`,
                    diffReasons: ["spec"],
                    detailedDiff: { "spec.replicas": { kind: "update", inputDiff: true } },
                },
            ],
        };
        const unsafe = findUnsafeSteps(doc);
        assert.equal(unsafe.length, 1);
        assert.equal(unsafe[0].op, "delete");
        assert.equal(unsafe[0].name, "grafana-dashboards");
        assert.equal(unsafe[0].protect, true);
        assert.deepEqual(unsafe[0].reasons, ["protected"]);
    });

    it("matches stateful types nested under clusterlab:index components and flags the component", () => {
        const comp = `${STACK}::clusterlab:index:TikvCluster::lab`;
        const pvc = `${STACK}::clusterlab:index:TikvCluster$kubernetes:core/v1:PersistentVolumeClaim::lab-data-0`;
        const doc = {
            steps: [
                { op: "delete", urn: pvc, oldState: { type: "kubernetes:core/v1:PersistentVolumeClaim", parent: comp } },
                { op: "delete", urn: comp, oldState: { type: "clusterlab:index:TikvCluster", custom: false } },
            ],
        };
        const unsafe = findUnsafeSteps(doc);
        assert.deepEqual(
            unsafe.map((u) => [u.op, u.type, u.name, u.reasons.join()]),
            [
                ["delete", "kubernetes:core/v1:PersistentVolumeClaim", "lab-data-0", "stateful-type"],
                ["delete", "clusterlab:index:TikvCluster", "lab", "contains-stateful"],
            ],
        );
    });

    it("takes forcing properties from detailedDiff when replaceReasons is absent", () => {
        const urn = `${STACK}::docker:index/volume:Volume::pd-data`;
        const doc = {
            steps: [
                {
                    op: "replace",
                    urn,
                    diffReasons: ["driverOpts", "labels"],
                    detailedDiff: {
                        driverOpts: { kind: "update-replace", inputDiff: true },
                        labels: { kind: "update", inputDiff: true },
                    },
                },
            ],
        };
        const [u] = findUnsafeSteps(doc);
        assert.equal(u.type, "docker:index/volume:Volume");
        assert.deepEqual(u.forcedBy, ["driverOpts"]);
    });

    it("rejects input that is not a preview digest", () => {
        assert.throws(() => findUnsafeSteps("nope"), TypeError);
        assert.throws(() => findUnsafeSteps({ steps: {} }), TypeError);
        assert.throws(() => findUnsafeSteps({ steps: [{ op: "delete" }] }), TypeError);
        assert.deepEqual(findUnsafeSteps({ changeSummary: { same: 3 } }), []);
    });

    it("parses URNs whose names contain '::'", () => {
        const p = parseUrn("urn:pulumi:dev::clusterlab::clusterlab:index:Db$kubernetes:apps/v1:StatefulSet::a::b");
        assert.equal(p.type, "kubernetes:apps/v1:StatefulSet");
        assert.deepEqual(p.parentTypes, ["clusterlab:index:Db"]);
        assert.equal(p.name, "a::b");
        assert.throws(() => parseUrn("arn:aws:s3:::bucket"), /not a Pulumi URN/);
    });
});

describe("preview-safe: main --json-file", () => {
    for (const file of PHASES) {
        it(`exits 0 on the engine's ${file}`, () => {
            const r = runMain(["--json-file", path.join(ENGINE, file)]);
            assert.equal(r.code, 0, r.out);
            assert.match(r.out, /^preview-safe: ok \(/);
        });
    }

    it("prints the ConfigMap replacement of phase 1 as a note, not a refusal", () => {
        const r = runMain(["--json-file", path.join(ENGINE, "phase1-preview.json")]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /8 create, 1 read, 1 replace, 31 same, 2 update/);
        assert.match(
            r.out,
            /replace\s+kubernetes:core\/v1:ConfigMap\s+prometheus-files\s+data\["etc-prometheus-prometheus.yml"\]\s+delete-then-create/,
        );
    });

    it("exits 1 with its table on the engine's storage-20GiB preview", () => {
        const bad = runMain(["--json-file", path.join(ENGINE, "phase2-storage-20gib-preview.json")]);
        assert.equal(bad.code, 1, bad.out);
        assert.match(bad.out, /1 step\(s\) would replace or delete stateful\/protected resources/);
        assert.match(bad.out, /OPERATION\s+TYPE\s+NAME\s+PROTECT\s+FORCED BY\s+WHY/);
        assert.match(bad.out, /replace\s+kubernetes:apps\/v1:StatefulSet\s+crdb/);
    });

    it("exits 2 on output that is not JSON", () => {
        const r = runMain(["--json-file", __filename]);
        assert.equal(r.code, 2);
        assert.match(r.out, /did not produce a usable JSON preview/);
    });

    it("counts ops from changeSummary when present", () => {
        assert.deepEqual(countOps({ steps: [{ op: "create", urn: `${STACK}::a:b:C::x` }], changeSummary: { create: 1, same: 4 } }), {
            create: 1,
            same: 4,
        });
    });
});
