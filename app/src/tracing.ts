/**
 * Optional OpenTelemetry tracing (`APP_OTEL_ENABLED=true`): spans for HTTP requests and `pg`
 * queries, exported over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (default
 * `http://localhost:4318`, path `/v1/traces`; OpenTelemetry specification "OTLP Exporter
 * Configuration"). Service name from `OTEL_SERVICE_NAME`, default `sample-app`.
 *
 * Must start before `http` and `pg` are loaded, so `main.ts` loads the server after it; the
 * packages are only required when tracing is on.
 */

/** A started tracer provider; `shutdown()` flushes pending spans. */
export interface Tracing {
    shutdown(): Promise<void>;
}

/** Starts the OpenTelemetry Node.js SDK with HTTP and pg instrumentation. */
export function startTracing(): Tracing {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { NodeSDK } = require("@opentelemetry/sdk-node") as typeof import("@opentelemetry/sdk-node");
    const { OTLPTraceExporter } =
        require("@opentelemetry/exporter-trace-otlp-http") as typeof import("@opentelemetry/exporter-trace-otlp-http");
    const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http") as typeof import("@opentelemetry/instrumentation-http");
    const { PgInstrumentation } = require("@opentelemetry/instrumentation-pg") as typeof import("@opentelemetry/instrumentation-pg");
    process.env.OTEL_SERVICE_NAME ??= "sample-app";
    const sdk = new NodeSDK({
        traceExporter: new OTLPTraceExporter(),
        instrumentations: [new HttpInstrumentation(), new PgInstrumentation()],
    });
    sdk.start();
    return { shutdown: () => sdk.shutdown() };
}
