/**
 * Fuzzing the REST API from its own contract: the live `/docs-json` of the monolith says what
 * each operation takes; fast-check generates requests around it (valid ones, each field broken
 * in turn, wrong types, missing and unknown fields, boundary and huge values, unicode, NaN,
 * deep nesting, invalid JSON, wrong content types, long URLs) and every answer is checked:
 * never a 5xx or a dropped connection, a 4xx (with a message) for everything the document says
 * is invalid, and the process healthy at the end. Ajv judges validity by the document itself, so
 * a rule enforced but not declared shows up as "valid by the document, refused".
 */
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import fc from 'fast-check';
import { SERVICES } from '@nurt/contracts';
import { loadServices } from '../apps/services/index.js';
import { freePort } from './support/net.js';
import { positionGroupsAtEnd } from './support/pipeline.js';
import { startBuiltApp, waitForHttp, type AppProcess } from './support/process.js';
import { runId } from './support/wait.js';

/** Requests in all, spread over the operations. */
const REQUESTS = 10_000;

type Schema = Record<string, unknown>;

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: Schema;
  readonly example?: unknown;
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body?: Schema;
}

interface Request {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Why the request is invalid by the document, or null when the document allows it. */
  readonly invalid: string | null;
  /**
   * False where the document leaves the answer open: a query parameter it does not list (an
   * operation with a query DTO refuses it, one without ignores it, and OpenAPI allows both).
   */
  readonly judged: boolean;
}

/** The operations of the public API, with every $ref resolved. */
function operationsOf(doc: {
  paths: Record<string, Record<string, Schema>>;
  components?: { schemas?: Schema };
}): Operation[] {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, Schema>;
  const resolve = (schema: unknown): Schema => {
    if (Array.isArray(schema)) return schema.map(resolve) as unknown as Schema;
    if (typeof schema !== 'object' || schema === null) return schema as Schema;
    const ref = (schema as { $ref?: string }).$ref;
    if (ref) return resolve(schemas[ref.replace('#/components/schemas/', '')]);
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v)]));
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (/^\/(health|dashboard)/.test(path)) continue; // platform routes, without input to speak of
    for (const [method, op] of Object.entries(methods)) {
      const body = (op as { requestBody?: { content?: Record<string, { schema?: unknown }> } }).requestBody?.content?.[
        'application/json'
      ]?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: resolve((op as { parameters?: unknown }).parameters ?? []) as unknown as Parameter[],
        ...(body ? { body: resolve(body) } : {}),
      });
    }
  }
  return operations;
}

/** A value the schema allows, from its examples, enums and bounds (the starting point of mutations). */
function sample(schema: Schema | undefined): unknown {
  if (!schema) return 'x';
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries((schema.properties ?? {}) as Record<string, Schema>)
          .filter(([name]) => ((schema.required ?? []) as string[]).includes(name))
          .map(([name, s]) => [name, sample(s)]),
      );
    case 'array':
      return [sample(schema.items as Schema)];
    case 'integer':
    case 'number':
      if (typeof schema.minimum !== 'number') return 1;
      return schema.exclusiveMinimum === true ? schema.minimum + 1 : schema.minimum;
    case 'boolean':
      return true;
    default:
      return 'x';
  }
}

/** Values that break most rules: other types, bounds, huge and odd text, deep nesting. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 1e-7, 0.001, 2 ** 53, '', ' ', '0', 'NaN', 'Infinity'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x'.repeat(5000), '<script>', "'; DROP TABLE x;--", '../../etc'),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.integer({ min: 33, max: 3000 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

/** A body: the sample, with a field removed, replaced, or added; or something else entirely. */
function bodies(schema: Schema | undefined): fc.Arbitrary<unknown> {
  const base = sample(schema);
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return fc.oneof(fc.constant(base), junk);
  const fields = Object.keys(schema?.properties ?? {});
  const field = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('x');
  return fc.oneof(
    fc.constant(base),
    field.map((f) => {
      const { [f]: _dropped, ...rest } = base as Record<string, unknown>;
      return rest;
    }),
    fc.tuple(field, junk).map(([f, value]) => ({ ...base, [f]: value })),
    fc.tuple(fc.string({ maxLength: 12 }), junk).map(([f, value]) => ({ ...base, [f]: value })),
    junk,
  );
}

/**
 * A path or query value: the sample (two times in three, so that an operation with several
 * parameters still gets requests that are valid as a whole), or junk as text.
 */
function paramValue(p: Parameter): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(String(p.example ?? sample(p.schema))) },
    { weight: 1, arbitrary: junk.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))) },
  );
}

const compiled = new WeakMap<Schema, ValidateFunction>();

/** An OpenAPI 3.0 schema as JSON Schema: boolean exclusiveMinimum/Maximum, and `nullable`. */
function jsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(jsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, jsonSchema(v)]));
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[flag] === true) {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) delete out[flag];
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

/** A path segment, percent-encoded; a lone surrogate (which encodeURIComponent refuses) as the bytes of invalid UTF-8. */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value]
      .map((c) => ((c as string & { isWellFormed(): boolean }).isWellFormed() ? encodeURIComponent(c) : '%ED%A0%80'))
      .join('');
  }
}

function requests(op: Operation, ajv: Ajv): fc.Arbitrary<Request> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const check = (schema: Schema | undefined, value: unknown, what: string): string | null => {
    if (!schema) return null;
    let validate = compiled.get(schema);
    if (!validate) compiled.set(schema, (validate = ajv.compile(jsonSchema(schema) as Schema)));
    return validate(value) ? null : `${what}: ${ajv.errorsText(validate.errors)}`;
  };
  /** A query or path text as the document's type reads it (a number for an integer parameter). */
  const typed = (schema: Schema | undefined, text: string): unknown =>
    schema && (schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)
      ? Number(text)
      : text;
  return fc
    .record({
      // Not empty: `/customers/` is another operation (the list), not this one with an empty id.
      path: fc.tuple(...pathParams.map((p) => paramValue(p).filter((v) => v !== ''))),
      // A required parameter is left out one time in ten, an optional one every other time.
      query: fc.tuple(
        ...queryParams.map((p) => fc.option(paramValue(p), { nil: undefined, freq: p.required ? 10 : 2 })),
      ),
      // Rare, so that most requests are judged: one in eight has a query parameter the document does not list.
      unknownQuery: fc.oneof(
        { weight: 7, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('zzz=1', `long=${'q'.repeat(10_000)}`) },
      ),
      body: bodies(op.body),
      // One body in six is sent broken or as another media type; the rest as JSON.
      encoding: fc.oneof(
        { weight: 5, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('not-json', 'nan', 'text/plain', 'no-type', 'form', 'proto', 'empty') },
      ),
    })
    .map(({ path, query, unknownQuery, body, encoding }) => {
      const problems: string[] = [];
      let url = op.path;
      pathParams.forEach((p, i) => {
        const value = path[i] ?? '';
        const problem = value === '' ? `${p.name}: empty` : check(p.schema, typed(p.schema, value), p.name);
        if (problem) problems.push(problem);
        url = url.replace(`{${p.name}}`, encodeSegment(value));
      });
      const search = new URLSearchParams();
      queryParams.forEach((p, i) => {
        const value = query[i];
        if (value === undefined) {
          if (p.required) problems.push(`${p.name}: missing`);
          return;
        }
        search.append(p.name, value);
        // As sent: URLSearchParams writes a lone surrogate as U+FFFD.
        const sent = (value as string & { toWellFormed(): string }).toWellFormed();
        const problem = check(p.schema, typed(p.schema, sent), p.name);
        if (problem) problems.push(problem);
      });
      const judged = unknownQuery === undefined;
      const qs = [search.toString(), unknownQuery ?? ''].filter(Boolean).join('&');
      url += qs ? `?${qs}` : '';
      if (!op.body) return { method: op.method, url, headers: {}, invalid: problems[0] ?? null, judged };

      let text = JSON.stringify(body) ?? 'null';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (encoding === 'not-json') text = text.slice(0, Math.max(1, text.length - 1)) + '{';
      if (encoding === 'nan') text = text.replace(/\d+(\.\d+)?/, 'NaN');
      if (encoding === 'text/plain') headers['content-type'] = 'text/plain';
      if (encoding === 'no-type') delete headers['content-type'];
      if (encoding === 'form') headers['content-type'] = 'application/x-www-form-urlencoded';
      if (encoding === 'proto') text = text.replace(/^\{/, '{"__proto__":{"admin":true},');
      if (encoding === 'empty') text = '';
      const parsed = ((): { ok: boolean; value?: unknown } => {
        try {
          return { ok: true, value: JSON.parse(text) as unknown };
        } catch {
          return { ok: false };
        }
      })();
      if (encoding && encoding !== 'nan' && encoding !== 'not-json') problems.push(`body sent as ${encoding}`);
      else if (!parsed.ok) problems.push('body: not JSON');
      else {
        const problem = check(op.body, parsed.value, 'body');
        if (problem) problems.push(problem);
      }
      return { method: op.method, url, headers, body: text, invalid: problems[0] ?? null, judged };
    });
}

describe('REST fuzzing from /docs-json', () => {
  let app: AppProcess | undefined;

  afterAll(async () => {
    await app?.stop('SIGTERM');
  });

  it(`answers ${REQUESTS.toLocaleString('en')} generated requests over every operation: no 5xx, a 4xx for every invalid one`, async () => {
    const suffix = `-fuzz-${runId()}`;
    await positionGroupsAtEnd(await loadServices(SERVICES), suffix);
    app = startBuiltApp('monolith', await freePort(), {
      KAFKA_GROUP_SUFFIX: suffix,
      // Its customer changes (seeded ids 1–3 updated and deleted at random) stay in its outbox: on
      // the shared customers topic they would be tombstones for keys other suites' databases use.
      CUSTOMERS_OUTBOX_RELAY: 'off',
    });
    const base = app.url;
    await waitForHttp(`${base}/health/ready`, 200, 120_000);
    const doc = JSON.parse(await waitForHttp(`${base}/docs-json`)) as Parameters<typeof operationsOf>[0];
    const operations = operationsOf(doc);
    const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes: false });
    // A CommonJS module whose function is also its `default`, which is what TypeScript sees.
    ajvFormats.default(ajv);

    const counts = { requests: 0, byStatus: new Map<number, number>() };
    /** Per operation, requests the document allows: the ones the "nothing refused" check sees. */
    const allowed = new Map<string, number>();
    /** What went wrong, by operation and kind, with one request that shows it. */
    const violations = new Map<string, string>();
    const runsEach = Math.ceil(REQUESTS / operations.length);
    for (const op of operations) {
      const outcome = await fc.check(
        fc.asyncProperty(requests(op, ajv), async (request) => {
          let res: Response;
          try {
            res = await fetch(`${base}${request.url}`, {
              method: request.method,
              headers: request.headers,
              ...(request.body !== undefined ? { body: request.body } : {}),
            });
          } catch (err: unknown) {
            throw new Error(`${request.method} ${request.url.slice(0, 200)}: connection failed: ${String(err)}`, {
              cause: err,
            });
          }
          const text = await res.text();
          counts.requests++;
          if (request.invalid === null && request.judged) {
            allowed.set(`${op.method} ${op.path}`, (allowed.get(`${op.method} ${op.path}`) ?? 0) + 1);
          }
          counts.byStatus.set(res.status, (counts.byStatus.get(res.status) ?? 0) + 1);
          const what = `${request.method} ${request.url.slice(0, 200)} ${request.body?.slice(0, 200) ?? ''} → ${res.status} ${text.slice(0, 300)}`;
          const violation = (kind: string): void => {
            violations.set(`${op.method} ${op.path} ${kind} (${res.status})`, what);
          };
          if (res.status >= 500) violation('5xx');
          else if (request.invalid !== null && res.status < 400) violation(`answered ${request.invalid.split(':')[0]}`);
          if (res.status >= 400) {
            let message: unknown;
            try {
              message = (JSON.parse(text) as { message?: unknown }).message;
            } catch {
              message = undefined;
            }
            if (typeof message !== 'string' || message.length < 8) violation('4xx without a message');
            else if (request.invalid === null && request.judged && res.status === 400) {
              violation(`refused what the document allows: ${message.slice(0, 100)}`);
            }
          }
        }),
        { numRuns: runsEach, seed: 424242, endOnFailure: true },
      );
      // The error names the request, cut short; fast-check's own report would print it whole (10 kB URLs).
      if (outcome.failed) throw outcome.errorInstance;
    }
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    process.stdout.write(
      `fuzz: ${counts.requests} requests over ${operations.length} operations; statuses ${JSON.stringify(Object.fromEntries(counts.byStatus))}\n`,
    );
    for (const [kind, example] of violations) process.stdout.write(`${kind}\n    e.g. ${example}\n`);
    process.stdout.write(
      `fuzz: allowed by the document, per operation: ${JSON.stringify(Object.fromEntries(allowed))}\n`,
    );
    // The check that nothing allowed is refused must have seen enough of them, for every operation.
    const few = operations.filter((op) => (allowed.get(`${op.method} ${op.path}`) ?? 0) < runsEach / 20);
    expect(few.map((op) => `${op.method} ${op.path}`)).toEqual([]);
    // Including a rule enforced but not declared: the document said the request was fine.
    expect([...violations.keys()]).toEqual([]);
  }, 600_000);
});
