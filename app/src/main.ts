/**
 * Entry point: parse the environment, start tracing when asked, listen, and shut down cleanly
 * on SIGTERM (Kubernetes sends it before killing a pod; `docker stop` too).
 */
import { loadConfig, redactUrl } from "./config";
import type { Tracing } from "./tracing";

async function main() {
    const config = loadConfig();
    let tracing: Tracing | undefined;
    // Before the server module loads `http` and `pg`, so their instrumentation can hook them.
    if (config.otel) tracing = (await import("./tracing")).startTracing();
    const { buildApp } = await import("./server");
    const app = buildApp(config);
    await app.server.listen({ port: config.port, host: config.host });
    console.log(
        `sample-app listening on ${config.host}:${config.port}; writer ${redactUrl(config.writerUrl)}; reader ${redactUrl(config.readerUrl)}; reader fallback ${config.readerFallback}; control token ${config.controlTokenGenerated ? "generated (APP_CONTROL_TOKEN unset: only this process's live page knows it)" : "from APP_CONTROL_TOKEN"}`,
    );
    let stopping = false;
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.on(signal, () => {
            if (stopping) return;
            stopping = true;
            console.log(`${signal}: closing`);
            app.close()
                .then(() => tracing?.shutdown())
                .then(
                    () => process.exit(0),
                    (err) => {
                        console.error(err);
                        process.exit(1);
                    },
                );
        });
    }
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
