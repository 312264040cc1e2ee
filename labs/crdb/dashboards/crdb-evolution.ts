/**
 * What to watch while the CockroachDB lab evolves: replicas and leaseholders per node,
 * under-replicated and unavailable ranges, rebalances and lease transfers.
 * Metric names: cockroach `pkg/kv/kvserver/metrics.go`.
 */
import { INSTANCE, RATE, defineDashboard } from "../../../dashboards/presets";

/** Dashboard `crdb-evolution`: what to watch while nodes join and the replication factor rises. */
export const crdbEvolution = defineDashboard({
    uid: "crdb-evolution",
    title: "CockroachDB evolution",
    tags: ["cockroachdb", "evolution"],
    instanceMetric: "replicas",
    sections: [
        {
            title: "Replication health",
            panels: [
                {
                    kind: "stat",
                    title: "Under-replicated ranges",
                    description:
                        "Ranges with fewer replicas than the zone config asks for. Rises right after the replication factor goes up, then must return to 0 before the next phase.",
                    unit: "short",
                    queries: [{ expr: `sum(ranges_underreplicated{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Unavailable ranges",
                    description: "Ranges without a quorum. Must stay 0 through every phase.",
                    unit: "short",
                    queries: [{ expr: `sum(ranges_unavailable{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Over-replicated ranges",
                    description: "Ranges with more replicas than asked for (transient during rebalancing).",
                    unit: "short",
                    queries: [{ expr: `sum(ranges_overreplicated{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Ranges",
                    description: "Ranges in the cluster.",
                    unit: "short",
                    queries: [{ expr: `max(ranges{${INSTANCE}})` }],
                },
            ],
        },
        {
            title: "Placement",
            panels: [
                {
                    title: "Replicas per node",
                    description: "With replication factor N and N nodes, every node ends up holding every range.",
                    unit: "short",
                    queries: [{ expr: `sum by (instance) (replicas{${INSTANCE}})`, legend: "{{instance}}" }],
                },
                {
                    title: "Leaseholders per node",
                    description: "Leaseholders serve reads and coordinate writes; they spread out after a node joins.",
                    unit: "short",
                    queries: [{ expr: `sum by (instance) (replicas_leaseholders{${INSTANCE}})`, legend: "{{instance}}" }],
                },
                {
                    title: "Range rebalances and lease transfers",
                    description: "Rebalancing activity: spikes after each phase, then settles.",
                    unit: "ops",
                    queries: [
                        { expr: `sum(rate(rebalancing_range_rebalances{${INSTANCE}}[${RATE}]))`, legend: "range rebalances" },
                        { expr: `sum(rate(rebalancing_lease_transfers{${INSTANCE}}[${RATE}]))`, legend: "lease transfers" },
                    ],
                },
                {
                    title: "Replica adds and removes",
                    description: "Up-replication after the replication factor changes.",
                    unit: "ops",
                    queries: [
                        { expr: `sum(rate(range_adds{${INSTANCE}}[${RATE}]))`, legend: "adds" },
                        { expr: `sum(rate(range_removes{${INSTANCE}}[${RATE}]))`, legend: "removes" },
                    ],
                },
            ],
        },
    ],
});
