/**
 * CockroachDB secure mode: the certificate plan as registered, materialized by openssl from the
 * registered inputs (tests/support/tls.ts) and judged by the openssl binary (`verify`,
 * `-checkhost`, `-checkip`, `-purpose`); the Secrets and mounts as rendered; the guard.
 */
import * as assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parseStackConfig } from "../components/config";
import { CRDB_MAX_NODES } from "../labs/crdb/certs";
import { GuardState, checkTransition, guardState } from "../components/guard";
import { Graph, evaluate, ofType, stackConfig } from "./support/evaluate";
import { MaterializedTls, materializeTls, plain } from "./support/tls";
import { requireTool, run, tempDir } from "./support/tools";

const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "certs-test-password" };
const USERS = ["root", "writer", "reader"];

/** Graphs evaluated once per file (evaluation takes seconds); keyed by what was evaluated. */
const cache = new Map<string, Promise<Graph>>();
function graphOf(stack: string, overrides: Record<string, unknown> = {}): Promise<Graph> {
    const key = JSON.stringify([stack, overrides]);
    if (!cache.has(key)) cache.set(key, evaluate(stackConfig(stack, { ...RENDER, ...overrides }), "crdb"));
    return cache.get(key)!;
}

function openssl(args: string[]) {
    return run(requireTool("openssl"), args, 30_000);
}

/** The tls resources of a graph, key → inputs. */
function tlsInputs(graph: Graph): Map<string, unknown> {
    return new Map([...graph.resources].filter(([k]) => k.startsWith("tls:")).map(([k, r]) => [k, r.inputs]));
}

/** Pod DNS names of the rendered StatefulSet: `<name>-<i>.<serviceName>.<namespace>.svc.cluster.local` for every replica. */
function podHosts(graph: Graph): string[] {
    const sts = ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs;
    return Array.from(
        { length: sts.spec.replicas },
        (_, i) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}.${sts.metadata.namespace}.svc.cluster.local`,
    );
}

describe("CockroachDB certificates, generated for real from the registered inputs", function () {
    this.timeout(120_000);
    const graphs: Record<number, Graph> = {};
    const certs: Record<number, MaterializedTls> = {};
    let dir: { path: string; remove: () => void };

    before(async () => {
        dir = tempDir("crdb-certs");
        for (const nodes of [3, 5]) {
            graphs[nodes] = await graphOf("phase2", nodes === 3 ? {} : { crdb: { nodes } });
            mkdirSync(join(dir.path, `n${nodes}`));
            certs[nodes] = materializeTls(graphs[nodes], join(dir.path, `n${nodes}`));
        }
    });
    after(() => dir?.remove());

    it("registers one CA, one node certificate and a client certificate per SQL user", () => {
        const names = [...tlsInputs(graphs[3]).keys()].map((k) => k.replace(/^tls:index\//, "")).sort();
        assert.deepEqual(names, [
            "certRequest:CertRequest::crdb-client-reader-csr",
            "certRequest:CertRequest::crdb-client-root-csr",
            "certRequest:CertRequest::crdb-client-writer-csr",
            "certRequest:CertRequest::crdb-node-csr",
            "locallySignedCert:LocallySignedCert::crdb-client-reader",
            "locallySignedCert:LocallySignedCert::crdb-client-root",
            "locallySignedCert:LocallySignedCert::crdb-client-writer",
            "locallySignedCert:LocallySignedCert::crdb-node",
            "privateKey:PrivateKey::crdb-ca-key",
            "privateKey:PrivateKey::crdb-client-reader-key",
            "privateKey:PrivateKey::crdb-client-root-key",
            "privateKey:PrivateKey::crdb-client-writer-key",
            "privateKey:PrivateKey::crdb-node-key",
            "selfSignedCert:SelfSignedCert::crdb-ca",
        ]);
    });

    it("a 5-node cluster registers exactly the 3-node cluster's certificates (a scale-out never re-issues)", () => {
        assert.deepEqual(tlsInputs(graphs[5]), tlsInputs(graphs[3]));
    });

    it("the chain verifies with openssl verify: CA → node, CA → each client", () => {
        const tls = certs[3];
        for (const name of ["crdb-node", ...USERS.map((u) => `crdb-client-${u}`)]) {
            const r = openssl(["verify", "-CAfile", tls.cert("crdb-ca"), tls.cert(name)]);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout.trim(), `${tls.cert(name)}: OK`);
        }
        // A node certificate from another CA (the 5-node set has its own freshly generated CA key) does not.
        const foreign = openssl(["verify", "-CAfile", tls.cert("crdb-ca"), certs[5].cert("crdb-node")]);
        assert.notEqual(foreign.status, 0, "a certificate of another CA verified");
        assert.match(foreign.stdout + foreign.stderr, /unable to get local issuer certificate|certificate signature failure/);
    });

    it("key usages: the node serves and is a client (serverAuth + clientAuth), clients are clients only, the CA signs", () => {
        const tls = certs[3];
        const purpose = (name: string, p: string) => openssl(["verify", "-purpose", p, "-CAfile", tls.cert("crdb-ca"), tls.cert(name)]);
        assert.equal(purpose("crdb-node", "sslserver").status, 0, purpose("crdb-node", "sslserver").stderr);
        assert.equal(purpose("crdb-node", "sslclient").status, 0, purpose("crdb-node", "sslclient").stderr);
        for (const user of USERS) {
            assert.equal(purpose(`crdb-client-${user}`, "sslclient").status, 0, `${user} cannot be a TLS client`);
            const server = purpose(`crdb-client-${user}`, "sslserver");
            assert.notEqual(server.status, 0, `${user}'s client certificate passes as a server certificate`);
            assert.match(server.stdout + server.stderr, /unsuitable certificate purpose/);
        }
        const text = (name: string) => openssl(["x509", "-in", tls.cert(name), "-noout", "-text"]).stdout;
        assert.match(text("crdb-node"), /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/);
        assert.match(text("crdb-node"), /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
        assert.match(text("crdb-client-reader"), /X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
        assert.match(text("crdb-ca"), /X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
        assert.match(text("crdb-ca"), /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment, Certificate Sign, CRL Sign\n/);
        assert.match(text("crdb-node"), /X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    });

    it("subjects: CN=node for the node, CN=<user> for each client", () => {
        const subject = (name: string) =>
            openssl(["x509", "-in", certs[3].cert(name), "-noout", "-subject", "-nameopt", "compat"]).stdout.trim();
        assert.equal(subject("crdb-node"), "subject=/O=clusterlab/CN=node");
        for (const user of USERS) assert.equal(subject(`crdb-client-${user}`), `subject=/O=clusterlab/CN=${user}`);
    });

    for (const nodes of [3, 5]) {
        it(`the node certificate names every pod of a ${nodes}-node cluster, each client service, localhost and 127.0.0.1`, () => {
            const cert = certs[nodes].cert("crdb-node");
            // Client services: every ClusterIP Service that selects the StatefulSet's pods.
            const selector = ofType(graphs[nodes], "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.selector
                .matchLabels;
            const services = ofType(graphs[nodes], "kubernetes:core/v1:Service")
                .filter((s) => s.inputs.spec.type === "ClusterIP" && isDeepStrictEqual(s.inputs.spec.selector, selector))
                .map((s) => s.inputs.metadata.name as string);
            assert.deepEqual(services.sort(), ["crdb", "crdb-reader", "crdb-writer"]);
            const pods = podHosts(graphs[nodes]);
            assert.equal(pods.length, nodes);
            const hosts = [...pods, ...[...services, "crdb-public"].flatMap((s) => [s, `${s}.clusterlab.svc.cluster.local`]), "localhost"];
            for (const host of hosts) {
                const r = openssl(["x509", "-in", cert, "-noout", "-checkhost", host]);
                assert.equal(r.stdout.trim(), `Hostname ${host} does match certificate`, r.stderr);
            }
            assert.equal(
                openssl(["x509", "-in", cert, "-noout", "-checkip", "127.0.0.1"]).stdout.trim(),
                "IP 127.0.0.1 does match certificate",
            );
            // The wildcard covers one label under the peer service only.
            for (const host of [
                "crdb-0.other-peer.clusterlab.svc.cluster.local",
                "a.crdb-0.crdb-peer.clusterlab.svc.cluster.local",
                "crdb-0.crdb-peer.elsewhere.svc.cluster.local",
            ]) {
                assert.equal(
                    openssl(["x509", "-in", cert, "-noout", "-checkhost", host]).stdout.trim(),
                    `Hostname ${host} does NOT match certificate`,
                );
            }
        });
    }

    it("on Docker the node certificate names every possible member, crdb-0 … crdb-8", async () => {
        const graph = await graphOf("phase2", { platform: "docker" });
        const csr = graph.resources.get("tls:index/certRequest:CertRequest::crdb-node-csr")!.inputs;
        const members = Array.from({ length: CRDB_MAX_NODES }, (_, i) => `crdb-${i}`);
        for (const m of members) assert.ok(plain<string[]>(csr.dnsNames).includes(m), m);
        assert.throws(
            () => parseStackConfig({ lab: "crdb", crdb: { nodes: CRDB_MAX_NODES + 1 } }),
            /crdb\.nodes: expected an integer 1\.\.9/,
        );
    });
});

describe("CockroachDB secure mode as rendered", () => {
    it("stores the certs directories as Secrets with CockroachDB's file names, as secret values", async () => {
        const graph = await graphOf("phase2");
        const secrets = Object.fromEntries(
            ofType(graph, "kubernetes:core/v1:Secret")
                .filter((s) => s.name.startsWith("crdb-"))
                .map((s) => [s.name, s.inputs]),
        );
        const expected: Record<string, string[]> = {
            "crdb-node-certs": ["ca.crt", "node.crt", "node.key"],
            ...Object.fromEntries(USERS.map((u) => [`crdb-client-${u}`, ["ca.crt", `client.${u}.crt`, `client.${u}.key`]])),
        };
        assert.deepEqual(Object.keys(secrets).sort(), Object.keys(expected).sort());
        for (const [name, files] of Object.entries(expected)) {
            const data = secrets[name].stringData;
            assert.notEqual(plain(data), data, `${name}: stringData is not a secret`);
            assert.deepEqual(Object.keys(plain<Record<string, string>>(data)).sort(), files);
            // Each file holds what its tls resource issued.
            const stem = name === "crdb-node-certs" ? "crdb-node" : name;
            const contents = plain<Record<string, string>>(data);
            assert.match(contents["ca.crt"], /^mock-tls:crdb-ca:cert:/);
            assert.match(contents[files[1]], new RegExp(`^mock-tls:${stem}:cert:`));
            assert.match(contents[files[2]], new RegExp(`^mock-tls:${stem}-key:key:`));
        }
    });

    it("mounts node certs read-only at 0400 into the nodes, root's client certs into every step and the workload", async () => {
        const graph = await graphOf("phase2");
        const pod = (kind: string, name: string) => ofType(graph, kind).find((r) => r.name === name)!.inputs.spec.template;
        const mountOf = (template: any) => ({
            volumes: template.spec.volumes.filter((v: any) => v.secret),
            mounts: template.spec.containers[0].volumeMounts.filter((m: any) => m.mountPath === "/cockroach/cockroach-certs"),
        });
        const sts = mountOf(pod("kubernetes:apps/v1:StatefulSet", "crdb"));
        assert.deepEqual(sts.volumes, [{ name: "secret-0", secret: { secretName: "crdb-node-certs", defaultMode: 0o400 } }]);
        assert.deepEqual(sts.mounts, [{ name: "secret-0", mountPath: "/cockroach/cockroach-certs", readOnly: true }]);
        const steps = ofType(graph, "kubernetes:batch/v1:Job").map((j) => j.name);
        assert.ok(steps.includes("crdb-init") && steps.some((s) => s.startsWith("sql-")), steps.join(", "));
        for (const step of steps) {
            const job = mountOf(pod("kubernetes:batch/v1:Job", step));
            assert.deepEqual(job.volumes, [{ name: "secret-0", secret: { secretName: "crdb-client-root", defaultMode: 0o400 } }], step);
            assert.equal(job.mounts.length, 1, step);
            const script: string = pod("kubernetes:batch/v1:Job", step).spec.containers[0].args[0];
            assert.doesNotMatch(script, /--insecure/, step);
            assert.match(script, /--certs-dir=\/cockroach\/cockroach-certs/, step);
        }
        const workload = mountOf(pod("kubernetes:apps/v1:Deployment", "crdb-workload"));
        assert.deepEqual(workload.volumes, [{ name: "secret-0", secret: { secretName: "crdb-client-root", defaultMode: 0o400 } }]);
    });

    it("probes and scrapes the HTTP port over HTTPS", async () => {
        const graph = await graphOf("phase2");
        const container = ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.template.spec
            .containers[0];
        assert.equal(container.readinessProbe.httpGet.scheme, "HTTPS");
        assert.equal(container.livenessProbe.httpGet.scheme, "HTTPS");
        const docker = await graphOf("phase2", { platform: "docker" });
        const c = ofType(docker, "docker:index/container:Container").find((r) => r.name === "crdb-0")!.inputs;
        assert.match(c.healthcheck.tests[1], /^curl -k -fsS https:\/\/127\.0\.0\.1:8080\/health\?ready=1 /);
        assert.notEqual(plain(c.uploads), c.uploads, "uploads holding keys are not secret");
        const uploads = plain<any[]>(c.uploads).filter((u: any) => u.file.startsWith("/cockroach/cockroach-certs/"));
        assert.deepEqual(
            uploads.map((u: any) => [u.file, u.permissions]),
            ["ca.crt", "node.crt", "node.key"].map((f) => [`/cockroach/cockroach-certs/${f}`, "0400"]),
        );
    });

    it("protects the CA key and certificate, and nothing else of secure mode", async () => {
        const graph = await graphOf("phase2");
        assert.deepEqual([...(graph.protect ?? [])].filter((k) => k.startsWith("tls:")).sort(), [
            "tls:index/privateKey:PrivateKey::crdb-ca-key",
            "tls:index/selfSignedCert:SelfSignedCert::crdb-ca",
        ]);
    });

    it("an insecure cluster registers no certificates and mounts none", async () => {
        const graph = await evaluate(stackConfig("phase1", { ...RENDER, crdb: { secure: false } }), "crdb");
        assert.deepEqual([...tlsInputs(graph).keys()], []);
        assert.deepEqual(
            ofType(graph, "kubernetes:core/v1:Secret").filter((s) => s.name.startsWith("crdb-")),
            [],
        );
        const template = ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.template;
        assert.equal(template.spec.volumes, undefined);
        assert.equal(template.spec.containers[0].readinessProbe.httpGet.scheme, undefined);
    });
});

describe("CockroachDB secure mode: config and guard", () => {
    it("crdb.secure defaults to true on both platforms; certValidityHours is 24..87600", () => {
        for (const platform of ["docker", "kubernetes"]) {
            const c = parseStackConfig({ lab: "crdb", platform, app: { enabled: false } });
            assert.equal(c.lab === "crdb" && c.crdb.secure, true);
            assert.equal(c.lab === "crdb" && c.crdb.certValidityHours, 43_800);
        }
        assert.throws(
            () => parseStackConfig({ lab: "crdb", crdb: { certValidityHours: 1 } }),
            /crdb\.certValidityHours: expected an integer 24\.\.87600, got 1/,
        );
        assert.throws(() => parseStackConfig({ lab: "crdb", crdb: { secure: "yes" } }), /crdb\.secure: expected true or false, got "yes"/);
    });

    it("refuses switching a deployed insecure stack to secure, and back, unless allowReplace", () => {
        const insecure = stackConfig("phase1", { crdb: { secure: false } });
        const secure = stackConfig("phase1");
        const [problem, ...rest] = checkTransition(guardState(insecure), secure);
        assert.deepEqual(rest, []);
        assert.match(
            problem,
            /^crdb\.secure: false → true restarts every node with new flags \(--certs-dir instead of --insecure\).*; set allowReplace: true to allow it$/,
        );
        assert.match(checkTransition(guardState(secure), insecure)[0], /^crdb\.secure: true → false restarts every node/);
        assert.deepEqual(checkTransition(guardState(insecure), { ...secure, allowReplace: true }), []);
        assert.deepEqual(checkTransition(guardState(secure), secure), []);
    });

    it("treats a guard state recorded before secure mode existed as insecure", () => {
        // A clusterlabGuard output as the code before secure mode wrote it: counts, replacing, firstPhase.
        const before: GuardState = {
            lab: "crdb",
            counts: { "crdb.nodes": 2, phase: 1 },
            replacing: { platform: "kubernetes" },
            firstPhase: 0,
        };
        assert.deepEqual(guardState(stackConfig("phase1", { crdb: { secure: false } })).memory?.["crdb.secure"], false);
        assert.match(checkTransition(before, stackConfig("phase1"))[0], /^crdb\.secure: false → true/);
        assert.deepEqual(checkTransition(before, stackConfig("phase1", { crdb: { secure: false } })), []);
    });

    it("a new certificate validity rolls the nodes on Kubernetes and, one at a time, on Docker; a single Docker node is re-created (guarded)", () => {
        const deployed = guardState(stackConfig("phase2"));
        assert.deepEqual(checkTransition(deployed, stackConfig("phase2", { crdb: { certValidityHours: 8_760 } })), []);
        // Three nodes on Docker: the lab drains and replaces them one at a time (tests/crdb-roll.test.ts).
        const onDocker = guardState(stackConfig("phase2", { platform: "docker" }));
        assert.deepEqual(checkTransition(onDocker, stackConfig("phase2", { platform: "docker", crdb: { certValidityHours: 8_760 } })), []);
        // One node has no other to serve while it restarts.
        const single = guardState(stackConfig("phase0", { platform: "docker" }));
        assert.deepEqual(checkTransition(single, stackConfig("phase0", { platform: "docker", crdb: { certValidityHours: 8_760 } })), [
            "crdb.certValidityHours: 43800 → 8760 would replace stateful resources; set allowReplace: true to allow it",
        ]);
    });
});
