/**
 * Issue 9 under mocks: image references as config (`images:` substitutions), Prometheus and
 * Grafana switched separately, and the component defects the Docker engine showed: the etcd
 * probe of a failpoint build, a probe change reaching the container, a Prometheus-only change
 * leaving Grafana alone.
 */
import * as assert from "node:assert/strict";
import { ConfigError } from "../components/config";
import { repositoryOf, substituteImage } from "../components/images";
import { Graph, evaluate, keyOf, mockImageId, ofType, stackConfig } from "./support/evaluate";
import { changedPaths } from "./support/phase-diff";

const CONTAINER = "docker:index/container:Container";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

function container(graph: Graph, name: string) {
    const found = ofType(graph, CONTAINER).find((c) => c.name === name);
    assert.ok(found, `no container ${name}; have ${ofType(graph, CONTAINER).map((c) => c.name)}`);
    return found;
}

function configError(fn: () => unknown): ConfigError {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return err;
    }
    assert.fail("expected the config to be refused");
}

describe("image references", () => {
    it("splits a reference into its repository (tag, digest, registry port)", () => {
        assert.equal(repositoryOf("prom/prometheus:v2.55.1"), "prom/prometheus");
        assert.equal(repositoryOf("registry.local:5000/etcd:3.5.17"), "registry.local:5000/etcd");
        assert.equal(repositoryOf("registry.local:5000/etcd"), "registry.local:5000/etcd");
        assert.equal(repositoryOf("curlimages/curl@sha256:abc"), "curlimages/curl");
    });

    it("prefers an exact reference over a repository entry", () => {
        const subs = { "curlimages/curl": "mirror/curl:1", "curlimages/curl:8.11.1": "mirror/curl:2" };
        assert.equal(substituteImage("curlimages/curl:8.11.1", subs), "mirror/curl:2");
        assert.equal(substituteImage("curlimages/curl:8.0.0", subs), "mirror/curl:1");
        assert.equal(substituteImage("prom/prometheus:v2.55.1", subs), "prom/prometheus:v2.55.1");
    });

    it("runs every pulled image of the etcd lab from the stack's substitutions", async () => {
        const images = {
            "gcr.io/etcd-development/etcd": "local/etcd:3.5.17-a",
            "prom/prometheus": "local/prometheus:2.42-a",
            "grafana/grafana": "local/grafana:11-a",
            "curlimages/curl:8.11.1": "local/curl:7.88-a",
        };
        const graph = await evaluate(
            stackConfig("etcd", { images, scenario: "fsync-delay", etcd: { failpointImage: "local/etcd-gofail:3.5.17-a" } }),
            "etcd",
        );
        const pulled = ofType(graph, REMOTE_IMAGE)
            .map((r) => r.inputs.name)
            .sort();
        assert.deepEqual(pulled, ["local/curl:7.88-a", "local/etcd-gofail:3.5.17-a", "local/grafana:11-a", "local/prometheus:2.42-a"]);
        // Each container runs the image pulled for its substituted reference.
        const idOf = (ref: string) => {
            const pull = ofType(graph, REMOTE_IMAGE).find((r) => r.inputs.name === ref)!;
            return mockImageId(pull.name, pull.inputs.platform);
        };
        assert.equal(container(graph, "etcd-0").inputs.image, idOf("local/etcd-gofail:3.5.17-a"));
        assert.equal(container(graph, "prometheus-0").inputs.image, idOf("local/prometheus:2.42-a"));
        const failpointStep = ofType(graph, CONTAINER).find((c) => c.name.startsWith("scenario-"));
        assert.equal(failpointStep?.inputs.image, idOf("local/curl:7.88-a"));
    });

    it("keeps today's pinned official images by default", async () => {
        const graph = await evaluate(stackConfig("etcd"), "etcd");
        const pulled = ofType(graph, REMOTE_IMAGE)
            .map((r) => r.inputs.name)
            .sort();
        // The scenario step (curl) runs in every scenario: it also restores the cluster on a switch.
        assert.deepEqual(pulled, [
            "curlimages/curl:8.11.1",
            "gcr.io/etcd-development/etcd:v3.5.17",
            "grafana/grafana:11.3.1",
            "prom/prometheus:v2.55.1",
        ]);
    });

    it("refuses an unpinned substitute, naming the key", () => {
        const err = configError(() => stackConfig("etcd", { images: { "prom/prometheus": "mirror/prometheus:latest" } }));
        assert.match(
            err.message,
            /images\.prom\/prometheus: expected a pinned version tag or a digest, not a moving tag such as latest, got "mirror\/prometheus:latest"/,
        );
    });
});

describe("Prometheus and Grafana switches", () => {
    it("runs Prometheus without Grafana", async () => {
        const graph = await evaluate(stackConfig("etcd", { observability: { grafana: false } }), "etcd");
        const names = ofType(graph, CONTAINER).map((c) => c.name);
        assert.ok(names.includes("prometheus-0"));
        assert.ok(!names.includes("grafana-0"), `grafana still rendered: ${names}`);
        assert.ok(graph.outputs.prometheusUrl);
        assert.equal(graph.outputs.grafanaUrl, undefined);
        assert.equal(ofType(graph, "random:index/randomPassword:RandomPassword").length, 0);
    });

    it("refuses Grafana without Prometheus, saying what to set", () => {
        const err = configError(() => stackConfig("etcd", { observability: { prometheus: false } }));
        assert.match(err.message, /observability\.grafana: Grafana reads Prometheus as its only datasource/);
        assert.match(err.message, /got grafana true with prometheus false/);
    });

    it("accepts both off", async () => {
        const graph = await evaluate(stackConfig("etcd", { observability: { prometheus: false, grafana: false } }), "etcd");
        assert.deepEqual(
            ofType(graph, CONTAINER)
                .map((c) => c.name)
                .filter((n) => /prometheus|grafana/.test(n)),
            [],
        );
    });
});

describe("Docker component defects (issue 9)", () => {
    it("probes a failpoint build over HTTP /health on the metrics port, never with etcdctl", async () => {
        const graph = await evaluate(
            stackConfig("etcd", { scenario: "fsync-delay", etcd: { failpointImage: "local/etcd-gofail:1" } }),
            "etcd",
        );
        const tests: string[] = container(graph, "etcd-0").inputs.healthcheck.tests;
        assert.equal(tests[0], "CMD-SHELL");
        assert.match(tests[1], /http:\/\/127\.0\.0\.1:2381\/health/);
        assert.doesNotMatch(tests.join(" "), /etcdctl/);
        // Without failpoints the distroless image keeps etcdctl (no shell there).
        const plain = await evaluate(stackConfig("etcd"), "etcd");
        assert.deepEqual(container(plain, "etcd-0").inputs.healthcheck.tests.slice(0, 2), ["CMD", "/usr/local/bin/etcdctl"]);
    });

    it("replaces a member container when its healthcheck changes", async () => {
        const graph = await evaluate(stackConfig("etcd"), "etcd");
        for (const c of ofType(graph, CONTAINER).filter((c) => /^(etcd|prometheus|grafana)-\d+$/.test(c.name))) {
            assert.ok(graph.replaceOnChanges.get(keyOf(c))?.includes("healthcheck"), c.name);
        }
    });

    it("leaves Grafana's inputs alone when only the scrape interval changes", async () => {
        const before = await evaluate(stackConfig("etcd"), "etcd");
        const after = await evaluate(stackConfig("etcd", { observability: { scrapeInterval: "30s" } }), "etcd");
        assert.deepEqual(changedPaths(container(before, "grafana-0").inputs, container(after, "grafana-0").inputs), []);
        // The change does reach Prometheus (the test would be hollow otherwise).
        assert.deepEqual(changedPaths(container(before, "prometheus-0").inputs, container(after, "prometheus-0").inputs), [
            "uploads[0].content",
        ]);
    });
});
