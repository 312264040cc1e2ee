/**
 * T0: the sample app as the CockroachDB lab deploys it, under mocks, on both platforms, and its
 * contract with the app itself (the environment the lab renders parses with the app's own parser).
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { ConfigError, parseStackConfig } from "../components/config";
import { loadConfig } from "../app/src/config";
import { Graph, evaluate, ofType, renderedFiles, stackConfig, waitsFor } from "./support/evaluate";

const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "app-test-password" };

/** Pulumi's secret envelope signature, as the mock monitor hands secret inputs over. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The value inside a secret envelope. @throws AssertionError when the value is not a secret. */
function unwrapSecret(value: unknown): any {
    assert.ok(value && typeof value === "object" && SECRET_SIG in value, `not a secret: ${JSON.stringify(value)}`);
    return (value as unknown as { value: unknown }).value;
}

const deployment = (g: Graph) => ofType(g, "kubernetes:apps/v1:Deployment").find((d) => d.name === "sample-app");

describe("sample app in the CockroachDB lab", () => {
    it("phase 0 → 1 → 2: the app's Deployment, Service and Secret are identical in every phase", async () => {
        const graphs: Graph[] = [];
        for (const n of [0, 1, 2]) graphs.push(await evaluate(stackConfig(`phase${n}`, RENDER), "crdb-live"));
        for (const [type, name] of [
            ["kubernetes:apps/v1:Deployment", "sample-app"],
            ["kubernetes:core/v1:Service", "sample-app-client"],
            ["kubernetes:core/v1:Secret", "sample-app-env"],
        ]) {
            const specs = graphs.map((g) => ofType(g, type).find((r) => r.name === name)?.inputs);
            assert.ok(specs[0], `${type} ${name} missing in phase 0`);
            for (const [i, s] of specs.entries()) assert.deepEqual(s, specs[0], `${name} differs in phase ${i}`);
        }
        // The cluster itself did change: the check is not vacuous.
        const replicas = graphs.map(
            (g) => ofType(g, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.replicas,
        );
        assert.deepEqual(replicas, [1, 2, 3]);
    });

    it("on Kubernetes: a Deployment (no data) with probes, the URLs from a Secret, reads through crdb-reader as the reader", async () => {
        const graph = await evaluate(stackConfig("phase0", RENDER), "crdb");
        assert.ok(
            !ofType(graph, "kubernetes:apps/v1:StatefulSet").some((s) => s.name === "sample-app"),
            "no StatefulSet for a group without data",
        );
        const pod = deployment(graph)!.inputs.spec.template.spec;
        const c = pod.containers[0];
        assert.equal(c.image, "clusterlab/sample-app:0.1.0");
        assert.deepEqual(c.command, ["node", "/app/dist/main.js"]);
        assert.deepEqual(c.readinessProbe.httpGet, { port: 8080, path: "/readyz" });
        assert.deepEqual(c.livenessProbe.httpGet, { port: 8080, path: "/healthz" });
        const env = Object.fromEntries(
            c.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]),
        );
        assert.equal(env.APP_READER_FALLBACK, "writer");
        assert.deepEqual(env.APP_DB_WRITER_URL, { secretKeyRef: { name: "sample-app-env", key: "APP_DB_WRITER_URL" } });
        assert.deepEqual(env.APP_DB_READER_URL, { secretKeyRef: { name: "sample-app-env", key: "APP_DB_READER_URL" } });
        const urls = unwrapSecret(ofType(graph, "kubernetes:core/v1:Secret").find((s) => s.name === "sample-app-env")!.inputs.stringData);
        // Secure mode (the default): verify-full URLs naming each user's certificates, whose Secrets the pod mounts there.
        // As the SQL user writer with the writer's certificate; no root material reaches the app.
        assert.equal(
            urls.APP_DB_WRITER_URL,
            "postgresql://writer@crdb-writer.clusterlab.svc.cluster.local:26257/lab?sslmode=verify-full&sslrootcert=/certs/crdb-client-writer/ca.crt&sslcert=/certs/crdb-client-writer/client.writer.crt&sslkey=/certs/crdb-client-writer/client.writer.key",
        );
        assert.doesNotMatch(JSON.stringify({ urls, pod }), /crdb-client-root|client\.root|\/\/root@/);
        // The control token comes from the same Secret; key files are readable by the app's group only (fsGroup 1000, mode 0400).
        assert.deepEqual(env.APP_CONTROL_TOKEN, { secretKeyRef: { name: "sample-app-env", key: "APP_CONTROL_TOKEN" } });
        assert.equal(pod.securityContext.fsGroup, 1000);
        assert.equal(urls.APP_DB_READER_URL, graph.outputs.readerUrl);
        assert.match(
            urls.APP_DB_READER_URL,
            /^postgresql:\/\/reader@crdb-reader\.clusterlab\.svc\.cluster\.local:26257\/lab\?sslmode=verify-full&sslrootcert=\/certs\/crdb-client-reader\/ca\.crt&sslcert=\/certs\/crdb-client-reader\/client\.reader\.crt&sslkey=\/certs\/crdb-client-reader\/client\.reader\.key$/,
        );
        const secretVolumes = pod.volumes.filter((v: { secret?: unknown }) => v.secret);
        assert.deepEqual(
            secretVolumes.map((v: { name: string; secret: { secretName: string; defaultMode: number } }) => [
                v.secret.secretName,
                v.secret.defaultMode,
                c.volumeMounts.find((m: { name: string }) => m.name === v.name).mountPath,
            ]),
            [
                ["crdb-client-writer", 0o400, "/certs/crdb-client-writer"],
                ["crdb-client-reader", 0o400, "/certs/crdb-client-reader"],
            ],
        );
        // The rendered environment is one the app accepts (the app's own parser).
        const parsed = loadConfig({
            ...Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string")),
            APP_DB_WRITER_URL: urls.APP_DB_WRITER_URL,
            APP_DB_READER_URL: urls.APP_DB_READER_URL,
        } as NodeJS.ProcessEnv);
        assert.equal(parsed.readerFallback, "writer");
        assert.equal(parsed.port, 8080);
        assert.equal(parsed.loadOnStart, true);
        assert.equal(parsed.otel, false);
        const svc = ofType(graph, "kubernetes:core/v1:Service").find((s) => s.name === "sample-app-client")!.inputs;
        assert.equal(svc.metadata.name, "sample-app");
        assert.deepEqual(svc.spec.ports, [{ name: "http", port: 8080, targetPort: 8080 }]);
        assert.match(String(graph.outputs.appUrl), /port-forward svc\/sample-app 8000:8080/);
        // Starts once the schema exists (phase 0's SQL), so its first /readyz can pass.
        const bootstrap = ofType(graph, "kubernetes:batch/v1:Job").find((j) => j.name.startsWith("sql-01-bootstrap-"))!;
        assert.ok(waitsFor(graph, "kubernetes:apps/v1:Deployment::sample-app", `kubernetes:batch/v1:Job::${bootstrap.name}`));
    });

    it("is scraped by Prometheus, and Grafana shows the sample-app dashboard next to the cluster's", async () => {
        const graph = await evaluate(stackConfig("phase1", { ...RENDER, platform: "docker" }), "crdb");
        const prom = parse(renderedFiles(graph, "prometheus")["/etc/prometheus/prometheus.yml"]);
        const job = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === "sample-app");
        assert.ok(job, JSON.stringify(prom.scrape_configs.map((j: { job_name: string }) => j.job_name)));
        assert.deepEqual(job.static_configs[0].targets, ["sample-app:8080"]);
        assert.equal(job.metrics_path ?? "/metrics", "/metrics");
        const dashboards = Object.keys(renderedFiles(graph, "grafana")).filter((p) => p.endsWith(".json"));
        for (const uid of ["sample-app", "crdb-overview", "crdb-evolution"])
            assert.ok(
                dashboards.some((p) => p.endsWith(`/${uid}.json`)),
                dashboards.join("\n"),
            );
    });

    it("on Docker: built from app/Dockerfile for the stack's architecture, one container publishing the live page", async () => {
        const graph = await evaluate(
            stackConfig("phase0", { ...RENDER, platform: "docker", arch: "arm64", app: { image: undefined } }),
            "crdb",
        );
        const build = ofType(graph, "docker:index/image:Image").find((i) => i.name === "sample-app-build")!;
        assert.ok(build, "no image build");
        assert.equal(build.inputs.build.context, "app");
        assert.equal(build.inputs.build.platform, "linux/arm64");
        assert.equal(build.inputs.imageName, "clusterlab/sample-app:0.1.0-arm64");
        const container = ofType(graph, "docker:index/container:Container").find((c) => c.name === "sample-app-0")!.inputs;
        assert.deepEqual(container.ports, [{ internal: 8080, external: 8000, ip: "127.0.0.1" }]);
        assert.equal(graph.outputs.appUrl, "http://127.0.0.1:8000/");
        // The whole environment is a secret input: it carries the connection strings.
        const envs: string[] = unwrapSecret(container.envs);
        assert.ok(
            envs.includes(
                "APP_DB_READER_URL=postgresql://reader@crdb-reader:26257/lab?sslmode=verify-full&sslrootcert=/certs/crdb-client-reader/ca.crt&sslcert=/certs/crdb-client-reader/client.reader.crt&sslkey=/certs/crdb-client-reader/client.reader.key",
            ),
            envs.join("\n"),
        );
        const uploads: { file: string; permissions?: string }[] = unwrapSecret(container.uploads);
        assert.deepEqual(
            uploads.filter((u) => u.file.startsWith("/certs/crdb-client-reader/")).map((u) => [u.file, u.permissions]),
            ["ca.crt", "client.reader.crt", "client.reader.key"].map((f) => [`/certs/crdb-client-reader/${f}`, "0444"]),
        );
        assert.ok(envs.includes("APP_READER_FALLBACK=writer"), envs.join("\n"));
    });

    it("app.enabled false leaves the app out; app.otlpEndpoint switches tracing on", async () => {
        const off = await evaluate(stackConfig("phase0", { ...RENDER, app: { enabled: false } }), "crdb");
        assert.equal(deployment(off), undefined);
        assert.equal(off.outputs.appUrl, undefined);
        const traced = await evaluate(stackConfig("phase0", { ...RENDER, app: { otlpEndpoint: "http://otel-collector:4318" } }), "crdb");
        const env = deployment(traced)!.inputs.spec.template.spec.containers[0].env;
        const value = (name: string) => env.find((e: { name: string }) => e.name === name)?.value;
        assert.equal(value("APP_OTEL_ENABLED"), "true");
        assert.equal(value("OTEL_EXPORTER_OTLP_ENDPOINT"), "http://otel-collector:4318");
    });

    it("refuses Kubernetes without app.image, and bad app values, naming the key", () => {
        const base = { lab: "crdb", platform: "kubernetes", phase: 0 };
        assert.throws(
            () => parseStackConfig(base),
            (e: ConfigError) => /^app\.image: required on kubernetes/.test(e.problems[0]),
        );
        assert.doesNotThrow(() => parseStackConfig({ ...base, app: { enabled: false } }));
        for (const [app, key] of [
            [{ image: "clusterlab/sample-app:latest" }, "app.image"],
            [{ hostPort: 80 }, "app.hostPort"],
            [{ spikeMaxRps: 0 }, "app.spikeMaxRps"],
            [{ otlpEndpoint: "collector" }, "app.otlpEndpoint"],
        ] as const) {
            assert.throws(
                () => parseStackConfig({ ...base, platform: "docker", app }),
                (e: ConfigError) => e.problems.some((p) => p.startsWith(`${key}: `)),
                JSON.stringify(app),
            );
        }
    });
});
