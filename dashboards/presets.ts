/**
 * Shared building blocks for clusterlab dashboards, on @grafana/grafana-foundation-sdk's
 * typed builders. Every query selects its data source through the `datasource` variable
 * and its members through the `instance` variable: no host names in dashboards.
 */
import {
    DashboardBuilder,
    DatasourceVariableBuilder,
    QueryVariableBuilder,
    RowBuilder,
    VariableRefresh,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";

/** A dashboard as provisioned to Grafana: its uid (file name) and its JSON model. */
export interface DashboardDefinition {
    /** Stable uid, also the provisioned file name (`<uid>.json`). */
    uid: string;
    title: string;
    /** Builds the dashboard JSON model (Grafana schemaVersion as the SDK emits it). */
    build(): Record<string, unknown>;
}

/** One PromQL query and its legend. */
export interface Query {
    expr: string;
    legend?: string;
}

/** One panel in a section: a time series (default) or a single stat. */
export interface PanelSpec {
    title: string;
    /** What a human should read from it. */
    description: string;
    /** Grafana unit id: `short`, `s`, `ns`, `bytes`, `ops`, `percentunit`. */
    unit: string;
    queries: Query[];
    kind?: "timeseries" | "stat";
    /** Width in grid columns (of 24); default 12 for time series, 6 for stats. */
    width?: number;
}

/** A collapsible row of panels. */
export interface SectionSpec {
    title: string;
    panels: PanelSpec[];
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** The rate window every `rate()` uses: Grafana's `$__rate_interval`. */
export const RATE = "$__rate_interval";

function panel(spec: PanelSpec) {
    const builder = spec.kind === "stat" ? new StatPanel() : new TimeseriesPanel();
    builder
        .title(spec.title)
        .description(spec.description)
        .unit(spec.unit)
        .datasource(DATASOURCE)
        .height(spec.kind === "stat" ? 4 : 8)
        .span(spec.width ?? (spec.kind === "stat" ? 6 : 12));
    spec.queries.forEach((q, i) =>
        builder.withTarget(
            new DataqueryBuilder()
                .expr(q.expr)
                .legendFormat(q.legend ?? "")
                .refId(String.fromCharCode(65 + i)),
        ),
    );
    return builder;
}

/** What a dashboard file declares. */
export interface DashboardSpec {
    /** Stable uid (≤ 40 chars), also the provisioned file name. */
    uid: string;
    title: string;
    /** Tags besides `clusterlab`. */
    tags: string[];
    /** A metric every member exports; the `instance` variable lists its `instance` labels. */
    instanceMetric: string;
    sections: SectionSpec[];
}

/** A dashboard definition whose uid and title are stated once, in `spec`. */
export function defineDashboard(spec: DashboardSpec): DashboardDefinition {
    return { uid: spec.uid, title: spec.title, build: () => buildDashboard(spec) };
}

/** The Grafana JSON model of a dashboard spec. */
function buildDashboard({ uid, title, tags, instanceMetric, sections }: DashboardSpec): Record<string, unknown> {
    const builder = new DashboardBuilder(title)
        .uid(uid)
        .tags(["clusterlab", ...tags])
        .refresh("10s")
        .time({ from: "now-30m", to: "now" })
        .withVariable(new DatasourceVariableBuilder("datasource").label("Data source").type("prometheus"))
        .withVariable(
            new QueryVariableBuilder("instance")
                .label("Instance")
                .datasource(DATASOURCE)
                .query(`label_values(${instanceMetric}, instance)`)
                .refresh(VariableRefresh.OnTimeRangeChanged)
                .multi(true)
                .includeAll(true)
                .allValue(".*"),
        );
    for (const section of sections) {
        builder.withRow(new RowBuilder(section.title));
        for (const p of section.panels) builder.withPanel(panel(p));
    }
    const model = builder.build() as unknown as Record<string, unknown>;
    // Grafana keys panel state by id; the SDK leaves ids unset on most panels.
    (model.panels as Array<Record<string, unknown>>).forEach((p, i) => (p.id = i + 1));
    return model;
}

/** `histogram_quantile(q, sum by (le, <by>) (rate(<metric>_bucket{<selector>}[$__rate_interval])))`. */
export function quantile(q: number, metric: string, selector: string, by: string[] = []): string {
    const groups = ["le", ...by].join(", ");
    return `histogram_quantile(${q}, sum by (${groups}) (rate(${metric}_bucket{${selector}}[${RATE}])))`;
}

/** The member filter every query carries. */
export const INSTANCE = 'instance=~"$instance"';

/** The selector of one gRPC method on the selected members, e.g. `grpc_method="Put", instance=~"$instance"`. */
export function grpcMethod(method: string): string {
    return `grpc_method="${method}", ${INSTANCE}`;
}
