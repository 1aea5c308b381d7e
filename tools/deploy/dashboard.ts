// Reads nurt's Grafana dashboard (deploy/grafana/dashboards/nurt.json): its panels, their PromQL
// expressions, and the metric names those expressions use, so that tests can check the names
// against what the apps export: tools/deploy/monitoring.spec.ts against the names defined in the
// source, an end-to-end test against a live /metrics.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export const DASHBOARD_FILE = join(ROOT, 'deploy/grafana/dashboards/nurt.json');

export interface DashboardPanel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: { refId?: string; expr?: string; datasource?: { type?: string; uid?: string } }[];
  /** A collapsed row keeps its panels here. */
  panels?: DashboardPanel[];
}

export interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: DashboardPanel[];
  templating?: { list?: { name?: string; type?: string; query?: unknown }[] };
}

export interface DashboardTarget {
  panelId: number | undefined;
  panelTitle: string;
  refId: string;
  expr: string;
}

export function readDashboard(file: string = DASHBOARD_FILE): Dashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/** Every panel, those inside collapsed rows included. */
export function dashboardPanels(dashboard: Dashboard = readDashboard()): DashboardPanel[] {
  return (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every query of every panel. */
export function dashboardTargets(dashboard: Dashboard = readDashboard()): DashboardTarget[] {
  return dashboardPanels(dashboard).flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      panelId: p.id,
      panelTitle: p.title ?? '',
      refId: t.refId ?? '',
      expr: t.expr ?? '',
    })),
  );
}

/**
 * The expression as plain PromQL: Grafana's interval variables ($__rate_interval, $__interval,
 * $__range, also written ${__rate_interval}) become a duration. Other variables are left as they
 * are, so that an expression using one fails to parse.
 */
export function withoutGrafanaVariables(expr: string, duration = '1m'): string {
  return expr.replace(/\$\{?__(?:rate_interval|interval|range)\}?/g, duration);
}

/** PromQL words that are not metric names: operators and modifiers (functions are followed by `(`). */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names an expression selects, as written: a histogram's series keep their `_bucket`,
 * `_count` or `_sum` suffix. Strings, label matchers, ranges, grouping clauses (`by (…)`,
 * `on (…)`, `group_left (…)`), function and aggregation names, numbers and durations are dropped;
 * what remains are the selectors' names (plus any `__name__="…"` matcher).
 */
export function metricNames(expr: string): string[] {
  const text = withoutGrafanaVariables(expr);
  const names = [...text.matchAll(/__name__\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
  const bare = text
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/[A-Za-z_][A-Za-z0-9_]*\s*\(/g, '(');
  // One token at a time, so that a duration (5m) or a number (1e3) is not read as a name.
  for (const [token] of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*|[0-9][A-Za-z0-9_.]*/g)) {
    if (/^[A-Za-z_:]/.test(token) && !KEYWORDS.has(token.toLowerCase())) names.push(token);
  }
  return [...new Set(names)].sort();
}

/** Every metric name the dashboard's queries use, sorted, each once. */
export function dashboardMetricNames(dashboard: Dashboard = readDashboard()): string[] {
  return [...new Set(dashboardTargets(dashboard).flatMap((t) => metricNames(t.expr)))].sort();
}
