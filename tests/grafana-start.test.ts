/**
 * Grafana's admin password output stays the login after a destroy + up (kept volume) or a new
 * `grafanaAdminPassword`: the rendered start resets the password with Grafana's CLI when the
 * database exists, reading it from stdin. The script runs here in a real `/bin/sh` with stand-ins
 * for `grafana` (records argv and stdin) and the image's `/run.sh` (Grafana itself is not run here).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GRAFANA_DB, GRAFANA_RUN } from "../components/observability";
import { evaluate, ofType, stackConfig } from "./support/evaluate";

const PASSWORD = "s3cret-Pass_word-42";

async function renderedStart(): Promise<{ entrypoint: string[]; script: string; envs: unknown }> {
    const graph = await evaluate(stackConfig("dev", { grafanaAdminPassword: PASSWORD }), "dev");
    const grafana = ofType(graph, "docker:index/container:Container").find((c) => c.name === "grafana-0");
    assert.ok(grafana, "a grafana container");
    return { entrypoint: grafana.inputs.entrypoints, script: grafana.inputs.command[0], envs: grafana.inputs.envs };
}

/** Runs the start script with stand-ins; `dbExists` creates the database file first. */
function run(script: string, dbExists: boolean): { argv: string; stdin: string; started: boolean } {
    const dir = mkdtempSync(join(tmpdir(), "grafana-start-"));
    try {
        const db = join(dir, "grafana.db");
        if (dbExists) writeFileSync(db, "");
        writeFileSync(join(dir, "grafana"), `#!/bin/sh\necho "$@" > ${dir}/argv\ncat > ${dir}/stdin\n`);
        writeFileSync(join(dir, "run.sh"), `#!/bin/sh\ntouch ${dir}/started\n`);
        for (const f of ["grafana", "run.sh"]) chmodSync(join(dir, f), 0o755);
        execFileSync("/bin/sh", ["-c", script.split(GRAFANA_DB).join(db).split(GRAFANA_RUN).join(join(dir, "run.sh"))], {
            env: { PATH: `${dir}:/usr/bin:/bin`, GF_SECURITY_ADMIN_PASSWORD: PASSWORD, GF_PATHS_HOME: "/usr/share/grafana" },
            timeout: 10_000,
        });
        const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : "");
        return { argv: read("argv"), stdin: read("stdin"), started: existsSync(join(dir, "started")) };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

describe("Grafana start keeps the admin password in step", () => {
    it("resets the admin password from stdin when the database exists, then starts Grafana", async () => {
        const { entrypoint, script, envs } = await renderedStart();
        assert.deepEqual(entrypoint, ["/bin/sh", "-c"]);
        assert.ok(!script.includes(PASSWORD), "the password is never in the script or argv");
        assert.ok(JSON.stringify(envs).includes(`GF_SECURITY_ADMIN_PASSWORD=${PASSWORD}`), "the password comes from the env");
        const kept = run(script, true);
        assert.equal(kept.argv.trim(), "cli --homepath /usr/share/grafana admin reset-admin-password --password-from-stdin");
        assert.equal(kept.stdin, PASSWORD);
        assert.ok(kept.started, "Grafana's own start script ran");
    });

    it("a new database: no reset (GF_SECURITY_ADMIN_PASSWORD applies), Grafana starts", async () => {
        const { script } = await renderedStart();
        const fresh = run(script, false);
        assert.equal(fresh.argv, "");
        assert.ok(fresh.started);
    });
});
