/**
 * Prometheus alerting rules as data, and their rule-file YAML (Prometheus "Alerting rules":
 * prometheus.io/docs/prometheus/latest/configuration/alerting_rules/). Each lab states its own
 * rules beside its dashboards; Observability loads the rendered files.
 */
import { stringify } from "yaml";

/** One alerting rule: `expr` fires when it has been true for `for` (a Prometheus duration). */
export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    annotations: { summary: string };
}

/** A rule file with one group named `group` holding `rules` (the format `promtool check rules` reads). */
export function ruleFileYaml(group: string, rules: AlertRule[]): string {
    return stringify({ groups: [{ name: group, rules }] });
}
