// Checks the monitoring files without running Prometheus or Grafana:
// - deploy/prometheus/*.yml with Prometheus' own checker (`promtool check config`), and that each
//   scrapes what its deployment runs: every nurt app of its compose file, or the nurt pods of deploy/k8s;
// - the compose files' prometheus and grafana services: the right config, provisioning and
//   dashboard mounted read-only;
// - deploy/grafana: the data source, the dashboard provider, and the dashboard itself: unique
//   panel ids, panels on the grid without overlaps, every query plain PromQL once Grafana's interval
//   variables are replaced (`promtool check rules` on them as recording rules), and every metric
//   name a query uses one the apps define (read from the libs' source and from the apps' own
//   metrics registry, prom-client's default metrics).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { stringify } from 'yaml';
import { createMetricsRegistry } from '@nurt/observability';
import {
  dashboardMetricNames,
  dashboardPanels,
  dashboardTargets,
  metricNames,
  readDashboard,
  withoutGrafanaVariables,
  type DashboardPanel,
} from './dashboard.js';
import { arr, filesUnder, loadYaml, obj, rel, ROOT, str, type Obj } from './files.js';

/** Prometheus' checker; Debian's `prometheus` package ships it (.ci/run installs it). */
function promtool(args: string[]): { code: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if (result.error) {
    throw (result.error as NodeJS.ErrnoException).code === 'ENOENT'
      ? new Error('promtool is not installed: apt-get install prometheus (.ci/run installs it)')
      : result.error;
  }
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

function withTempDir<T>(use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'nurt-monitoring-'));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// Compose: the prometheus and grafana services
// ---------------------------------------------------------------------------------------------------

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

interface ComposeFile {
  file: string;
  services: Map<string, Obj>;
}

const COMPOSE_FILES: ComposeFile[] = ['docker/compose.yml', 'docker/compose.monolith.yml'].map((f) => {
  const file = join(ROOT, f);
  const [doc] = loadYaml(file);
  return { file, services: new Map(Object.entries(obj(obj(doc).services)).map(([name, s]) => [name, obj(s)])) };
});

const image = (service: Obj | undefined): string => str(service?.image);

function serviceOf(compose: ComposeFile, imagePrefix: string): [string, Obj] {
  const found = [...compose.services].filter(([, s]) => image(s).startsWith(imagePrefix));
  expect({ file: rel(compose.file), imagePrefix, services: found.length }).toEqual({
    file: rel(compose.file),
    imagePrefix,
    services: 1,
  });
  return found[0];
}

/** A service's bind mounts (short `src:dst[:ro]` or long syntax), sources resolved from the compose file. */
function mounts(compose: ComposeFile, service: Obj): Mount[] {
  return arr(service.volumes).map((v) => {
    if (typeof v === 'string') {
      const [source, target, mode = ''] = v.split(':');
      return { source: resolve(dirname(compose.file), source), target, readOnly: mode.split(',').includes('ro') };
    }
    const m = obj(v);
    return {
      source: resolve(dirname(compose.file), str(m.source)),
      target: str(m.target),
      readOnly: m.read_only === true,
    };
  });
}

function mountOf(compose: ComposeFile, service: Obj, target: string): Mount {
  const found = mounts(compose, service).find((m) => m.target === target);
  expect({ target, mounted: found !== undefined }).toEqual({ target, mounted: true });
  return found as Mount;
}

const nurtServices = (compose: ComposeFile): string[] =>
  [...compose.services].filter(([, s]) => image(s).startsWith('nurt/')).map(([name]) => name);

// ---------------------------------------------------------------------------------------------------
// Prometheus
// ---------------------------------------------------------------------------------------------------

const PROMETHEUS_DIR = join(ROOT, 'deploy/prometheus');
const PROMETHEUS_FILES = filesUnder(PROMETHEUS_DIR, (n) => n.endsWith('.yml'));
/** Where the prom/prometheus image reads its configuration. */
const PROMETHEUS_CONFIG = '/etc/prometheus/prometheus.yml';

/** kubernetes_sd_configs keys of Prometheus' documentation (kubernetes_sd_config) that these files use or may. */
const KUBERNETES_SD_KEYS = ['role', 'api_server', 'kubeconfig_file', 'namespaces', 'selectors', 'attach_metadata'];
const KUBERNETES_SD_ROLES = ['node', 'service', 'pod', 'endpoints', 'endpointslice', 'ingress'];

function scrapeConfigs(file: string): Obj[] {
  return arr(obj(loadYaml(file)[0]).scrape_configs).map(obj);
}

/** What a config scrapes with static or DNS discovery: `host:port` of each target. */
function scrapedHosts(file: string, job: string): string[] {
  const config = scrapeConfigs(file).find((c) => c.job_name === job);
  const fromStatic = arr(config?.static_configs).flatMap((s) => arr(obj(s).targets).map(str));
  const fromDns = arr(config?.dns_sd_configs).flatMap((d) => {
    const dns = obj(d);
    expect({ file: rel(file), type: dns.type }).toEqual({ file: rel(file), type: 'A' });
    return arr(dns.names).map((name) => `${str(name)}:${str(dns.port)}`);
  });
  return [...fromStatic, ...fromDns].sort();
}

/**
 * Debian's promtool is built without Kubernetes discovery and refuses `kubernetes_sd_configs`. With
 * such a promtool, the discovery blocks are checked here against the keys Prometheus documents and
 * the rest of the file by promtool.
 */
function checkWithoutKubernetesDiscovery(file: string): { code: number | null; output: string } {
  const [config] = loadYaml(file);
  const errors: string[] = [];
  for (const scrape of arr(obj(config).scrape_configs).map(obj)) {
    for (const sd of arr(scrape.kubernetes_sd_configs).map(obj)) {
      errors.push(...Object.keys(sd).filter((k) => !KUBERNETES_SD_KEYS.includes(k)));
      if (!KUBERNETES_SD_ROLES.includes(str(sd.role))) errors.push(`role ${str(sd.role)}`);
      errors.push(...Object.keys(obj(sd.namespaces)).filter((k) => !['names', 'own_namespace'].includes(k)));
      for (const selector of arr(sd.selectors).map(obj)) {
        errors.push(...Object.keys(selector).filter((k) => !['role', 'label', 'field'].includes(k)));
        if (!KUBERNETES_SD_ROLES.includes(str(selector.role))) errors.push(`selector role ${str(selector.role)}`);
      }
    }
    delete scrape.kubernetes_sd_configs;
  }
  if (errors.length > 0) return { code: 1, output: `kubernetes_sd_configs: ${errors.join(', ')}` };
  return withTempDir((dir) => {
    const rest = join(dir, 'prometheus.yml');
    writeFileSync(rest, stringify(config));
    return promtool(['check', 'config', rest]);
  });
}

describe('deploy/prometheus', () => {
  it.each(PROMETHEUS_FILES.map((f) => [rel(f), f]))('%s passes promtool check config', (_name, file) => {
    let result = promtool(['check', 'config', file]);
    if (result.code !== 0 && /field kubernetes_sd_configs not found/.test(result.output)) {
      result = checkWithoutKubernetesDiscovery(file);
    }
    expect({ code: result.code, output: result.code === 0 ? '' : result.output }).toEqual({ code: 0, output: '' });
  });

  describe.each(COMPOSE_FILES.map((c) => [rel(c.file), c]))('%s', (_name, compose) => {
    it('runs Prometheus with a config of deploy/prometheus that scrapes every nurt service on 3000', () => {
      const [, prometheus] = serviceOf(compose, 'prom/prometheus:');
      const mount = mountOf(compose, prometheus, PROMETHEUS_CONFIG);
      expect({ source: rel(mount.source), readOnly: mount.readOnly }).toEqual({
        source: expect.stringMatching(/^deploy\/prometheus\/[a-z.]+\.yml$/) as string,
        readOnly: true,
      });
      expect(PROMETHEUS_FILES).toContain(mount.source);
      // Scaled services: DNS discovery finds each replica behind the service's name.
      expect(scrapedHosts(mount.source, 'nurt')).toEqual(
        nurtServices(compose)
          .map((s) => `${s}:3000`)
          .sort(),
      );
    });
  });

  it('prometheus.k8s.yml scrapes the nurt pods of deploy/k8s on their port named http', () => {
    const deployments = filesUnder(join(ROOT, 'deploy/k8s'), (n) => n.endsWith('.yaml') && n !== 'kustomization.yaml')
      .flatMap((f) => loadYaml(f).map(obj))
      .filter((d) => d.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    const namespaces = filesUnder(join(ROOT, 'deploy/k8s'), (n) => n === 'kustomization.yaml')
      .map((f) => str(obj(loadYaml(f)[0]).namespace))
      .filter(Boolean);
    const [config] = scrapeConfigs(join(PROMETHEUS_DIR, 'prometheus.k8s.yml')).filter((c) => c.job_name === 'nurt');
    const [sd] = arr(config.kubernetes_sd_configs).map(obj);
    expect(sd.role).toBe('pod');
    expect(arr(obj(sd.namespaces).names)).toEqual([...new Set(namespaces)]);
    const [selector] = arr(sd.selectors).map(obj);
    const [key, value] = str(selector.label).split('=');
    const keepPort = arr(config.relabel_configs)
      .map(obj)
      .find((r) => arr(r.source_labels).includes('__meta_kubernetes_pod_container_port_name') && r.action === 'keep');
    for (const d of deployments) {
      const template = obj(obj(d.spec).template);
      const name = str(obj(d.metadata).name);
      expect({ name, label: obj(obj(template.metadata).labels)[key] }).toEqual({ name, label: value });
      const ports = arr(obj(arr(obj(template.spec).containers)[0]).ports).map((p) => str(obj(p).name));
      expect({ name, port: ports.some((p) => new RegExp(`^(?:${str(keepPort?.regex)})$`).test(p)) }).toEqual({
        name,
        port: true,
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Grafana
// ---------------------------------------------------------------------------------------------------

const GRAFANA_DIR = join(ROOT, 'deploy/grafana');
/** Where the grafana/grafana image reads its provisioning. */
const GRAFANA_PROVISIONING = '/etc/grafana/provisioning';

describe('deploy/grafana', () => {
  const [datasourcesFile] = filesUnder(join(GRAFANA_DIR, 'provisioning/datasources'), (n) => n.endsWith('.yml'));
  const [providersFile] = filesUnder(join(GRAFANA_DIR, 'provisioning/dashboards'), (n) => n.endsWith('.yml'));
  const datasources = arr(obj(loadYaml(datasourcesFile)[0]).datasources).map(obj);
  const providers = arr(obj(loadYaml(providersFile)[0]).providers).map(obj);

  describe.each(COMPOSE_FILES.map((c) => [rel(c.file), c]))('%s', (_name, compose) => {
    it('runs Grafana with the provisioning and the dashboards of deploy/grafana, read-only', () => {
      const [, grafana] = serviceOf(compose, 'grafana/grafana:');
      for (const kind of ['datasources', 'dashboards']) {
        const mount = mountOf(compose, grafana, posix.join(GRAFANA_PROVISIONING, kind));
        expect({ kind, source: rel(mount.source), readOnly: mount.readOnly }).toEqual({
          kind,
          source: `deploy/grafana/provisioning/${kind}`,
          readOnly: true,
        });
      }
      // The provider loads the dashboards from where the compose file mounts deploy/grafana/dashboards.
      const dashboards = mounts(compose, grafana).find((m) => rel(m.source) === 'deploy/grafana/dashboards');
      expect(dashboards?.readOnly).toBe(true);
      expect(providers.map((p) => str(obj(p.options).path))).toEqual([dashboards?.target]);
      const home = str(obj(grafana.environment).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
      if (home)
        expect(existsSync(join(GRAFANA_DIR, 'dashboards', posix.relative(dashboards?.target ?? '', home)))).toBe(true);
    });

    it('points Grafana at the Prometheus of the same file', () => {
      const [name, prometheus] = serviceOf(compose, 'prom/prometheus:');
      const port = arr(prometheus.ports).map((p) => str(p).split(':').pop());
      expect(datasources.map((d) => [d.type, d.url])).toEqual([['prometheus', `http://${name}:${port[0]}`]]);
      expect(port).toEqual(['9090']);
    });
  });

  describe('dashboards/nurt.json', () => {
    const dashboard = readDashboard();
    const panels = dashboardPanels(dashboard);
    const graphs = panels.filter((p) => p.type !== 'row');

    it('is a dashboard with uid nurt whose panels query the data source chosen in ${datasource}', () => {
      expect(dashboard).toMatchObject({ uid: 'nurt', title: 'nurt' });
      expect(typeof dashboard.schemaVersion).toBe('number');
      expect(dashboard.templating?.list).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
        ]),
      );
      const wrong = graphs.flatMap((p) =>
        [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]
          .filter((d) => d?.type !== 'prometheus' || d.uid !== '${datasource}')
          .map(() => `${p.id} ${p.title}`),
      );
      expect(wrong).toEqual([]);
      expect(graphs.every((p) => (p.targets ?? []).length > 0)).toBe(true);
    });

    it('has unique panel ids and refIds, and panels on the 24-column grid without overlaps', () => {
      const ids = panels.map((p) => p.id);
      expect(ids.filter((id, i) => typeof id !== 'number' || ids.indexOf(id) !== i)).toEqual([]);
      for (const p of graphs) {
        const refIds = (p.targets ?? []).map((t) => t.refId);
        expect({ id: p.id, refIds: new Set(refIds).size }).toEqual({ id: p.id, refIds: refIds.length });
      }
      const box = (p: DashboardPanel) => p.gridPos ?? { x: -1, y: -1, w: 0, h: 0 };
      for (const p of panels) {
        const { x, w } = box(p);
        expect({ id: p.id, inside: x >= 0 && w > 0 && x + w <= 24 }).toEqual({ id: p.id, inside: true });
      }
      const overlaps = panels.flatMap((a, i) =>
        panels.slice(i + 1).flatMap((b) => {
          const [p, q] = [box(a), box(b)];
          const apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y;
          return apart ? [] : [`${a.id} and ${b.id}`];
        }),
      );
      expect(overlaps).toEqual([]);
    });

    it('queries in PromQL that promtool parses (as recording rules)', () => {
      const targets = dashboardTargets(dashboard);
      expect(targets.length).toBeGreaterThan(0);
      const rules = targets.map((t) => ({
        record: `nurt_dashboard:panel_${t.panelId}_${t.refId}`,
        expr: withoutGrafanaVariables(t.expr),
      }));
      const result = withTempDir((dir) => {
        const file = join(dir, 'dashboard.rules.yml');
        writeFileSync(file, stringify({ groups: [{ name: 'nurt-dashboard', rules }] }));
        return promtool(['check', 'rules', file]);
      });
      expect({ code: result.code, output: result.code === 0 ? '' : result.output }).toEqual({ code: 0, output: '' });
    });

    it('uses only metrics that the apps define', async () => {
      const defined = await definedMetricNames();
      expect(dashboardMetricNames(dashboard).filter((name) => !defined.has(name))).toEqual([]);
    });
  });

  it('reads metric names out of PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (group, le) (rate(projection_apply_seconds_bucket{group="a{b}"}[$__rate_interval] offset 5m)))' +
          ' / on (group) group_left (app) max without (instance) (up) > bool 1e3',
      ),
    ).toEqual(['projection_apply_seconds_bucket', 'up']);
    expect(metricNames('{__name__="kafka_consumergroup_lag", topic="transactions"}')).toEqual([
      'kafka_consumergroup_lag',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// The metric names the apps define
// ---------------------------------------------------------------------------------------------------

/** The series names of a metric as Prometheus stores them. */
function seriesNames(name: string, type: string): string[] {
  switch (type) {
    case 'histogram':
      return [`${name}_bucket`, `${name}_count`, `${name}_sum`];
    case 'summary':
      return [name, `${name}_count`, `${name}_sum`];
    default:
      return [name];
  }
}

/**
 * Every metric the libs create (`new Counter|Gauge|Histogram|Summary({ name: … })` in
 * libs/<lib>/src), with prom-client's default metrics as the apps register them
 * (createMetricsRegistry, which drops three of them). A name built from the options of its class
 * (`${options.name}_outbox_pending` in OutboxRelay) takes each `name: '…'` passed to `new <class>(`.
 */
async function definedMetricNames(): Promise<Set<string>> {
  const sources = readdirSync(join(ROOT, 'libs'))
    .flatMap((lib) => filesUnder(join(ROOT, 'libs', lib, 'src'), (n) => n.endsWith('.ts') && !n.endsWith('.spec.ts')))
    .map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  const names: string[] = [];
  for (const { file, text } of sources) {
    for (const m of text.matchAll(
      /new (Counter|Gauge|Histogram|Summary)\b(?:<[^>]*>)?\(\s*\{\s*name:\s*(?:'([^']+)'|`([^`]+)`)/g,
    )) {
      const type = m[1].toLowerCase();
      if (m[2] !== undefined) {
        names.push(...seriesNames(m[2], type));
        continue;
      }
      const owner = [...text.slice(0, m.index).matchAll(/\bclass (\w+)/g)].pop()?.[1];
      const instances = sources.flatMap(({ text: other }) =>
        [...other.matchAll(new RegExp(`new ${owner}\\([^;]*?\\bname:\\s*'([^']+)'`, 'g'))].map((i) => i[1]),
      );
      if (instances.length === 0) throw new Error(`${rel(file)}: no \`new ${owner}(…, { name: '…' })\` for ${m[3]}`);
      for (const instance of instances) names.push(...seriesNames(m[3].replace(/\$\{[^}]*\}/, instance), type));
    }
  }
  const registry = createMetricsRegistry('monitoring-spec');
  const defaults = await registry.getMetricsAsJSON();
  registry.clear();
  for (const metric of defaults) names.push(...seriesNames(metric.name, String(metric.type)));
  return new Set(names);
}
