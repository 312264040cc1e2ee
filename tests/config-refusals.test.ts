/**
 * Config that used to be accepted and misled (issue 22, "Config and outputs that mislead"):
 * each case is refused with the key and what is allowed, and every problem shows at once.
 */
import * as assert from "node:assert/strict";
import { totalmem } from "node:os";
import { parseStackConfig } from "../components/config";
import { guardState } from "../components/guard";
import { runProgram } from "./support/evaluate";
import { problemsOf } from "./support/config-problems";

/** Asserts `raw` is refused with a line that starts with `key:` and contains `words`. */
function refused(raw: Record<string, unknown>, key: string, words: string) {
    const problems = problemsOf(raw);
    assert.ok(
        problems.some((p) => p.startsWith(`${key}:`) && p.includes(words)),
        `expected a line "${key}: …${words}…", got:\n${problems.join("\n")}`,
    );
    assert.ok(!problems.some((p) => p.includes("expected a different value")), problems.join("\n"));
}

const K8S = { platform: "kubernetes" };

describe("config refusals", () => {
    it("etcd.failpointPort on one of etcd's own ports", () => {
        for (const port of [2379, 2380, 2381])
            refused({ lab: "etcd", etcd: { failpointPort: port } }, "etcd.failpointPort", "other than etcd's own");
    });

    it("Kubernetes namespace: too long, not DNS-1123, or Kubernetes' own", () => {
        refused({ lab: "tikv", ...K8S, kubernetes: { namespace: "a".repeat(64) } }, "kubernetes.namespace", "at most 63");
        refused({ lab: "tikv", ...K8S, kubernetes: { namespace: "Lab_1" } }, "kubernetes.namespace", "DNS-1123");
        refused({ lab: "tikv", ...K8S, kubernetes: { namespace: "kube-system" } }, "kubernetes.namespace", "kube-system");
        refused({ lab: "tikv", ...K8S, kubernetes: { namespace: "kube-public" } }, "kubernetes.namespace", "kube-public");
        assert.equal(parseStackConfig({ lab: "tikv", ...K8S, kubernetes: { namespace: "a".repeat(63) } }).kubernetes.namespace.length, 63);
    });

    it("storage class and kube context with spaces or shell characters", () => {
        refused({ lab: "tikv", ...K8S, kubernetes: { storageClassName: "fast ssd" } }, "kubernetes.storageClassName", "StorageClass name");
        refused(
            { lab: "tikv", ...K8S, kubernetes: { storageClassName: "x;rm -rf ~" } },
            "kubernetes.storageClassName",
            "StorageClass name",
        );
        refused({ lab: "tikv", ...K8S, kubernetes: { context: "kind kind" } }, "kubernetes.context", "no spaces or shell characters");
        refused({ lab: "tikv", ...K8S, kubernetes: { context: "$(id)" } }, "kubernetes.context", "no spaces or shell characters");
        const ok = parseStackConfig({
            lab: "tikv",
            ...K8S,
            kubernetes: { context: "arn:aws:eks:eu-west-1:1234:cluster/lab", storageClassName: "gp3.csi" },
        });
        assert.equal(ok.kubernetes.context, "arn:aws:eks:eu-west-1:1234:cluster/lab");
    });

    it("renderYamlToDirectory: /", () => {
        for (const dir of ["/", "//", "/tmp/.."])
            refused({ lab: "tikv", ...K8S, kubernetes: { renderYamlToDirectory: dir } }, "kubernetes.renderYamlToDirectory", "not /");
    });

    it("moving source refs for local builds, as moving image tags are", () => {
        refused({ lab: "tikv", load: { goYcsbRef: "master" } }, "load.goYcsbRef", "pinned git tag");
        refused({ lab: "tikv", load: { goYcsbRef: "-x" } }, "load.goYcsbRef", "not starting with -");
        refused({ lab: "cdc", cdc: { ref: "main" } }, "cdc.ref", "pinned git tag");
        refused({ lab: "cdc", cdc: { ref: "feature/x" } }, "cdc.ref", "pinned git tag");
        const sha = "0123456789abcdef0123456789abcdef01234567";
        assert.equal(parseStackConfig({ lab: "tikv", load: { goYcsbRef: sha } }).lab, "tikv");
    });

    it("unknown keys under images:, with the nearest known one", () => {
        refused(
            { lab: "tikv", images: { "prom/promethues": "mirror.local/prometheus:v2.55.1" } },
            "images.prom/promethues",
            "did you mean images.prom/prometheus?",
        );
        // A key naming the stack's own image (app.image) is known.
        assert.equal(
            parseStackConfig({ lab: "appcluster", app: { image: "me/raft:1.0" }, images: { "me/raft": "mirror.local/raft:1.0" } }).lab,
            "appcluster",
        );
    });

    it("otlpEndpoint other than http(s)", () => {
        refused({ lab: "crdb", app: { otlpEndpoint: "ftp://collector:4318" } }, "app.otlpEndpoint", "http(s) URL");
        refused({ lab: "crdb", app: { otlpEndpoint: "file:///etc/passwd" } }, "app.otlpEndpoint", "http(s) URL");
    });

    it("cdc.disturb merge or transfer-leader with one main store", () => {
        refused({ lab: "cdc", cdc: { disturb: "merge" } }, "cdc.disturb", "main.tikv.stores: 3");
        refused({ lab: "cdc", cdc: { disturb: "transfer-leader" } }, "cdc.disturb", "main.tikv.stores: 3");
        assert.equal(parseStackConfig({ lab: "cdc", cdc: { disturb: "merge" }, main: { tikv: { stores: 3 } } }).lab, "cdc");
    });

    it("app cluster: every node stopped, dataDir /, one container port for two roles", () => {
        const app = { image: "me/raft:1.0", nodes: 2 };
        refused({ lab: "appcluster", app: { ...app, stopped: [1, 2] } }, "app.stopped", "leave at least one running");
        refused({ lab: "appcluster", app: { ...app, dataDir: "/" } }, "app.dataDir", "other than /");
        refused(
            { lab: "appcluster", app: { ...app, ports: { kv: { containerPort: 8080 } } } },
            "app.ports.kv.containerPort",
            "app.ports.api.containerPort",
        );
    });

    it("app cluster: two roles on one variable, and extraEnv over a per-node variable, naming both keys", () => {
        const app = { image: "me/raft:1.0" };
        refused({ lab: "appcluster", app: { ...app, env: { nodeId: "JOIN_ADDR" } } }, "app.env.joinAddr", "already app.env.nodeId");
        refused({ lab: "appcluster", app: { ...app, extraEnv: { NODE_ID: "7" } } }, "app.extraEnv.NODE_ID", "app.env.nodeId");
        refused({ lab: "appcluster", app: { ...app, extraEnv: { DATA_DIR: "/x" } } }, "app.extraEnv.DATA_DIR", "app.env.dataDir");
    });

    it("a TiKV memory limit the machine cannot give, an etcd quota past the volume", () => {
        // Bound: on Docker every store shares this machine's memory (os.totalmem()).
        const machineMiB = Math.floor(totalmem() / 1024 ** 2);
        const perStore = Math.floor(machineMiB / 3) + 1;
        refused(
            { lab: "tikv", tikv: { memoryLimitMiB: perStore } },
            "tikv.memoryLimitMiB",
            `expected at most ${Math.floor(machineMiB / 3)} per store`,
        );
        assert.equal(parseStackConfig({ lab: "tikv", tikv: { memoryLimitMiB: 512 } }).lab, "tikv");
        // Bound: the volume claim (Kubernetes sizes it; a Docker volume has no size).
        refused(
            { lab: "etcd", ...K8S, load: { image: "me/bench:1.0" }, etcd: { storageGiB: 1, quotaBackendBytes: 2 * 1024 ** 3 } },
            "etcd.quotaBackendBytes",
            "expected at most 1073741824",
        );
    });

    it("failpoints: an unknown scenario lists the scenarios", () => {
        refused(
            { lab: "etcd", failpoints: { "fsync-dealy": { walBeforeSync: "off" } } },
            "failpoints.fsync-dealy",
            "did you mean failpoints.fsync-delay?",
        );
        const line = problemsOf({ lab: "etcd", failpoints: { "fsync-dealy": { walBeforeSync: "off" } } })[0];
        assert.match(
            line,
            /keys under failpoints: baseline, compaction, db-size-limit, defrag-delay, fsync-delay, member-kill, network-delay, partition$/,
        );
    });

    it("image keys in words, not 'expected a different value'", () => {
        refused({ lab: "tikv", images: { "Prom Prometheus": "x/y:1.0" } }, "images.Prom Prometheus", "expected an image repository");
    });

    it("a port clash names the key the user set", () => {
        // The user set Prometheus's port onto PD's default range: blame observability.prometheusHostPort, not pd.clientHostPort.
        refused(
            { lab: "tikv", observability: { prometheusHostPort: 2380 } },
            "observability.prometheusHostPort",
            "collides with pd.clientHostPort",
        );
    });

    it("after phase 2, crdb.nodes: 1 + crdb.storageGiB: 20 prints the RF problem and the guard's refusals together", async () => {
        const phase2 = parseStackConfig({ lab: "crdb", platform: "kubernetes", phase: 2, crdb: { nodes: 3 }, app: { enabled: false } });
        const { error } = await runProgram(
            { lab: "crdb", platform: "kubernetes", phase: 2, crdb: { nodes: 1, storageGiB: 20 }, app: { enabled: false } },
            "phase2",
            guardState(phase2),
        );
        assert.ok(error, "the program ran");
        const text = error.message;
        assert.match(text, /crdb\.nodes: phase 2 sets replication factor 3, which needs at least 3 nodes, got 1/);
        assert.match(text, /crdb\.nodes: 3 → 1 removes/);
        assert.match(text, /crdb\.storageGiB: 10 → 20 would replace stateful resources/);
    });
});
