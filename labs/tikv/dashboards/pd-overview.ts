/**
 * PD overview: the cluster as PD sees it — stores up and down, regions, regions missing a
 * replica, cluster storage size and capacity. Metric names as tikv/pd's own dashboard
 * `metrics/grafana/pd.json` reads them (`pd_cluster_status`, `pd_regions_status`).
 */
import { defineDashboard } from "../../../dashboards/presets";

/** Dashboard `pd-overview`: stores up/down, regions, missing-peer regions, cluster storage. */
export const pdOverview = defineDashboard({
    uid: "pd-overview",
    title: "PD overview",
    tags: ["pd", "tikv"],
    instanceMetric: "pd_cluster_status",
    sections: [
        {
            title: "Cluster (as PD sees it)",
            panels: [
                {
                    kind: "stat",
                    title: "Stores up",
                    description: "Stores PD considers up. Should equal the configured store count.",
                    unit: "short",
                    queries: [{ expr: 'max(pd_cluster_status{type="store_up_count"})' }],
                },
                {
                    kind: "stat",
                    title: "Stores down",
                    description: "Stores PD has not heard from within max-store-down-time. Anything above 0 needs a look.",
                    unit: "short",
                    queries: [{ expr: 'max(pd_cluster_status{type="store_down_count"})' }],
                },
                {
                    kind: "stat",
                    title: "Regions",
                    description: "Total regions in the cluster.",
                    unit: "short",
                    queries: [{ expr: 'max(pd_cluster_status{type="region_count"})' }],
                },
                {
                    kind: "stat",
                    title: "Missing-peer regions",
                    description:
                        "Regions with fewer replicas than max-replicas; grows while a store is down or a new store is catching up.",
                    unit: "short",
                    queries: [{ expr: 'max(pd_regions_status{type="miss-peer-region-count"})' }],
                },
                {
                    title: "Cluster storage",
                    description: "Cluster-wide storage size and capacity, as PD sums them.",
                    unit: "bytes",
                    queries: [
                        { expr: 'max(pd_cluster_status{type="storage_size"})', legend: "size" },
                        { expr: 'max(pd_cluster_status{type="storage_capacity"})', legend: "capacity" },
                    ],
                },
            ],
        },
    ],
});
