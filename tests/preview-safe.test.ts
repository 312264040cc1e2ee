import * as assert from "node:assert/strict";
import * as path from "node:path";
import { readFileSync } from "node:fs";
import { countOps, findUnsafeSteps, formatUnsafeTable, main, parseUrn } from "../scripts/preview-safe";

// The fixtures are real `pulumi preview --json` output (stackTrace and
// sourcePosition fields dropped) from a throwaway project: a ConfigMap + a
// StatefulSet through `new k8s.Provider("render", { renderYamlToDirectory })`,
// safe = label add + replicas 3 -> 5 + a new ConfigMap, replace = StatefulSet
// spec.serviceName "pd" -> "pd-peer". Provenance: engine = pulumi v3.232.0
// built from source (v3.270.0 is refused by the Go module proxy here);
// program run by @pulumi/pulumi 3.270.0's automation LanguageServer via
// `--client` (no pulumi-language-nodejs binary could be built); provider = a
// STAND-IN pulumi-resource-kubernetes (the real one is refused by the proxy)
// that returns the real provider's Diff shape: diffs = top-level keys,
// detailedDiff keyed by property path with inputDiff=true, replaces = the
// *-replace keys, StatefulSet forceNew list from pulumi-kubernetes
// provider/pkg/provider/diff.go. Step/digest structure is the engine's own.
const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(__dirname, "fixtures", name), "utf8"));

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
    it("finds nothing unsafe in the engine-made safe preview (creates/updates only)", () => {
        const doc = fixture("preview-safe.json") as { steps: { op: string }[] };
        const ops = new Set(doc.steps.map((s) => s.op));
        assert.ok(doc.steps.length > 0, "fixture has steps");
        for (const op of ops) assert.ok(["create", "update", "same"].includes(op), `unexpected op ${op} in safe fixture`);
        assert.deepEqual(findUnsafeSteps(doc), []);
    });

    it("flags the StatefulSet replacement forced by spec.serviceName in the engine-made replace preview", () => {
        const unsafe = findUnsafeSteps(fixture("preview-replace.json"));
        const sts = unsafe.filter((u) => u.type === "kubernetes:apps/v1:StatefulSet");
        assert.ok(sts.length >= 1, `no StatefulSet among ${JSON.stringify(unsafe)}`);
        const replace = sts.find((u) => u.op === "replace");
        assert.ok(replace, "StatefulSet step has op=replace");
        assert.equal(replace.name, "pd");
        assert.ok(
            replace.forcedBy.some((p) => p.includes("serviceName")),
            `serviceName not among forcing properties ${JSON.stringify(replace.forcedBy)}`,
        );
        assert.ok(replace.reasons.includes("stateful-type"));
        // The ConfigMap in the same preview is only updated, so it is not reported.
        assert.ok(unsafe.every((u) => u.type !== "kubernetes:core/v1:ConfigMap"));
        assert.match(formatUnsafeTable(unsafe), /replace\s+kubernetes:apps\/v1:StatefulSet\s+pd\s+no\s+.*serviceName/);
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
    it("exits 0 with per-op counts for the safe fixture and 1 with a table for the replace fixture", () => {
        const safe = runMain(["--json-file", path.join(__dirname, "fixtures", "preview-safe.json")]);
        assert.equal(safe.code, 0, safe.out);
        assert.match(safe.out, /preview-safe: ok \(.*create/);

        const bad = runMain(["--json-file", path.join(__dirname, "fixtures", "preview-replace.json")]);
        assert.equal(bad.code, 1, bad.out);
        assert.match(bad.out, /OPERATION\s+TYPE\s+NAME/);
        assert.match(bad.out, /StatefulSet/);
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
