// The deployment files as the validators read them, for tools/deploy/manifests.spec.ts and for
// `npm run lab -- docker-kubernetes`: the compose files' services and their Compose Specification
// schema, the Kubernetes manifests and, per kind, the API schema (kubernetes-models) or the CRD
// schema (KEDA, made strict) that validates them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Namespace, ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { filesUnder, isObj, loadYaml, obj, rel, ROOT, str, type Obj } from './files.js';

export function formatErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
}

// Compose

export const COMPOSE_FILES = ['docker/compose.yml', 'docker/compose.monolith.yml'].map((f) => join(ROOT, f));

export function composeValidator() {
  const schema = JSON.parse(readFileSync(join(ROOT, 'tools/schemas/compose-spec.json'), 'utf8')) as Obj;
  // Its $schema is draft-07 under an https URI Ajv does not know by that name; Ajv's default is draft-07.
  delete schema.$schema;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

export interface ComposeService {
  name: string;
  image: string;
  env: Record<string, string>;
  raw: Obj;
}

export function composeServices(file: string): ComposeService[] {
  const [doc] = loadYaml(file);
  return Object.entries(obj(obj(doc).services)).map(([name, raw]) => {
    const service = obj(raw);
    const environment = service.environment;
    const env: Record<string, string> = {};
    if (Array.isArray(environment)) {
      for (const line of environment) {
        const [k, ...v] = str(line).split('=');
        env[k] = v.join('=');
      }
    } else {
      for (const [k, v] of Object.entries(obj(environment))) env[k] = str(v);
    }
    return { name, image: str(service.image), env, raw: service };
  });
}

export const isNurt = (s: ComposeService): boolean => s.image.startsWith('nurt/');
export const isKafka = (s: ComposeService): boolean => s.image.startsWith('apache/kafka:');
export const nurtApp = (s: ComposeService): string => str(obj(obj(s.raw.build).args).APP);

/** `NAME://host:port,…` → { NAME: {host, port} } */
export function listeners(value: string): Record<string, { host: string; port: string }> {
  return Object.fromEntries(
    value
      .split(',')
      .filter(Boolean)
      .map((l) => {
        const m = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(l.trim());
        if (!m) throw new Error(`not a listener: ${l}`);
        return [m[1], { host: m[2], port: m[3] }];
      }),
  );
}

// Kubernetes

export const K8S_DIR = join(ROOT, 'deploy/k8s');

export interface K8sDoc {
  file: string;
  doc: Obj;
  id: string;
}

export interface Kind {
  /** Throws, saying what is wrong, where the manifest breaks its kind's API schema. */
  validate(doc: Obj): void;
  /** TypeScript source declaring the kind's type as `Manifest`, for tsc's excess property check. */
  type: string;
}

/** A built-in kind: the kubernetes-models class (validator) and TypeScript type of that kind. */
export function builtIn(model: new (data: never) => { validate(): void }, module: string, type: string): Kind {
  return {
    validate: (doc) => new model(doc as never).validate(),
    type: `import type { ${type} } from '${module}';\ntype Manifest = ${type};`,
  };
}

/**
 * A custom resource: the openAPIV3Schema of its CRD (vendored in tools/schemas/), made strict. A CRD
 * schema lists its fields, but an object schema without `additionalProperties` lets any other key
 * through, which the API server then drops (a misspelt `maxReplicasCount` would be ignored, not
 * refused): every object schema with `properties` and no `additionalProperties` gets
 * `additionalProperties: false`. `metadata` is left to the Kubernetes ObjectMeta type, as the CRD
 * leaves it open, and the rules in `x-kubernetes-validations` (CEL) are checked as invariants below.
 */
export function crdKind(schemaFile: string, apiVersion: string, kind: string): Kind {
  const strict = (schema: unknown): void => {
    if (Array.isArray(schema)) schema.forEach(strict);
    if (!isObj(schema)) return;
    if (isObj(schema.properties) && schema.additionalProperties === undefined) schema.additionalProperties = false;
    for (const key of ['properties', 'patternProperties', 'definitions'])
      Object.values(obj(schema[key])).forEach(strict);
    for (const key of ['items', 'additionalProperties', 'anyOf', 'allOf', 'oneOf', 'not']) strict(schema[key]);
  };
  const schema = JSON.parse(readFileSync(join(ROOT, schemaFile), 'utf8')) as Obj;
  strict(schema);
  const validate: ValidateFunction = new Ajv({
    allErrors: true,
    // The x-kubernetes-* keywords are the API server's, not JSON Schema's.
    strict: false,
    formats: {
      int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
      'date-time': true,
    },
  }).compile(schema);
  return {
    validate: (doc) => {
      if (!validate(doc)) throw new Error(formatErrors(validate.errors));
    },
    // ObjectMeta, as every kind has it (kubernetes-models exports it through its kinds' types).
    type: [
      `import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';`,
      `type Manifest = { apiVersion: '${apiVersion}'; kind: '${kind}'; metadata: NonNullable<IDeployment['metadata']>; spec: unknown };`,
    ].join('\n'),
  };
}

export const SCALED_OBJECT = 'keda.sh/v1alpha1/ScaledObject';

/** apiVersion/kind → how to validate that kind. */
export const KINDS: Record<string, Kind> = {
  'v1/Namespace': builtIn(Namespace, 'kubernetes-models/v1/Namespace', 'INamespace'),
  'v1/ConfigMap': builtIn(ConfigMap, 'kubernetes-models/v1/ConfigMap', 'IConfigMap'),
  'v1/Secret': builtIn(Secret, 'kubernetes-models/v1/Secret', 'ISecret'),
  'v1/Service': builtIn(Service, 'kubernetes-models/v1/Service', 'IService'),
  'apps/v1/Deployment': builtIn(Deployment, 'kubernetes-models/apps/v1/Deployment', 'IDeployment'),
  [SCALED_OBJECT]: crdKind('tools/schemas/keda-scaledobject.json', 'keda.sh/v1alpha1', 'ScaledObject'),
};
export const kindOf = (d: Obj): string => `${str(d.apiVersion)}/${str(d.kind)}`;

export function k8sDocs(): K8sDoc[] {
  return filesUnder(K8S_DIR, (n) => n.endsWith('.yaml') && n !== 'kustomization.yaml').flatMap((file) =>
    loadYaml(file).flatMap((doc) =>
      isObj(doc) ? [{ file, doc, id: `${rel(file)} ${kindOf(doc)} ${str(obj(doc.metadata).name)}` }] : [],
    ),
  );
}
