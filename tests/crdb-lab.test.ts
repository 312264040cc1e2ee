import * as assert from "node:assert/strict";
import { guardState } from "../components/guard";
import { evaluate, ofType, stackConfig, waitsFor } from "./support/evaluate";

const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "crdb-test-password" };

describe("CockroachDB lab", () => {
    it("runs the same start flags on Docker and Kubernetes, differing only in host names", async () => {
        const k8s = await evaluate(stackConfig("phase2", RENDER), "crdb");
        const podArgs: string[] = ofType(k8s, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.template.spec
            .containers[0].args;
        const docker = await evaluate(stackConfig("phase2", { ...RENDER, platform: "docker" }), "crdb");
        const containerArgs: string[] = ofType(docker, "docker:index/container:Container").find((c) => c.name === "crdb-1")!.inputs.command;
        const normalize = (args: string[]) =>
            args.map((a) =>
                a
                    .replace(/crdb-(\d)\.crdb-peer\.clusterlab\.svc\.cluster\.local/g, "crdb-$1")
                    .replace("$(POD_NAME).crdb-peer.clusterlab.svc.cluster.local", "SELF")
                    .replace("crdb-1:26257", "SELF:26257"),
            );
        assert.deepEqual(normalize(containerArgs), normalize(podArgs));
        assert.equal(podArgs[0], "start");
        assert.ok(podArgs.includes("--certs-dir=/cockroach/cockroach-certs"), podArgs.join(" "));
        assert.ok(!podArgs.includes("--insecure"));
        const insecure = await evaluate(stackConfig("phase2", { ...RENDER, crdb: { secure: false } }), "crdb");
        const insecureArgs: string[] = ofType(insecure, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec
            .template.spec.containers[0].args;
        assert.deepEqual(
            insecureArgs.map((a) => a.replace("--insecure", "--certs-dir=/cockroach/cockroach-certs")),
            podArgs,
            "secure and insecure differ in more than the security flag",
        );
    });

    it("initialises once, idempotently, with a bounded retry", async () => {
        const graph = await evaluate(stackConfig("phase0", RENDER), "crdb");
        const jobs = ofType(graph, "kubernetes:batch/v1:Job");
        const init = jobs.filter((j) => j.name === "crdb-init");
        assert.equal(init.length, 1);
        const script: string = init[0].inputs.spec.template.spec.containers[0].args[0];
        assert.match(
            script,
            /^for i in \$\(seq 1 60\); do cockroach init --certs-dir=\/cockroach\/cockroach-certs --host=crdb-0\.crdb-peer\.clusterlab\.svc\.cluster\.local:26257 && exit 0; cockroach node status/,
        );
        assert.ok(!jobs.some((j) => j.name.startsWith("backup-")), "phase 0 has nothing to back up");
    });

    it("names each SQL step by file and content hash, with its file in a ConfigMap", async () => {
        const graph = await evaluate(stackConfig("phase1", RENDER), "crdb");
        const sqlJobs = ofType(graph, "kubernetes:batch/v1:Job").filter((j) => j.name.startsWith("sql-"));
        assert.deepEqual(
            sqlJobs.map((j) => j.name.replace(/-[0-9a-f]{8}$/, "")),
            [
                "sql-00-database-crdb",
                "sql-01-bootstrap",
                "sql-05-phase0-rf1-crdb",
                "sql-06-phase0-writer-user-crdb",
                "sql-07-phase0-writer-grants",
                "sql-10-phase1-reader-user-crdb",
                "sql-11-phase1-reader-grants",
                "sql-15-phase1-rf2-crdb",
            ],
        );
        for (const job of sqlJobs) {
            const configMap = ofType(graph, "kubernetes:core/v1:ConfigMap").find((c) => c.name === `${job.name}-files`);
            assert.ok(configMap, `${job.name}: no ConfigMap`);
            assert.match(
                job.inputs.spec.template.spec.containers[0].args[0],
                /^for i in \$\(seq 1 60\); do cockroach sql --certs-dir=\/cockroach\/cockroach-certs --host=crdb-writer\.clusterlab\.svc\.cluster\.local:26257/,
            );
        }
    });

    it("a fresh phase-2 stack has nothing to back up and no init/StatefulSet deadlock", async () => {
        const graph = await evaluate(stackConfig("phase2", RENDER), "crdb");
        const jobs = ofType(graph, "kubernetes:batch/v1:Job").map((j) => j.name);
        assert.ok(!jobs.some((j) => j.startsWith("backup-")), jobs.join(", "));
        const sts = "kubernetes:apps/v1:StatefulSet::crdb";
        const init = "kubernetes:batch/v1:Job::crdb-init";
        // init polls crdb-0, so it must not wait for the StatefulSet, and the StatefulSet must not wait for init.
        assert.ok(!waitsFor(graph, init, sts), "crdb-init waits for the StatefulSet");
        assert.ok(!waitsFor(graph, sts, init), "the StatefulSet waits for crdb-init, which needs its pods");
    });

    it("moving a deployed stack to the next phase backs up first, then changes the node count, then runs the SQL", async () => {
        const phase0 = stackConfig("phase0", RENDER);
        const graph = await evaluate(stackConfig("phase1", RENDER), "crdb", guardState(phase0));
        const sts = "kubernetes:apps/v1:StatefulSet::crdb";
        const backup = "kubernetes:batch/v1:Job::backup-before-phase1";
        assert.ok(graph.resources.has(backup));
        assert.ok(waitsFor(graph, sts, backup), "the node-count change does not wait for the backup");
        assert.ok(waitsFor(graph, backup, "kubernetes:batch/v1:Job::crdb-init"), "the backup does not wait for init");
        const sql = [...graph.resources.keys()].filter((k) => k.startsWith("kubernetes:batch/v1:Job::sql-"));
        const rf2 = sql.find((k) => k.includes("15-phase1-rf2"))!;
        assert.ok(waitsFor(graph, rf2, sts), "RF 2 is applied before the second node exists");
        const bootstrap = sql.find((k) => k.includes("01-bootstrap"))!;
        assert.ok(waitsFor(graph, bootstrap, sql.find((k) => k.includes("00-database"))!), "schema before database");
    });

    it("exports the writer and reader connection strings", async () => {
        const graph = await evaluate(stackConfig("phase1", RENDER), "crdb");
        assert.equal(
            graph.outputs.writerUrl,
            "postgresql://root@crdb-writer.clusterlab.svc.cluster.local:26257/lab?sslmode=verify-full" +
                "&sslrootcert=/certs/crdb-client-root/ca.crt&sslcert=/certs/crdb-client-root/client.root.crt&sslkey=/certs/crdb-client-root/client.root.key",
        );
        assert.equal(
            graph.outputs.readerUrl,
            "postgresql://reader@crdb-reader.clusterlab.svc.cluster.local:26257/lab?sslmode=verify-full" +
                "&sslrootcert=/certs/crdb-client-reader/ca.crt&sslcert=/certs/crdb-client-reader/client.reader.crt&sslkey=/certs/crdb-client-reader/client.reader.key",
        );
        assert.deepEqual(graph.outputs.certificates, {
            root: { secret: "crdb-client-root", mountPath: "/certs/crdb-client-root" },
            writer: { secret: "crdb-client-writer", mountPath: "/certs/crdb-client-writer" },
            reader: { secret: "crdb-client-reader", mountPath: "/certs/crdb-client-reader" },
        });
        assert.equal(graph.outputs.replicationFactor, 2);
        const insecure = await evaluate(stackConfig("phase1", { ...RENDER, crdb: { secure: false } }), "crdb");
        assert.equal(insecure.outputs.writerUrl, "postgresql://root@crdb-writer.clusterlab.svc.cluster.local:26257/lab?sslmode=disable");
        assert.equal(insecure.outputs.readerUrl, "postgresql://reader@crdb-reader.clusterlab.svc.cluster.local:26257/lab?sslmode=disable");
        assert.equal(insecure.outputs.certificates, undefined);
    });
});
