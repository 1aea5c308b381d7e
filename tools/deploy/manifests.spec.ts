// Validates the deployment files without a Docker engine or a Kubernetes cluster:
// - docker/compose*.yml against the Compose Specification's JSON schema (vendored in tools/schemas/),
// - deploy/k8s/**/*.yaml against the Kubernetes API schemas (kubernetes-models' validators, generated
//   from the Kubernetes OpenAPI spec) and, for unknown or misspelt fields, which those schemas let
//   through, against the same package's TypeScript types (object-literal excess property checks),
// - deploy/k8s/autoscaling's KEDA ScaledObjects against KEDA's CRD schema (vendored, made strict),
// - and the invariants no schema knows: probes on the right paths, env vars that nurt reads, the
//   Kafka quorum, replication settings, the Dockerfile's COPY sources and APP argument, and what
//   each ScaledObject scales on (the group its target runs, the topics it reads, their partitions).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { TOPIC_SPECS, type ServiceName } from '@nurt/contracts';
import { groupsOf } from '@nurt/runtime';
import { loadServices } from '../../apps/services/index.js';
import { arr, filesUnder, isObj, loadYaml, obj, rel, ROOT, str, type Obj } from './files.js';
import {
  COMPOSE_FILES,
  composeServices,
  composeValidator,
  formatErrors,
  isKafka,
  isNurt,
  K8S_DIR,
  k8sDocs,
  kindOf,
  KINDS,
  listeners,
  nurtApp,
  SCALED_OBJECT,
  type K8sDoc,
} from './validate.js';

/** Variables nurt reads: every `NAME=` line of .env.example. */
const ENV_EXAMPLE = new Set(
  [...readFileSync(join(ROOT, '.env.example'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]),
);

/** Applications of the Nest monorepo (what `nest build` compiles to dist/apps/<app>/main.js). */
const NEST = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as {
  projects: Record<string, { type: string; root: string; entryFile: string }>;
};
const NEST_APPS = new Set(
  Object.entries(NEST.projects)
    .filter(([, p]) => p.type === 'application')
    .map(([name]) => name),
);
const SERVICES = ['customers', 'prediction', 'transactions', 'fraud', 'reporting', 'recommendation'] as const;
const WORKERS = ['fraud', 'reporting', 'recommendation'];
const SPLIT_APPS = [...SERVICES, 'gateway'];
/** Where the Deployments mount the Kafka CA (Secret nurt-kafka-ca), for KAFKA_SSL_CA_FILE. */
const KAFKA_CA_FILE = '/etc/nurt/kafka/ca.crt';
/** Env var of the gateway naming each service's base URL. */
const gatewayVar = (service: string): string => `GATEWAY_${service.toUpperCase()}_URL`;

// ---------------------------------------------------------------------------------------------------
// Compose
// ---------------------------------------------------------------------------------------------------

describe('compose files', () => {
  const validate = composeValidator();

  describe.each(COMPOSE_FILES.map((f) => [rel(f), f]))('%s', (_name, file) => {
    const services = composeServices(file);
    const byName = new Map(services.map((s) => [s.name, s]));

    it('is valid against the Compose Specification schema', () => {
      for (const doc of loadYaml(file)) {
        expect(validate(doc) ? '' : formatErrors(validate.errors)).toBe('');
      }
    });

    it('builds every nurt image from docker/Dockerfile with an APP that nest-cli.json knows', () => {
      for (const s of services.filter(isNurt)) {
        const build = obj(s.raw.build);
        const context = resolve(dirname(file), str(build.context));
        expect({ service: s.name, context: rel(context) || '.' }).toEqual({ service: s.name, context: '.' });
        expect(existsSync(join(context, str(build.dockerfile)))).toBe(true);
        expect([...NEST_APPS]).toContain(nurtApp(s));
        expect(s.image).toMatch(new RegExp(`^nurt/${nurtApp(s)}:`));
      }
    });

    it('sets only variables that nurt reads (.env.example) or that the upstream images document', () => {
      const unknown: string[] = [];
      for (const s of services) {
        const allowed = isNurt(s)
          ? (k: string) => ENV_EXAMPLE.has(k)
          : isKafka(s)
            ? (k: string) => k === 'CLUSTER_ID' || /^KAFKA_[A-Z0-9_]+$/.test(k)
            : s.image.startsWith('postgres:')
              ? (k: string) => ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'].includes(k)
              : s.image.startsWith('grafana/grafana:')
                ? // Grafana's configuration as env: GF_<SECTION>_<KEY>.
                  (k: string) => /^GF_[A-Z0-9_]+$/.test(k)
                : () => false;
        unknown.push(
          ...Object.keys(s.env)
            .filter((k) => !allowed(k))
            .map((k) => `${s.name}: ${k}`),
        );
      }
      expect(unknown).toEqual([]);
    });

    it('checks readiness on every nurt service and waits only on services with a health check', () => {
      for (const s of services.filter(isNurt)) {
        expect({ service: s.name, test: arr(obj(s.raw.healthcheck).test).join(' ') }).toEqual({
          service: s.name,
          test: expect.stringContaining('/health/ready') as string,
        });
      }
      for (const s of services) {
        for (const [dep, condition] of Object.entries(obj(s.raw.depends_on))) {
          expect(byName.has(dep)).toBe(true);
          if (obj(condition).condition === 'service_healthy') {
            expect({ dep, healthcheck: isObj(byName.get(dep)?.raw.healthcheck) }).toEqual({ dep, healthcheck: true });
          }
        }
      }
    });

    it('points the apps at the brokers and the database the file runs', () => {
      const brokers = services.filter(isKafka);
      const advertised = brokers
        .map((b) => listeners(b.env.KAFKA_ADVERTISED_LISTENERS)[b.env.KAFKA_INTER_BROKER_LISTENER_NAME])
        .map((l) => `${l.host}:${l.port}`)
        .sort();
      const postgres = services.find((s) => s.image.startsWith('postgres:'));
      for (const s of services.filter(isNurt)) {
        if (s.env.KAFKA_BROKERS) expect(s.env.KAFKA_BROKERS.split(',').sort()).toEqual(advertised);
        if (s.env.DATABASE_URL) {
          const url = new URL(s.env.DATABASE_URL);
          expect(url.hostname).toBe(postgres?.name);
          expect(url.username).toBe(postgres?.env.POSTGRES_USER);
          expect(url.password).toBe(postgres?.env.POSTGRES_PASSWORD);
          expect(url.pathname).toBe(`/${postgres?.env.POSTGRES_DB}`);
        }
      }
    });

    it('runs KRaft brokers whose quorum voters, listeners and cluster id agree', () => {
      const brokers = services.filter(isKafka);
      expect(brokers.length).toBeGreaterThan(0);
      const voters = brokers.map((b) => {
        const own = listeners(b.env.KAFKA_LISTENERS);
        const advertised = listeners(b.env.KAFKA_ADVERTISED_LISTENERS);
        expect(b.env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
        expect(own[b.env.KAFKA_CONTROLLER_LISTENER_NAMES]).toBeDefined();
        expect(advertised[b.env.KAFKA_CONTROLLER_LISTENER_NAMES]).toBeUndefined();
        expect(advertised[b.env.KAFKA_INTER_BROKER_LISTENER_NAME].host).toBe(b.name);
        expect(str(b.raw.hostname)).toBe(b.name);
        // Every listener name has a protocol.
        const protocols = listeners(b.env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP.replace(/:([A-Z_]+)/g, '://x:0'));
        for (const name of Object.keys(own)) expect(protocols[name]).toBeDefined();
        return `${b.env.KAFKA_NODE_ID}@${b.name}:${own[b.env.KAFKA_CONTROLLER_LISTENER_NAMES].port}`;
      });
      for (const b of brokers) {
        expect(b.env.KAFKA_CONTROLLER_QUORUM_VOTERS.split(',').sort()).toEqual([...voters].sort());
        expect(b.env.CLUSTER_ID).toBe(brokers[0].env.CLUSTER_ID);
        expect(Buffer.from(b.env.CLUSTER_ID, 'base64url')).toHaveLength(16);
        expect(b.env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
      }
      expect(new Set(brokers.map((b) => b.env.KAFKA_NODE_ID)).size).toBe(brokers.length);
      // Published host ports are distinct (the broker on each advertises its own).
      const hostPorts = brokers.flatMap((b) => arr(b.raw.ports).map((p) => str(p).split(':')[0]));
      expect(new Set(hostPorts).size).toBe(hostPorts.length);
    });
  });

  describe('docker/compose.yml (split)', () => {
    const services = composeServices(join(ROOT, 'docker/compose.yml'));
    const apps = new Map(services.filter(isNurt).map((s) => [nurtApp(s), s]));

    it('runs three brokers with replication factor 3 and min.insync.replicas 2', () => {
      const brokers = services.filter(isKafka);
      expect(brokers.map((b) => b.env.KAFKA_NODE_ID).sort()).toEqual(['1', '2', '3']);
      for (const b of brokers) {
        expect(b.env).toMatchObject({
          KAFKA_DEFAULT_REPLICATION_FACTOR: '3',
          KAFKA_MIN_INSYNC_REPLICAS: '2',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '3',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '2',
        });
      }
    });

    it('runs every service and the gateway, one service per app', () => {
      expect([...apps.keys()].sort()).toEqual([...SPLIT_APPS].sort());
      for (const [app, s] of apps) expect(s.name).toBe(app);
    });

    it('publishes only the gateway, on 3000, and leaves every service scalable', () => {
      for (const s of services.filter(isNurt)) {
        expect({ service: s.name, container_name: s.raw.container_name }).toEqual({ service: s.name });
        expect({ service: s.name, ports: arr(s.raw.ports).map(str) }).toEqual({
          service: s.name,
          ports: s.name === 'gateway' ? ['3000:3000'] : [],
        });
      }
    });

    it('points the gateway at each service on its port', () => {
      const gateway = apps.get('gateway');
      for (const service of SERVICES) {
        const url = new URL(gateway?.env[gatewayVar(service)] ?? 'missing:');
        expect({ service, host: url.hostname, port: url.port }).toEqual({ service, host: service, port: '3000' });
      }
    });
  });

  describe('docker/compose.monolith.yml', () => {
    const services = composeServices(join(ROOT, 'docker/compose.monolith.yml'));

    it('runs the monolith, published on 3000, against one broker', () => {
      expect(services.filter(isNurt).map(nurtApp)).toEqual(['monolith']);
      expect(arr(services.find(isNurt)?.raw.ports).map(str)).toEqual(['3000:3000']);
      const [broker, ...others] = services.filter(isKafka);
      expect(others).toEqual([]);
      expect(broker.env).toMatchObject({
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

function dockerfile(): Instruction[] {
  const text = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Stages: the instructions after each FROM. */
function stages(instructions: Instruction[]): Map<string, Instruction[]> {
  const result = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const i of instructions) {
    if (i.op === 'FROM') {
      current = [];
      result.set(/\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? `#${result.size}`, current);
    } else current?.push(i);
  }
  return result;
}

function dockerignored(path: string): boolean {
  const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let ignored = false;
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    if (re.test(path)) ignored = !negated;
  }
  return ignored;
}

describe('docker/compose*.kafka-secure.yml (nurt against a Kafka with SASL/SCRAM over TLS)', () => {
  const validate = composeValidator();
  const overrides = [
    ['docker/compose.kafka-secure.yml', 'docker/compose.yml'],
    ['docker/compose.monolith.kafka-secure.yml', 'docker/compose.monolith.yml'],
  ];

  it.each(overrides)(
    '%s gives every service of %s that talks to Kafka the settings nurt reads, the secrets from outside the file',
    async (override, base) => {
      const [doc] = loadYaml(join(ROOT, override));
      expect(validate(doc) ? '' : formatErrors(validate.errors)).toBe('');
      const kafkaApps = new Set([
        'monolith',
        ...(await loadServices([...SERVICES])).filter((service) => service.kafka).map((service) => service.name),
      ]);
      const expected = composeServices(join(ROOT, base))
        .filter((s) => isNurt(s) && kafkaApps.has(nurtApp(s)))
        .map((s) => s.name);
      const services = obj(obj(doc).services);
      expect(Object.keys(services).sort()).toEqual(expected.sort());
      const declared = Object.keys(obj(obj(doc).secrets));
      for (const [name, raw] of Object.entries(services)) {
        const service = obj(raw);
        const env = Object.fromEntries(Object.entries(obj(service.environment)).map(([k, v]) => [k, str(v)]));
        expect({ name, unknown: Object.keys(env).filter((k) => !ENV_EXAMPLE.has(k)) }).toEqual({ name, unknown: [] });
        expect(env).toMatchObject({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512' });
        expect(env.KAFKA_BROKERS).toMatch(/^\$\{[A-Z_]+:\?/);
        // Compose mounts the secret X at /run/secrets/X.
        const secrets = arr(service.secrets).map(str);
        expect(secrets.map((x) => `/run/secrets/${x}`)).toContain(env.KAFKA_SSL_CA_FILE);
        for (const x of secrets) expect(declared).toContain(x);
        // The SCRAM user and password: from an env file, never in the compose file.
        expect(arr(service.env_file).map(str)).toEqual(['kafka.env']);
        expect(Object.keys(env)).not.toContain('KAFKA_SASL_PASSWORD');
      }
    },
  );

  it('shows the env file in docker/kafka.env.example and keeps the real one and the CA out of git', () => {
    const example = readFileSync(join(ROOT, 'docker/kafka.env.example'), 'utf8');
    expect([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1])).toEqual([
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
    ]);
    const ignored = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['docker/kafka.env', 'docker/kafka-ca.pem']));
  });
});

describe('docker/Dockerfile', () => {
  const instructions = dockerfile();
  const byStage = stages(instructions);
  const runtime = byStage.get('runtime') ?? [];

  it('has build, prod-deps and runtime stages', () => {
    expect([...byStage.keys()]).toEqual(['build', 'prod-deps', 'runtime']);
  });

  it('defaults APP to an application of nest-cli.json, and passes it to the runtime (NURT_APP)', () => {
    const app = runtime.find((i) => i.op === 'ARG' && i.args.startsWith('APP='))?.args.slice('APP='.length);
    expect([...NEST_APPS]).toContain(app);
    expect(runtime.find((i) => i.op === 'ENV')?.args).toContain('NURT_APP=${APP}');
    expect(runtime.find((i) => i.op === 'CMD')?.args).toContain('dist/apps/${NURT_APP}/main.js');
    for (const name of NEST_APPS)
      expect(existsSync(join(ROOT, 'apps', name, `${NEST.projects[name].entryFile}.ts`))).toBe(true);
  });

  it('copies only paths that exist in the repository and that .dockerignore lets through', () => {
    const sources = instructions
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(' ')
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(ROOT, source)), ignored: dockerignored(source) }).toEqual({
        source,
        exists: true,
        ignored: false,
      });
    }
    expect(dockerignored('node_modules')).toBe(true);
    expect(dockerignored('.env')).toBe(true);
  });

  it('runs as a non-root user in production mode, with a liveness HEALTHCHECK on 3000', () => {
    const user = runtime.find((i) => i.op === 'USER')?.args ?? 'root';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const env = runtime
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toContain('NODE_ENV=production');
    for (const [, name] of env.matchAll(/([A-Z][A-Z0-9_]*)=/g)) {
      if (name !== 'NODE_ENV') expect([...ENV_EXAMPLE]).toContain(name);
    }
    expect(runtime.find((i) => i.op === 'HEALTHCHECK')?.args).toContain('/health/live');
    expect(runtime.find((i) => i.op === 'EXPOSE')?.args).toBe('3000');
  });
});

// ---------------------------------------------------------------------------------------------------
// Kubernetes
// ---------------------------------------------------------------------------------------------------

/**
 * The Kubernetes OpenAPI schema allows unknown fields (the API server drops them), so a misspelt
 * `readinesProbe` passes the schema. The TypeScript types generated from the same spec do not:
 * each manifest becomes an object literal of its kind's type and goes through tsc's excess
 * property check.
 */
function typeErrors(docs: K8sDoc[]): string[] {
  const sources = new Map<string, { text: string; id: string }>();
  docs.forEach(({ doc, id }, i) => {
    const kind = KINDS[kindOf(doc)];
    const text = `${kind.type}\nexport const m: Manifest = ${JSON.stringify(doc, null, 2)};\n`;
    sources.set(join(ROOT, 'tools/deploy', `__manifest_${i}.mts`), { text, id });
  });
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const virtual = sources.get(name);
    return virtual ? ts.createSourceFile(name, virtual.text, language) : getSourceFile(name, language, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => sources.get(name)?.text ?? readFile(name);
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? (sources.get(d.file.fileName)?.id ?? rel(d.file.fileName)) : '';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

function which(command: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, command))
    .find((path) => existsSync(path));
}

describe('deploy/k8s', () => {
  const docs = k8sDocs();
  const ofKind = (kind: string): K8sDoc[] => docs.filter((d) => str(d.doc.kind) === kind);
  const deployments = ofKind('Deployment');
  const container = (d: K8sDoc): Obj => obj(arr(obj(obj(obj(d.doc.spec).template).spec).containers)[0]);
  const podSpec = (d: K8sDoc): Obj => obj(obj(obj(d.doc.spec).template).spec);
  const appOf = (d: K8sDoc): string => /^nurt\/([a-z-]+):/.exec(str(container(d).image))?.[1] ?? '';

  it('uses only the kinds the test has schemas for', () => {
    expect(docs.map((d) => kindOf(d.doc)).filter((k) => !KINDS[k])).toEqual([]);
  });

  it("is valid against the Kubernetes API schemas (and KEDA's CRD schema, made strict)", () => {
    const errors: string[] = [];
    for (const { doc, id } of docs) {
      try {
        KINDS[kindOf(doc)].validate(doc);
      } catch (err: unknown) {
        errors.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    expect(errors).toEqual([]);
  });

  it('has no field the Kubernetes types do not know (misspelt or misplaced keys)', () => {
    expect(typeErrors(docs)).toEqual([]);
  });

  it('lists every manifest in a kustomization, and only files that exist', () => {
    const listed = new Set<string>();
    for (const file of filesUnder(K8S_DIR, (n) => n === 'kustomization.yaml')) {
      const [k] = loadYaml(file).map(obj);
      expect(k).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
      for (const resource of arr(k.resources).map(str)) {
        const path = resolve(dirname(file), resource);
        expect({ file: rel(file), resource, exists: existsSync(path) }).toEqual({
          file: rel(file),
          resource,
          exists: true,
        });
        const target = statSync(path).isDirectory() ? join(path, 'kustomization.yaml') : path;
        expect(existsSync(target)).toBe(true);
        listed.add(target);
      }
    }
    const manifests = filesUnder(K8S_DIR, (n) => n.endsWith('.yaml') && n !== 'kustomization.yaml');
    expect(manifests.filter((f) => !listed.has(f)).map(rel)).toEqual([]);
    expect(filesUnder(K8S_DIR, (n) => n.endsWith('.yml')).map(rel)).toEqual([]);
  });

  it('deploys every service and the gateway (split) and the monolith (deploy/k8s/monolith)', () => {
    expect(
      deployments
        .filter((d) => !d.file.includes('/monolith/'))
        .map(appOf)
        .sort(),
    ).toEqual([...SPLIT_APPS].sort());
    expect(deployments.filter((d) => d.file.includes('/monolith/')).map(appOf)).toEqual(['monolith']);
    for (const d of deployments) {
      expect([...NEST_APPS]).toContain(appOf(d));
      expect(str(obj(d.doc.metadata).name)).toBe(appOf(d));
    }
  });

  it('probes readiness on /health/ready and liveness on /health/live, on the container port', () => {
    for (const d of deployments) {
      const c = container(d);
      const ports = arr(c.ports).map(obj);
      const probe = (name: string) => obj(obj(c[name]).httpGet);
      const portOk = (port: unknown) => ports.some((p) => p.name === port || p.containerPort === port);
      expect({ id: d.id, ready: probe('readinessProbe').path, live: probe('livenessProbe').path }).toEqual({
        id: d.id,
        ready: '/health/ready',
        live: '/health/live',
      });
      expect(ports.map((p) => p.containerPort)).toEqual([3000]);
      for (const name of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        if (c[name]) expect({ id: d.id, name, port: portOk(probe(name).port) }).toEqual({ id: d.id, name, port: true });
      }
    }
    // The model warm-up: prediction (and the monolith, which serves it too) must not be killed by liveness.
    for (const app of ['prediction', 'monolith']) {
      const d = deployments.find((x) => appOf(x) === app);
      expect(obj(obj(d && container(d).startupProbe).httpGet).path).toBe('/health/live');
    }
  });

  it('sets resources, a non-root user and a read-only root filesystem', () => {
    for (const d of deployments) {
      const c = container(d);
      const resources = obj(c.resources);
      for (const part of ['requests', 'limits']) {
        expect({ id: d.id, part, keys: Object.keys(obj(resources[part])).sort() }).toEqual({
          id: d.id,
          part,
          keys: ['cpu', 'memory'],
        });
      }
      const pod = obj(podSpec(d).securityContext);
      expect(pod.runAsNonRoot).toBe(true);
      expect(pod.runAsUser).not.toBe(0);
      expect(obj(c.securityContext)).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    }
  });

  it('scales the consumer groups by replicas, at most one per partition of transactions (6)', () => {
    for (const d of deployments.filter((x) => WORKERS.includes(appOf(x)))) {
      const replicas = Number(obj(d.doc.spec).replicas);
      expect(replicas).toBeGreaterThanOrEqual(1);
      expect(replicas).toBeLessThanOrEqual(6);
    }
  });

  it('gives every Deployment a Service that selects its pods on the named port', () => {
    const services = ofKind('Service');
    for (const d of deployments) {
      const labels = obj(obj(obj(obj(d.doc.spec).template).metadata).labels);
      const service = services.find((s) => str(obj(s.doc.metadata).name) === appOf(d));
      expect({ app: appOf(d), service: service?.id !== undefined }).toEqual({ app: appOf(d), service: true });
      const spec = obj(service?.doc.spec);
      expect(labels).toMatchObject(obj(spec.selector));
      expect(obj(obj(d.doc.spec).selector).matchLabels).toEqual(spec.selector);
      const names = arr(container(d).ports).map((p) => obj(p).name);
      for (const port of arr(spec.ports).map(obj)) expect(names).toContain(port.targetPort);
    }
  });

  const nameOf = (d: K8sDoc): string => str(obj(d.doc.metadata).name);
  const keysOf = (d: K8sDoc): string[] => [...Object.keys(obj(d.doc.data)), ...Object.keys(obj(d.doc.stringData))];
  /** Names of the Secrets a Deployment mounts as files, by mount path. */
  const secretMounts = (d: K8sDoc): Map<string, string> => {
    const volumes = new Map(arr(podSpec(d).volumes).map((v) => [str(obj(v).name), obj(obj(v).secret)]));
    return new Map(
      arr(container(d).volumeMounts)
        .map(obj)
        .flatMap((m) => {
          const secret = volumes.get(str(m.name));
          return secret?.secretName ? [[str(m.mountPath), str(secret.secretName)] as const] : [];
        }),
    );
  };

  it('configures the apps only with variables nurt reads, from a ConfigMap and a Secret that exist', () => {
    const configs = [...ofKind('ConfigMap'), ...ofKind('Secret')];
    const names = new Set(configs.map(nameOf));
    const envFrom = new Set(
      deployments.flatMap((d) =>
        arr(container(d).envFrom).map((ref) => str(obj(obj(ref).configMapRef ?? obj(ref).secretRef).name)),
      ),
    );
    const mounted = new Set(deployments.flatMap((d) => [...secretMounts(d).values()]));
    // What reaches the environment is a variable nurt reads; a Secret only mounted as files (the
    // Kafka CA) is not environment. Every ConfigMap and Secret is used one way or the other.
    const keys = configs.filter((c) => envFrom.has(nameOf(c))).flatMap(keysOf);
    expect(keys.filter((k) => !ENV_EXAMPLE.has(k))).toEqual([]);
    expect(configs.map(nameOf).filter((n) => !envFrom.has(n) && !mounted.has(n))).toEqual([]);
    for (const d of deployments) {
      const c = container(d);
      for (const ref of arr(c.envFrom).map(obj)) {
        expect(names).toContain(str(obj(ref.configMapRef ?? ref.secretRef).name));
      }
      for (const secret of secretMounts(d).values()) expect(names).toContain(secret);
      expect(
        arr(c.env)
          .map((e) => str(obj(e).name))
          .filter((k) => !ENV_EXAMPLE.has(k)),
      ).toEqual([]);
    }
  });

  it('mounts the Kafka CA Secret where config.yaml tells KAFKA_SSL_CA_FILE to point, in every pod that talks to Kafka', async () => {
    const [config] = ofKind('ConfigMap');
    const configured = str(obj(config.doc.data).KAFKA_SSL_CA_FILE);
    // Empty (no TLS, or the system CAs) or the mounted file, which config.yaml's comment names.
    expect(['', KAFKA_CA_FILE]).toContain(configured);
    expect(readFileSync(config.file, 'utf8')).toContain(KAFKA_CA_FILE);
    const dir = dirname(KAFKA_CA_FILE);
    const key = KAFKA_CA_FILE.slice(dir.length + 1);
    const kafkaApps = new Set(
      (await loadServices([...SERVICES])).filter((service) => service.kafka).map((service) => service.name),
    );
    for (const d of deployments) {
      const app = appOf(d);
      const usesKafka = app === 'monolith' || kafkaApps.has(app);
      const secret = secretMounts(d).get(dir);
      expect({ app, mountsCa: secret !== undefined }).toEqual({ app, mountsCa: usesKafka });
      if (!secret) continue;
      const source = ofKind('Secret').find((x) => nameOf(x) === secret);
      expect({ app, secret, keys: source && keysOf(source) }).toEqual({ app, secret, keys: [key] });
    }
  });

  it('keeps the Secret to obvious placeholders and points the gateway at the Services', () => {
    for (const s of ofKind('Secret')) {
      for (const [key, value] of Object.entries(obj(s.doc.stringData))) {
        expect({ key, placeholder: str(value).includes('REPLACE-ME') }).toEqual({ key, placeholder: true });
      }
      expect(s.doc.data).toBeUndefined();
    }
    const [config] = ofKind('ConfigMap');
    const serviceNames = ofKind('Service').map((s) => str(obj(s.doc.metadata).name));
    for (const service of SERVICES) {
      const url = new URL(str(obj(config.doc.data)[gatewayVar(service)]) || 'missing:');
      expect({ service, host: url.hostname, port: url.port }).toEqual({ service, host: service, port: '3000' });
      expect(serviceNames).toContain(service);
    }
  });

  // kubectl needs no cluster for this; CI machines without it skip the check.
  const kubectl = which('kubectl');
  (kubectl ? it : it.skip)('builds both layouts and the autoscaling with kubectl kustomize', () => {
    for (const dir of ['deploy/k8s', 'deploy/k8s/monolith', 'deploy/k8s/autoscaling']) {
      const out = execFileSync(kubectl ?? 'kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8' });
      const built = parseAllDocuments(out).map((d) => obj(d.toJS()));
      for (const d of built.filter((x) => x.kind !== 'Namespace')) expect(obj(d.metadata).namespace).toBe('nurt');
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// KEDA (deploy/k8s/autoscaling)
// ---------------------------------------------------------------------------------------------------

/** The parameters of KEDA's kafka scaler (tools/schemas/keda-kafka-scaler.json, from its struct tags). */
interface KafkaScalerParam {
  name: string;
  order: ('triggerMetadata' | 'resolvedEnv' | 'authParams')[];
  optional?: boolean;
  default?: string;
  enum?: string[];
}
const KAFKA_SCALER = JSON.parse(readFileSync(join(ROOT, 'tools/schemas/keda-kafka-scaler.json'), 'utf8')) as {
  params: KafkaScalerParam[];
};

/** The param a trigger metadata key sets: `name` read from the metadata, or `nameFromEnv` naming an env var. */
function kafkaScalerParam(key: string): { param: KafkaScalerParam; fromEnv: boolean } | undefined {
  const fromEnv = key.endsWith('FromEnv');
  const name = fromEnv ? key.slice(0, -'FromEnv'.length) : key;
  const param = KAFKA_SCALER.params.find(
    (p) => p.name === name && p.order.includes(fromEnv ? 'resolvedEnv' : 'triggerMetadata'),
  );
  return param && { param, fromEnv };
}

describe('deploy/k8s/autoscaling (KEDA ScaledObjects)', () => {
  const docs = k8sDocs();
  const scaledObjects = docs.filter((d) => kindOf(d.doc) === SCALED_OBJECT);
  const deployments = docs.filter((d) => d.doc.kind === 'Deployment' && !d.file.includes('/monolith/'));
  const configMaps = docs.filter((d) => d.doc.kind === 'ConfigMap');
  const secrets = docs.filter((d) => d.doc.kind === 'Secret');
  const spec = (d: K8sDoc): Obj => obj(d.doc.spec);
  const container = (d: K8sDoc): Obj => obj(arr(obj(obj(obj(d.doc.spec).template).spec).containers)[0]);
  const appOf = (d: K8sDoc): string => /^nurt\/([a-z-]+):/.exec(str(container(d).image))?.[1] ?? '';
  const targetOf = (so: K8sDoc): K8sDoc | undefined =>
    deployments.find((d) => str(obj(d.doc.metadata).name) === str(obj(spec(so).scaleTargetRef).name));
  const triggersOf = (so: K8sDoc): Obj[] => arr(spec(so).triggers).map(obj);
  const metadataOf = (trigger: Obj): Record<string, string> => obj(trigger.metadata) as Record<string, string>;
  /** Variables the target's container gets: its env, and the keys of the ConfigMaps and Secrets of its envFrom. */
  const envOf = (d: K8sDoc): string[] => {
    const c = container(d);
    const fromRefs = arr(c.envFrom).flatMap((ref) => {
      const r = obj(ref);
      const name = str(obj(r.configMapRef ?? r.secretRef).name);
      const source = (r.configMapRef ? configMaps : secrets).find((x) => str(obj(x.doc.metadata).name) === name);
      return [...Object.keys(obj(source?.doc.data)), ...Object.keys(obj(source?.doc.stringData))];
    });
    return [...arr(c.env).map((e) => str(obj(e).name)), ...fromRefs];
  };
  const config = obj(configMaps[0]?.doc.data);

  /** Per worker service, the consumer group it runs and the topics the group reads (from the service definitions). */
  const groups = new Map<string, { group: string; topics: string[] }>();
  beforeAll(async () => {
    for (const service of await loadServices(WORKERS as ServiceName[])) {
      const [projection, ...others] = groupsOf([service]);
      expect({ service: service.name, groups: others.length + 1 }).toEqual({ service: service.name, groups: 1 });
      groups.set(service.name, { group: projection.group, topics: projection.contracts.map((c) => c.topic) });
    }
  });

  it('scales each worker Deployment of deploy/k8s with one ScaledObject of the same name', () => {
    expect(scaledObjects.map((so) => rel(so.file))).toEqual(
      scaledObjects.map(() => expect.stringMatching(/^deploy\/k8s\/autoscaling\//) as string),
    );
    const targets = scaledObjects.map((so) => {
      const ref = obj(spec(so).scaleTargetRef);
      const target = targetOf(so);
      expect({ id: so.id, kind: ref.kind ?? 'Deployment', apiVersion: ref.apiVersion ?? 'apps/v1' }).toEqual({
        id: so.id,
        kind: 'Deployment',
        apiVersion: 'apps/v1',
      });
      expect({ id: so.id, target: target && appOf(target) }).toEqual({ id: so.id, target: str(ref.name) });
      expect(str(obj(so.doc.metadata).name)).toBe(str(ref.name));
      return str(ref.name);
    });
    expect(targets.sort()).toEqual([...WORKERS].sort());
  });

  it('scales on the lag of the group its target runs, on the topics that group reads', () => {
    const suffix = str(config.KAFKA_GROUP_SUFFIX);
    for (const so of scaledObjects) {
      const { group, topics } = groups.get(str(obj(spec(so).scaleTargetRef).name)) ?? { group: '?', topics: [] };
      const triggers = triggersOf(so);
      expect(triggers.map((t) => t.type)).toEqual(['kafka']);
      const metadata = metadataOf(triggers[0]);
      expect({ id: so.id, consumerGroup: metadata.consumerGroup }).toEqual({
        id: so.id,
        consumerGroup: group + suffix,
      });
      if (metadata.topic !== undefined) expect(topics).toContain(metadata.topic);
      // Naming one topic of a group that reads several would leave the others' lag uncounted.
      if (topics.length > 1) expect({ id: so.id, topic: metadata.topic }).toEqual({ id: so.id, topic: undefined });
    }
  });

  it("sets only parameters KEDA's kafka scaler reads from the metadata, with valid values", () => {
    const required = KAFKA_SCALER.params.filter(
      (p) => !p.optional && p.default === undefined && !p.order.includes('authParams'),
    );
    expect(required.map((p) => p.name).sort()).toEqual(['bootstrapServers', 'consumerGroup']);
    for (const so of scaledObjects) {
      const target = targetOf(so);
      const env = target ? envOf(target) : [];
      const metadata = metadataOf(triggersOf(so)[0]);
      for (const [key, value] of Object.entries(metadata)) {
        const known = kafkaScalerParam(key);
        expect({ id: so.id, key, known: known !== undefined }).toEqual({ id: so.id, key, known: true });
        // KEDA reads a *FromEnv variable from the target container's environment.
        if (known?.fromEnv) {
          expect({ id: so.id, key, inEnv: env.includes(value) }).toEqual({ id: so.id, key, inEnv: true });
        }
        if (known?.param.enum) expect(known.param.enum).toContain(value);
      }
      for (const p of required) {
        expect({ id: so.id, param: p.name, set: [p.name, `${p.name}FromEnv`].some((k) => k in metadata) }).toEqual({
          id: so.id,
          param: p.name,
          set: true,
        });
      }
      expect(Number(metadata.lagThreshold ?? 10)).toBeGreaterThan(0);
      expect(Number.isInteger(Number(metadata.lagThreshold ?? 10))).toBe(true);
      // TLS or SASL towards Kafka (nurt-config) needs them for KEDA too: a TriggerAuthentication.
      if (config.KAFKA_SSL === 'true' || str(config.KAFKA_SASL_MECHANISM) !== '') {
        expect(triggersOf(so)[0].authenticationRef).toBeDefined();
      }
    }
  });

  it('keeps between 1 replica (HTTP reads) and one per partition of the largest topic the group reads', () => {
    for (const so of scaledObjects) {
      const { topics } = groups.get(str(obj(spec(so).scaleTargetRef).name)) ?? { topics: [] };
      const partitions = Math.max(...topics.map((t) => TOPIC_SPECS.find((s) => s.name === t)?.partitions ?? 0));
      // KEDA's defaults: 0 and 100.
      const min = Number(spec(so).minReplicaCount ?? 0);
      const max = Number(spec(so).maxReplicaCount ?? 100);
      expect(partitions).toBeGreaterThan(0);
      expect({ id: so.id, min, max, atLeastOne: min >= 1, ordered: min <= max, busy: max <= partitions }).toEqual({
        id: so.id,
        min,
        max,
        atLeastOne: true,
        ordered: true, // the CRD's CEL rule, which ajv cannot run
        busy: true,
      });
    }
  });

  it('is applied on its own (it needs KEDA installed), into the namespace of deploy/k8s', () => {
    const [split] = loadYaml(join(K8S_DIR, 'kustomization.yaml')).map(obj);
    const [autoscaling] = loadYaml(join(K8S_DIR, 'autoscaling/kustomization.yaml')).map(obj);
    expect(arr(split.resources).map(str)).not.toContain('autoscaling');
    expect(autoscaling.namespace).toBe(split.namespace);
  });
});
