// Containers and orchestration: the services as docker/compose.yml and deploy/k8s run them, read
// and validated offline (no Docker engine, no cluster needed): which services exist, how each
// scales, the environment, probes and Kafka settings each gets.
import { SERVICES, TOPIC_SPECS } from '@nurt/contracts';
import { groupsOf, type ServiceDefinition } from '@nurt/runtime';
import { join } from 'node:path';
import { loadServices } from '../../apps/services/index.js';
import { arr, loadYaml, obj, rel, ROOT, str, type Obj } from '../deploy/files.js';
import {
  composeServices,
  composeValidator,
  formatErrors,
  isKafka,
  isNurt,
  k8sDocs,
  kindOf,
  KINDS,
  listeners,
  nurtApp,
  SCALED_OBJECT,
  type ComposeService,
  type K8sDoc,
} from '../deploy/validate.js';
import { explain, table, type Cleaned, type Lab } from './kit.js';

export interface Validated {
  readonly file: string;
  readonly documents: number;
  readonly kinds: readonly string[];
  readonly errors: readonly string[];
}

export interface ServiceRow {
  /** Where it is declared: a compose file's service or a Kubernetes Deployment. */
  readonly source: string;
  readonly name: string;
  readonly role: string;
}

export interface ScalingRow {
  readonly app: string;
  /** The consumer groups it runs, each with the topics it reads and their partitions. */
  readonly groups: readonly {
    readonly group: string;
    readonly topics: readonly { topic: string; partitions: number }[];
  }[];
  /** Instances that get work: one per partition of the largest topic its groups read; null = no limit (HTTP only). */
  readonly maxUseful: number | null;
  readonly usesKafka: boolean;
  readonly usesDatabase: boolean;
  readonly composeReplicas: number;
  readonly composePublishes: readonly string[];
  /** The database its instances share in compose and in Kubernetes: 'PostgreSQL' or 'PGlite' (none set). */
  readonly composeDatabase: string;
  readonly k8sDatabase: string;
  readonly k8sReplicas: number | null;
  readonly keda: { readonly min: number; readonly max: number } | null;
}

export interface DockerKubernetesEvidence {
  readonly validated: readonly Validated[];
  readonly services: readonly ServiceRow[];
  readonly scaling: readonly ScalingRow[];
  readonly env: {
    readonly compose: readonly {
      readonly variable: string;
      readonly value: string;
      readonly services: readonly string[];
    }[];
    readonly k8s: readonly { readonly variable: string; readonly from: string; readonly value: string }[];
  };
  readonly probes: readonly {
    readonly deployment: string;
    readonly startup: string;
    readonly readiness: string;
    readonly liveness: string;
  }[];
  readonly kafka: {
    readonly brokers: readonly {
      readonly service: string;
      readonly nodeId: string;
      readonly advertised: string;
      readonly settings: string;
    }[];
    readonly topics: readonly {
      readonly topic: string;
      readonly partitions: number;
      readonly replicationFactor: number;
      readonly config: string;
    }[];
  };
  /** Every line the lab printed (the tests look for each service in them). */
  readonly printed: readonly string[];
  readonly cleaned: Cleaned;
}

const COMPOSE = ['docker/compose.yml', 'docker/compose.monolith.yml'];
const OVERRIDES = ['docker/compose.kafka-secure.yml', 'docker/compose.monolith.kafka-secure.yml'];

/** Secrets stay secret in the tables: passwords and tokens, and the password of a URL. */
function shown(variable: string, value: string): string {
  if (/PASSWORD|TOKEN|SECRET/.test(variable) && value && !value.startsWith('${')) return '***';
  return value.replace(/^(\w+:\/\/[^:/@]+:)[^@]+@/, '$1***@');
}

const container = (d: K8sDoc): Obj => obj(arr(obj(obj(obj(d.doc.spec).template).spec).containers)[0]);
const appOf = (d: K8sDoc): string => /^nurt\/([a-z-]+):/.exec(str(container(d).image))?.[1] ?? '';
const nameOf = (d: K8sDoc): string => str(obj(d.doc.metadata).name);

function probe(c: Obj, name: string): string {
  const p = obj(c[name]);
  if (!p.httpGet) return '-';
  const period = Number(p.periodSeconds ?? 10);
  const failures = Number(p.failureThreshold ?? 3);
  return `${str(obj(p.httpGet).path)} every ${period} s, ${failures} failures = ${period * failures} s`;
}

function validateAll(): Validated[] {
  const compose = composeValidator();
  const results: Validated[] = [];
  for (const file of [...COMPOSE, ...OVERRIDES]) {
    const docs = loadYaml(join(ROOT, file));
    const errors = docs.flatMap((doc) => (compose(doc) ? [] : [formatErrors(compose.errors)]));
    results.push({ file, documents: docs.length, kinds: ['compose'], errors });
  }
  const byFile = new Map<string, K8sDoc[]>();
  for (const d of k8sDocs()) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  for (const [file, docs] of byFile) {
    const errors: string[] = [];
    for (const { doc, id } of docs) {
      const kind = KINDS[kindOf(doc)];
      if (!kind) errors.push(`${id}: no schema for ${kindOf(doc)}`);
      else
        try {
          kind.validate(doc);
        } catch (err: unknown) {
          errors.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    results.push({
      file: rel(file),
      documents: docs.length,
      kinds: [...new Set(docs.map((d) => str(d.doc.kind)))],
      errors,
    });
  }
  return results;
}

function roleOf(s: ComposeService, definitions: ReadonlyMap<string, ServiceDefinition>): string {
  if (isKafka(s)) return 'Kafka broker+controller (KRaft)';
  if (s.image.startsWith('postgres:')) return 'PostgreSQL (the services share it, each its own schema)';
  if (s.image.startsWith('prom/') || s.image.startsWith('grafana/')) return 'monitoring';
  if (!isNurt(s)) return 'other';
  const app = nurtApp(s);
  if (app === 'gateway') return 'gateway: the one entry point, routes each path to its service';
  if (app === 'monolith') return 'every service in one process';
  const def = definitions.get(app);
  const groups = def ? groupsOf([def]).map((g) => g.group) : [];
  return groups.length > 0 ? `consumer group ${groups.join(', ')} (+ its HTTP reads)` : 'REST service';
}

export const dockerKubernetes: Lab<DockerKubernetesEvidence> = {
  name: 'docker-kubernetes',
  summary:
    'the compose files and Kubernetes manifests, validated offline: services, how each scales, env, probes, Kafka',
  async run({ log: print }) {
    const printed: string[] = [];
    const log = (line: string): void => {
      printed.push(line);
      print(line);
    };
    const rows = (lines: string[]): void => lines.forEach((line) => log(`   ${line}`));

    explain(
      log,
      '1. Validate, offline',
      'No Docker engine or Kubernetes cluster here: the lab reads the files and checks them against the Compose',
      'Specification schema (tools/schemas/compose-spec.json) and the Kubernetes API schemas (kubernetes-models;',
      "KEDA's CRD schema for ScaledObjects), the validators of tools/deploy/manifests.spec.ts, which checks more",
      '(unknown fields, probes, env names, the Dockerfile). Nothing is built or run.',
    );
    const validated = validateAll();
    rows(
      table(
        ['file', 'documents', 'kinds', 'valid?'],
        validated.map((v) => [
          v.file,
          v.documents,
          v.kinds.join(', '),
          v.errors.length === 0 ? 'yes' : `NO: ${v.errors.join('; ')}`,
        ]),
      ),
    );

    const definitions = new Map((await loadServices([...SERVICES])).map((d) => [d.name, d]));
    const split = composeServices(join(ROOT, COMPOSE[0] ?? ''));
    const monolith = composeServices(join(ROOT, COMPOSE[1] ?? ''));
    const docs = k8sDocs();
    const deployments = docs.filter((d) => d.doc.kind === 'Deployment');
    explain(
      log,
      '2. Which services exist',
      'docker/compose.yml runs nurt split: three Kafka nodes, PostgreSQL, six services, the gateway, monitoring;',
      'docker/compose.monolith.yml the same features in one process. deploy/k8s: one Deployment per app (Kafka and',
      'PostgreSQL are expected to exist: Strimzi, a managed database), deploy/k8s/monolith the monolith.',
    );
    const services: ServiceRow[] = [
      ...split.map((s) => ({ source: COMPOSE[0] ?? '', name: s.name, role: roleOf(s, definitions) })),
      ...monolith.map((s) => ({ source: COMPOSE[1] ?? '', name: s.name, role: roleOf(s, definitions) })),
      ...deployments.map((d) => ({
        source: rel(d.file),
        name: nameOf(d),
        role: `Deployment of nurt/${appOf(d)}, ${str(obj(d.doc.spec).replicas ?? 1)} replica(s)`,
      })),
    ];
    rows(
      table(
        ['declared in', 'service', 'what it is'],
        services.map((s) => [s.source, s.name, s.role]),
      ),
    );

    explain(
      log,
      '3. Which scale by instances, and why',
      "A consumer group shares its topics' partitions among its members, each partition to one member: instances",
      'beyond the partition count get none and idle. HTTP-only services scale freely behind a load balancer (a',
      "Kubernetes Service, compose's DNS round-robin). A service with state keeps it in a database every instance",
      'must share: embedded PGlite (no DATABASE_URL) is a folder one process owns, so scaled services need',
      "PostgreSQL. And a container that publishes a fixed host port (the gateway's 3000:3000) cannot run twice on one host.",
    );
    const configMaps = docs.filter((d) => d.doc.kind === 'ConfigMap');
    const secrets = docs.filter((d) => d.doc.kind === 'Secret');
    const k8sEnvOf = (d: K8sDoc): Map<string, { from: string; value: string }> => {
      const env = new Map<string, { from: string; value: string }>();
      for (const ref of arr(container(d).envFrom).map(obj)) {
        const isConfig = ref.configMapRef !== undefined;
        const name = str(obj(ref.configMapRef ?? ref.secretRef).name);
        const source = (isConfig ? configMaps : secrets).find((x) => nameOf(x) === name);
        const data = { ...obj(source?.doc.data), ...obj(source?.doc.stringData) };
        for (const [k, v] of Object.entries(data))
          env.set(k, { from: `${isConfig ? 'ConfigMap' : 'Secret'} ${name}`, value: str(v) });
      }
      for (const e of arr(container(d).env).map(obj)) env.set(str(e.name), { from: 'env', value: str(e.value) });
      return env;
    };
    const scaledObjects = docs.filter((d) => kindOf(d.doc) === SCALED_OBJECT);
    const partitionsOf = (topic: string): number => TOPIC_SPECS.find((t) => t.name === topic)?.partitions ?? 0;
    const scaling: ScalingRow[] = [...split, ...monolith].filter(isNurt).map((s) => {
      const app = nurtApp(s);
      const defs =
        app === 'monolith' ? [...definitions.values()] : [definitions.get(app)].filter((d) => d !== undefined);
      const groups = groupsOf(defs).map((g) => ({
        group: g.group,
        topics: g.contracts.map((c) => ({ topic: c.topic, partitions: partitionsOf(c.topic) })),
      }));
      const deployment = deployments.find((d) => appOf(d) === app);
      const so = scaledObjects.find((x) => str(obj(obj(x.doc.spec).scaleTargetRef).name) === app);
      const database = (url: string | undefined): string => (url?.startsWith('postgres') ? 'PostgreSQL' : 'PGlite');
      return {
        app,
        groups,
        maxUseful: groups.length > 0 ? Math.max(...groups.flatMap((g) => g.topics.map((t) => t.partitions))) : null,
        usesKafka: defs.some((d) => d.kafka),
        usesDatabase: defs.some((d) => d.database),
        composeReplicas: Number(obj(s.raw.deploy).replicas ?? 1),
        composePublishes: arr(s.raw.ports).map(str),
        composeDatabase: database(s.env.DATABASE_URL),
        k8sDatabase: deployment ? database(k8sEnvOf(deployment).get('DATABASE_URL')?.value) : '-',
        k8sReplicas: deployment ? Number(obj(deployment.doc.spec).replicas ?? 1) : null,
        keda: so
          ? { min: Number(obj(so.doc.spec).minReplicaCount ?? 0), max: Number(obj(so.doc.spec).maxReplicaCount ?? 100) }
          : null,
      };
    });
    rows(
      table(
        [
          'app',
          'consumer groups (topic: partitions)',
          'useful instances',
          'database',
          'compose',
          'k8s replicas',
          'KEDA',
        ],
        scaling.map((r) => [
          r.app,
          r.groups
            .map((g) => `${g.group} (${g.topics.map((t) => `${t.topic}: ${t.partitions}`).join(', ')})`)
            .join('; ') || '- (HTTP only)',
          r.maxUseful === null ? 'any (stateless HTTP)' : `up to ${r.maxUseful}`,
          r.usesDatabase ? `${r.composeDatabase} / ${r.k8sDatabase}` : '-',
          `${r.composeReplicas}${r.composePublishes.length ? ` (publishes ${r.composePublishes.join(', ')})` : ''}`,
          r.k8sReplicas ?? '-',
          r.keda ? `${r.keda.min}..${r.keda.max} on lag` : '-',
        ]),
      ),
    );
    log(
      '   (database: compose / Kubernetes. Scale in compose: docker compose -f docker/compose.yml up -d --scale reporting=3;',
    );
    log('   in Kubernetes: kubectl -n nurt scale deployment reporting --replicas=3, or let KEDA follow the lag.)');

    explain(
      log,
      '4. The environment each gets',
      'Twelve-factor: the image is the same everywhere, the environment differs. Each app reads only the variables it',
      'knows (.env.example lists them all). Secrets are shown as ***.',
    );
    const composeEnv = new Map<string, { value: string; services: string[] }>();
    for (const s of split.filter(isNurt))
      for (const [k, v] of Object.entries(s.env)) {
        const key = `${k}=${v}`;
        const entry = composeEnv.get(key) ?? { value: v, services: [] };
        entry.services.push(s.name);
        composeEnv.set(key, entry);
      }
    const nurtNames = split.filter(isNurt).map((s) => s.name);
    const envCompose = [...composeEnv.entries()]
      .map(([key, { value, services: names }]) => ({
        variable: key.slice(0, key.indexOf('=')),
        value,
        services: names,
      }))
      .sort((a, b) => a.variable.localeCompare(b.variable));
    log(`   ${COMPOSE[0]}:`);
    rows(
      table(
        ['variable', 'value', 'services'],
        envCompose.map((e) => [
          e.variable,
          shown(e.variable, e.value),
          e.services.length === nurtNames.length ? 'all' : e.services.join(', '),
        ]),
      ),
    );
    const k8sEnv = new Map<string, { from: string; value: string }>();
    for (const d of deployments) for (const [k, v] of k8sEnvOf(d)) k8sEnv.set(k, v);
    const envK8s = [...k8sEnv.entries()]
      .map(([variable, { from, value }]) => ({ variable, from, value: shown(variable, value) }))
      .sort((a, b) => a.variable.localeCompare(b.variable));
    log('');
    log('   deploy/k8s (every Deployment: envFrom the ConfigMap and the Secret):');
    rows(
      table(
        ['variable', 'from', 'value'],
        envK8s.map((e) => [e.variable, e.from, e.value]),
      ),
    );

    explain(
      log,
      '5. Probes: when a pod gets traffic, when it is restarted',
      'readiness /health/ready: 503 until Kafka, the database and the model are up (no traffic before);',
      'liveness /health/live: the event loop only, so a Kafka outage does not restart every pod; startup: the',
      'time an app gets to start (topics, migrations, the model) before liveness counts. Compose: a healthcheck.',
    );
    const probes = deployments.map((d) => ({
      deployment: `${nameOf(d)}${d.file.includes('/monolith/') ? ' (monolith layout)' : ''}`,
      startup: probe(container(d), 'startupProbe'),
      readiness: probe(container(d), 'readinessProbe'),
      liveness: probe(container(d), 'livenessProbe'),
    }));
    rows(
      table(
        ['Deployment', 'startup', 'readiness', 'liveness'],
        probes.map((p) => [p.deployment, p.startup, p.readiness, p.liveness]),
      ),
    );
    const hc = (s: ComposeService): string => {
      const h = obj(s.raw.healthcheck);
      const test = arr(h.test).map(str).join(' ');
      const what = /health\/ready/.test(test) ? 'GET /health/ready' : test.replace(/^CMD(-SHELL)? /, '').slice(0, 60);
      return h.test
        ? `${what}, every ${str(h.interval)}, ${str(h.retries)} retries, start period ${str(h.start_period)}`
        : '-';
    };
    log('');
    rows(
      table(
        ['compose service', 'healthcheck'],
        split.map((s) => [s.name, hc(s)]),
      ),
    );

    explain(
      log,
      '6. Kafka settings',
      'Compose runs three KRaft nodes (each broker and controller) with replication factor 3 and min.insync.replicas',
      '2: one node may be down (npm run lab -- replication). Kubernetes expects an existing cluster (KAFKA_BROKERS).',
      'The apps create the topics they declare (libs/contracts) at start-up; brokers never auto-create one.',
    );
    const brokerRows = split.filter(isKafka).map((b) => {
      const advertised = listeners(b.env.KAFKA_ADVERTISED_LISTENERS ?? '');
      return {
        service: b.name,
        nodeId: b.env.KAFKA_NODE_ID ?? '?',
        advertised: Object.entries(advertised)
          .map(([n, l]) => `${n} ${l.host}:${l.port}`)
          .join(', '),
        settings: `RF ${b.env.KAFKA_DEFAULT_REPLICATION_FACTOR}, min ISR ${b.env.KAFKA_MIN_INSYNC_REPLICAS}, auto-create ${b.env.KAFKA_AUTO_CREATE_TOPICS_ENABLE}`,
      };
    });
    rows(
      table(
        ['broker', 'node id', 'advertised listeners', 'settings'],
        brokerRows.map((b) => [b.service, b.nodeId, b.advertised, b.settings]),
      ),
    );
    const topics = TOPIC_SPECS.map((t) => ({
      topic: t.name,
      partitions: t.partitions,
      replicationFactor: t.replicationFactor,
      config: Object.entries(t.config)
        .map(([k, v]) => `${k}=${/\.ms$/.test(k) && Number(v) >= 86_400_000 ? `${Number(v) / 86_400_000}d` : v}`)
        .join(' '),
    }));
    log('');
    rows(
      table(
        ['topic', 'partitions', 'RF', 'config'],
        topics.map((t) => [t.topic, t.partitions, t.replicationFactor, t.config]),
      ),
    );
    const k8sKafka = [...k8sEnv.entries()]
      .filter(([k]) => k.startsWith('KAFKA_'))
      .map(([k, v]) => `${k}=${shown(k, v.value) || "''"}`);
    log('');
    log(`   deploy/k8s: ${k8sKafka.join(' ')}`);

    explain(
      log,
      'What this shows',
      'One image per app, configured by environment; the same features as one container (monolith) or seven.',
      'Scale the consumer groups by instances up to the partitions of what they read (6), the HTTP services',
      'freely; every scaled service that keeps state talks to one PostgreSQL. Validate with',
      '`npx jest tools/deploy` (more checks) and, where installed, `kubectl kustomize deploy/k8s`.',
    );
    return {
      validated,
      services,
      scaling,
      env: { compose: envCompose, k8s: envK8s },
      probes,
      kafka: { brokers: brokerRows, topics },
      printed,
      cleaned: { topics: [], groups: [] },
    };
  },
};
