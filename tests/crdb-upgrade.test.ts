/**
 * A CockroachDB major-version upgrade as a lab phase (labs/crdb/upgrade.ts), under Pulumi mocks:
 * the bump registers a hold task (auto-upgrade off, checked) that the node group waits for; a
 * patch bump or a new stack registers none; finalization is a task only `crdb.finalizeUpgrade`
 * asks for, refused when it names another major or comes in the same change as the bump. The
 * hold's and the finalization's scripts, as registered, then run in a real `sh` against the
 * stand-in `tests/fixtures/standins/cockroach`.
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StackConfig, parseStackConfig } from "../components/config";
import { GuardState, checkTransition, guardState } from "../components/guard";
import { Graph, evaluate, keyOf, ofType, stackConfig, waitsFor } from "./support/evaluate";
import { problemsOf } from "./support/config-problems";
import { CrdbLabConfig } from "../labs/crdb/config";
import { runScript } from "./support/membership-run";
import { requireTool, tempDir } from "./support/tools";

const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "upgrade-test-password" };
const APP = { app: { image: "clusterlab/sample-app:0.1.0" } };
const JOB = "kubernetes:batch/v1:Job";
const STS = "kubernetes:apps/v1:StatefulSet::crdb";
const HOLD = "crdb-upgrade-hold-24-3-to-25-1";

/** The phase-2 stack with `crdb` overrides (and others), on Kubernetes unless `extra` says otherwise. */
function phase2(crdb: Record<string, unknown>, extra: Record<string, unknown> = {}): StackConfig {
    return stackConfig("phase2", { ...RENDER, ...APP, ...extra, crdb });
}

/** The guard state of a phase-2 stack deployed at phases 0, 1, 2 with `crdb.version` `version`. */
function deployedAt(version: string, extra: Record<string, unknown> = {}): GuardState {
    let state: GuardState | undefined;
    for (const phase of [0, 1, 2])
        state = guardState(stackConfig(`phase${phase}`, { ...RENDER, ...APP, ...extra, crdb: { version } }), state);
    return state!;
}

function jobs(graph: Graph, prefix: string) {
    return ofType(graph, JOB).filter((j) => j.name.startsWith(prefix));
}

function script(job: { inputs: Record<string, any> }): string {
    return job.inputs.spec.template.spec.containers[0].args[0] as string;
}

describe("CockroachDB major-version upgrade as a lab phase", () => {
    it("v24.3.5 → v25.1.2: a hold Job, auto-upgrade off and checked before anything, that the StatefulSet waits for; gone once deployed", async () => {
        const deployed = deployedAt("v24.3.5");
        const bumped = phase2({ version: "v25.1.2" });
        assert.deepEqual(checkTransition(deployed, bumped), [], "the bump is refused on Kubernetes");
        const graph = await evaluate(bumped, "crdb-upgrade", deployed);
        const [hold, ...others] = jobs(graph, "crdb-upgrade-hold");
        assert.ok(hold, `no hold Job: ${ofType(graph, JOB).map((j) => j.name)}`);
        assert.equal(others.length, 0);
        assert.equal(hold.name, HOLD);
        assert.ok(waitsFor(graph, STS, keyOf(hold)), "the StatefulSet does not wait for the hold");
        assert.match(
            ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.template.spec.containers[0].image,
            /:v25\.1\.2$/,
        );
        // The steps' image: the version the stack's steps were created with, not the new one.
        assert.match(hold.inputs.spec.template.spec.containers[0].image, /:v24\.3\.5$/);
        const text = script(hold);
        const commands = text.split("\n").filter((l) => /'cockroach'/.test(l));
        assert.match(commands[0], /'SET CLUSTER SETTING cluster\.auto_upgrade\.enabled = false'/, text);
        assert.match(text, /clusterlab-step 1\/1: keep the upgrade unfinalized/);
        assert.doesNotMatch(text, /SET CLUSTER SETTING version|node decommission/);
        // Bounded: the Job's wait covers the script's.
        assert.ok(Number.parseInt(graph.customTimeouts?.get(keyOf(hold))?.create ?? "0") > 0, "no Job timeout");
        assert.equal(jobs(graph, "crdb-finalize").length, 0, "a finalize Job without crdb.finalizeUpgrade");

        const steady = await evaluate(bumped, "crdb-upgrade", guardState(bumped, deployed));
        assert.equal(jobs(steady, "crdb-upgrade-hold").length, 0, "the hold is registered again once v25.1.2 is deployed");
    });

    it("no hold for a patch bump (v24.3.5 → v24.3.6) or a new stack at v25.1.2", async () => {
        const patch = await evaluate(phase2({ version: "v24.3.6" }), "crdb-upgrade", deployedAt("v24.3.5"));
        assert.deepEqual(
            jobs(patch, "crdb-upgrade-hold").map((j) => j.name),
            [],
        );
        const fresh = await evaluate(phase2({ version: "v25.1.2" }), "crdb-upgrade");
        assert.deepEqual(
            jobs(fresh, "crdb-upgrade-hold").map((j) => j.name),
            [],
        );
    });

    it("docker (with allowReplace): the hold container comes before crdb-0's replacement", async () => {
        const docker = { platform: "docker" };
        const graph = await evaluate(
            phase2({ version: "v25.1.2" }, { ...docker, allowReplace: true }),
            "crdb-upgrade",
            deployedAt("v24.3.5", docker),
        );
        const hold = ofType(graph, "docker:index/container:Container").find((c) => c.name.includes(HOLD));
        assert.ok(hold, "no hold container");
        assert.ok(waitsFor(graph, "docker:index/container:Container::crdb-0", keyOf(hold)), "crdb-0 does not wait for the hold");
    });

    it("crdb.finalizeUpgrade: a crdb-finalize-<major> Job after the nodes and crdb-init, unchanged by a later patch bump; none without the key", async () => {
        const deployed = deployedAt("v25.1.2");
        const finalize = phase2({ version: "v25.1.2", finalizeUpgrade: "25.1" });
        assert.deepEqual(checkTransition(deployed, finalize), []);
        const graph = await evaluate(finalize, "crdb-upgrade", deployed);
        const job = jobs(graph, "crdb-finalize").find((j) => j.name === "crdb-finalize-25-1");
        assert.ok(job, `no finalize Job: ${ofType(graph, JOB).map((j) => j.name)}`);
        assert.ok(waitsFor(graph, keyOf(job), STS), "the finalization does not wait for the nodes");
        assert.ok(waitsFor(graph, keyOf(job), `${JOB}::crdb-init`), "the finalization does not wait for crdb-init");
        const text = script(job);
        assert.ok(
            text.indexOf("SET CLUSTER SETTING version = '25.1'") < text.indexOf("SET CLUSTER SETTING cluster.auto_upgrade.enabled = true"),
            text,
        );
        assert.equal(jobs(graph, "crdb-upgrade-hold").length, 0);
        // Left registered with the same inputs, so the provider does not run it again.
        const later = phase2({ version: "v25.1.3", finalizeUpgrade: "25.1" });
        const after = await evaluate(later, "crdb-upgrade", guardState(finalize, deployed));
        assert.deepEqual(jobs(after, "crdb-finalize")[0]?.inputs, job.inputs, "the finalize Job changed with a patch bump");
        const without = await evaluate(phase2({ version: "v25.1.2" }), "crdb-upgrade", deployed);
        assert.equal(jobs(without, "crdb-finalize").length, 0);
    });

    it("refuses a finalizeUpgrade that is not crdb.version's major, and one in the same change as the major bump", () => {
        const base = { lab: "crdb", platform: "kubernetes", app: { enabled: false } };
        assert.ok(
            problemsOf({ ...base, crdb: { version: "v25.1.2", finalizeUpgrade: "24.3" } }).some((p) =>
                p.startsWith("crdb.finalizeUpgrade: 24.3 but crdb.version v25.1.2 is 25.1"),
            ),
        );
        assert.ok(problemsOf({ ...base, crdb: { finalizeUpgrade: "v25.1" } }).some((p) => p.startsWith("crdb.finalizeUpgrade:")));
        // `pulumi config set --path crdb.finalizeUpgrade 25.1` may store a number: read as its text.
        assert.equal(
            (parseStackConfig({ ...base, crdb: { version: "v25.1.2", finalizeUpgrade: 25.1 } }) as CrdbLabConfig).crdb.finalizeUpgrade,
            "25.1",
        );
        const bumpAndFinalize = checkTransition(deployedAt("v24.3.5"), phase2({ version: "v25.1.2", finalizeUpgrade: "25.1" }));
        assert.ok(
            bumpAndFinalize.some(
                (p) =>
                    p.includes("crdb.finalizeUpgrade: 25.1 in the same change as crdb.version: v24.3.5 → v25.1.2") &&
                    p.includes("finalize in a later pulumi up, once every node runs v25.1.2"),
            ),
            bumpAndFinalize.join("\n"),
        );
    });

    describe("the registered scripts against the stand-in cockroach", function () {
        this.timeout(30_000);
        let dir: { path: string; remove: () => void };
        let env: NodeJS.ProcessEnv;
        const statePath = () => join(dir.path, "state.json");
        const logPath = () => join(dir.path, "calls.log");
        const calls = () => readFileSync(logPath(), "utf8").trim().split("\n");

        before(() => requireTool("sh"));
        beforeEach(() => {
            dir = tempDir("crdb-upgrade");
            writeFileSync(logPath(), "");
            env = {
                ...process.env,
                PATH: `${join(__dirname, "fixtures", "standins")}:${process.env.PATH}`,
                STANDIN_STATE: statePath(),
                STANDIN_LOG: logPath(),
            };
        });
        afterEach(() => dir.remove());

        it("the hold turns auto-upgrade off and reads it back; the finalization sets the version, reads it, turns auto-upgrade on", async () => {
            const nodes = [0, 1, 2].map((i) => ({
                id: i + 1,
                address: `crdb-${i}`,
                build: "v24.3.5",
                replicas: 10,
                membership: "active",
                live: true,
            }));
            writeFileSync(
                statePath(),
                JSON.stringify({
                    nodes,
                    strictSettings: true,
                    settings: { "cluster.auto_upgrade.enabled": "true", "cluster.preserve_downgrade_option": "", version: "24.3" },
                }),
            );
            const graph = await evaluate(phase2({ version: "v25.1.2" }), "crdb-upgrade", deployedAt("v24.3.5"));
            const hold = await runScript(script(jobs(graph, HOLD)[0]), env, join(dir.path, "hold.sh"), 20_000);
            assert.equal(hold.status, 0, hold.stderr);
            const held = calls();
            assert.match(
                held[0],
                /^cockroach sql --format=csv -e SET CLUSTER SETTING cluster\.auto_upgrade\.enabled = false --certs-dir=\S+ --host=crdb-0\.crdb-peer\.\S+:26257$/,
            );
            assert.match(held[1], /^cockroach sql --format=csv -e SHOW CLUSTER SETTING cluster\.auto_upgrade\.enabled /);
            assert.equal(held.length, 2, held.join("\n"));
            const state = JSON.parse(readFileSync(statePath(), "utf8"));
            assert.equal(state.settings["cluster.auto_upgrade.enabled"], "false");

            // The roll (the platform's) leaves every node on v25.1.2; then the finalization, a later up.
            state.nodes.forEach((n: { build: string }) => (n.build = "v25.1.2"));
            writeFileSync(statePath(), JSON.stringify(state));
            writeFileSync(logPath(), "");
            const deployed = guardState(phase2({ version: "v25.1.2" }), deployedAt("v24.3.5"));
            const later = await evaluate(phase2({ version: "v25.1.2", finalizeUpgrade: "25.1" }), "crdb-upgrade", deployed);
            const final = await runScript(script(jobs(later, "crdb-finalize-25-1")[0]), env, join(dir.path, "finalize.sh"), 20_000);
            assert.equal(final.status, 0, final.stderr);
            assert.deepEqual(
                calls().map((l) => l.replace(/ --certs-dir=.*$/, "")),
                [
                    "cockroach sql --format=csv -e SET CLUSTER SETTING version = '25.1'",
                    "cockroach sql --format=csv -e SHOW CLUSTER SETTING version",
                    "cockroach sql --format=csv -e SET CLUSTER SETTING cluster.auto_upgrade.enabled = true",
                ],
            );
            const done = JSON.parse(readFileSync(statePath(), "utf8")).settings;
            assert.deepEqual([done.version, done["cluster.auto_upgrade.enabled"]], ["25.1", "true"]);
            console.log(`      hold: ${held.length} calls; finalization: ${calls().length} calls`);
        });
    });
});
