// REST on nurt's customers service: resources and HTTP methods, status codes a client can act on,
// the OpenAPI document, and statelessness: two instances on one database answer as one.
import pg from 'pg';
import {
  call,
  openWorkspace,
  readyAfter,
  seconds,
  startApp,
  type AppProcess,
  type AppsCleaned,
  type Exchange,
} from './apps.js';
import { explain, LabScope, labKafka, runPrefix, table, type Lab } from './kit.js';

export type RestStep =
  | 'read'
  | 'list'
  | 'filter'
  | 'create'
  | 'read-created-elsewhere'
  | 'replace'
  | 'patch'
  | 'read-replaced'
  | 'invalid'
  | 'unknown'
  | 'delete'
  | 'read-deleted'
  | 'delete-again'
  | 'docs'
  | 'docs-json';

export interface RestEvidence {
  /** Where the instances keep their data; `shared` when there are two of them on it. */
  readonly database: string;
  readonly instances: readonly { readonly label: string; readonly pid: number; readonly url: string }[];
  /** Each request of the lab, and which instance it went to. */
  readonly steps: Readonly<Record<RestStep, Exchange & { readonly instance: string }>>;
  /** The same GETs sent to each instance (statelessness); empty with one instance. */
  readonly sameOnBoth: readonly { readonly path: string; readonly answers: readonly Exchange[] }[];
  /** Operations of /docs-json under /customers. */
  readonly operations: readonly { readonly method: string; readonly path: string; readonly summary: string }[];
  readonly cleaned: AppsCleaned;
}

/** The PostgreSQL server the lab tries for its scratch database: DATABASE_URL, the tests' TEST_DATABASE_URL, else local. */
export function postgresServer(): string {
  return process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

const redacted = (url: URL): string => `${url.protocol}//${url.host}${url.pathname}`;

/**
 * A fresh PostgreSQL database for the run, dropped on cleanup; undefined (and why) when no server
 * answers or it refuses, so that the lab falls back to one instance on PGlite.
 */
async function scratchDatabase(
  scope: LabScope,
  name: string,
): Promise<{ url: string; shown: string } | { reason: string }> {
  const server = new URL(postgresServer());
  const admin = new pg.Client({ connectionString: server.toString(), connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (err: unknown) {
    await admin.end().catch(() => undefined);
    return { reason: `PostgreSQL at ${redacted(server)}: ${err instanceof Error ? err.message : String(err)}` };
  }
  await admin.end();
  scope.defer(`database ${name}`, async () => {
    const client = new pg.Client({ connectionString: server.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  });
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), shown: redacted(url) };
}

export const rest: Lab<RestEvidence> = {
  name: 'rest',
  summary:
    'customers over REST: methods, status codes, Location, a 400 naming the field, /docs; two instances, one database',
  async run({ log }) {
    const prefix = runPrefix('rest');
    // No consumer group and no topic of its own: the scope only stops processes and removes folders.
    const scope = new LabScope(labKafka(prefix), log);
    try {
      // The database first: cleanup runs last in first out, so it is dropped after the instances stopped.
      const dbName = prefix.replace(/-/g, '_');
      const db = await scratchDatabase(scope, dbName);
      const shared = 'url' in db;
      const workspace = await openWorkspace(scope, prefix, ['customers'], log);
      if (shared) workspace.databases.push(dbName);
      explain(
        log,
        shared
          ? '1. Two instances of the customers service on one database'
          : '1. One instance of the customers service',
        'node dist/apps/customers/main.js (apps/customers), each on its own port. A REST service is stateless: what',
        'it knows lives in the database, not in the process, so any instance can answer any request.',
        ...(shared
          ? [`Both use a scratch PostgreSQL database, ${db.shown} (dropped at the end).`]
          : [
              `Two instances need a database both can reach; none here (${db.reason}),`,
              'so one instance on PGlite answers everything (PGlite: one process per folder).',
            ]),
        'Changes are not published to Kafka (CUSTOMERS_OUTBOX_RELAY=off): nothing reaches the shared topics.',
      );
      const env: Record<string, string> = shared
        ? { DATABASE_URL: db.url }
        : { PGLITE_DIR: workspace.folder('pglite') };
      const instances: AppProcess[] = [];
      for (const label of shared ? ['A', 'B'] : ['A']) {
        // One after the other: the first runs the migrations and the seed (Anna, Piotr, Kasia).
        const proc = await startApp(workspace, 'customers', env, `customers ${label}`);
        const ready = await readyAfter(proc);
        instances.push(proc);
        log(`   instance ${label}: pid ${proc.pid}, ${proc.url}, ready after ${seconds(ready)}`);
      }
      const a = instances[0];
      if (!a) throw new Error('no instance started');
      const b = instances[1] ?? a;
      const steps = {} as Record<RestStep, Exchange & { instance: string }>;
      const send = async (
        step: RestStep,
        on: AppProcess,
        method: string,
        path: string,
        body?: unknown,
      ): Promise<Exchange> => {
        const exchange = await call(log, on.url, method, path, {
          ...(body === undefined ? {} : { body }),
          via: `instance ${on.label.slice(-1)}`,
        });
        steps[step] = { ...exchange, instance: on.label.slice(-1) };
        return exchange;
      };

      explain(
        log,
        '2. GET reads: one resource by its URL, a collection, a collection filtered by query parameters',
        'GET never changes anything (safe), so it can be repeated, cached and sent to any instance.',
      );
      await send('read', a, 'GET', '/customers/1');
      await send('list', b, 'GET', '/customers/?segment=premium');
      await send('filter', a, 'GET', '/customers/?segment=premium&city=Gdansk');

      explain(
        log,
        '3. POST creates: 201 Created, the new resource in the body and its URL in the Location header',
        shared
          ? 'Created on instance A, then read on instance B, which never saw the POST: the state is in the database.'
          : 'Then read back at that URL.',
      );
      const zofia = { name: 'Zofia', email: `zofia.${prefix}@example.com`, city: 'Lodz', segment: 'premium' };
      const created = await send('create', a, 'POST', '/customers', zofia);
      const location = created.location ?? '/customers/0';
      await send('read-created-elsewhere', b, 'GET', location);

      explain(
        log,
        '4. PUT replaces the whole resource (every field required); PATCH would change some fields',
        'nurt offers PUT only; watch what a PATCH gets, and that it changed nothing.',
      );
      await send('replace', b, 'PUT', location, { ...zofia, name: 'Zofia Nowak', segment: 'standard' });
      await send('patch', a, 'PATCH', location, { city: 'Poznan' });
      await send('read-replaced', a, 'GET', location);

      explain(
        log,
        '5. Errors are status codes a client can act on: 400 says which field is wrong, 404 that nothing is there',
      );
      const invalid = await send('invalid', a, 'POST', '/customers', {
        ...zofia,
        email: 'not-an-email',
        nickname: 'zo',
      });
      const named = ((invalid.body as { errors?: { field: string; message: string }[] }).errors ?? []).map(
        (e) => `${e.field} (${e.message})`,
      );
      log(`   the fields it names (errors[]): ${named.join('; ') || 'none'}`);
      await send('unknown', b, 'GET', '/customers/999999');

      explain(
        log,
        '6. DELETE removes: 204 No Content; afterwards the URL answers 404',
        shared ? 'Deleted on A, read on B.' : '',
      );
      await send('delete', a, 'DELETE', location);
      await send('read-deleted', b, 'GET', location);
      await send('delete-again', a, 'DELETE', location);

      const sameOnBoth: { path: string; answers: Exchange[] }[] = [];
      if (shared) {
        explain(
          log,
          '7. Statelessness: the same request to each instance, the same answer',
          'A load balancer may send each request to any instance; the client cannot tell which answered.',
        );
        for (const path of ['/customers/1', '/customers/?segment=premium', '/customers/999999']) {
          const answers: Exchange[] = [];
          for (const on of instances)
            answers.push(await call(log, on.url, 'GET', path, { via: `instance ${on.label.slice(-1)}` }));
          sameOnBoth.push({ path, answers });
        }
        for (const line of table(
          ['request', ...instances.map((i) => i.label), 'same?'],
          sameOnBoth.map((s) => [
            `GET ${s.path}`,
            ...s.answers.map((x) => x.status),
            s.answers.every((x) => JSON.stringify(x.body) === JSON.stringify(s.answers[0]?.body)) ? 'yes' : 'NO',
          ]),
        ))
          log(`   ${line}`);
        log('   (each instance caches the customers it read for CUSTOMERS_CACHE_TTL_MS, 1 s on PostgreSQL: the one');
        log('   piece of per-instance state, which is why it expires)');
      }

      explain(
        log,
        `${shared ? 8 : 7}. /docs: the API describes itself (OpenAPI), generated from the controllers and DTOs`,
        '/docs is Swagger UI for a person; /docs-json the same document for a client generator.',
      );
      await send('docs', a, 'GET', '/docs');
      const docsJson = await send('docs-json', a, 'GET', '/docs-json');
      const document = docsJson.body as {
        openapi?: string;
        info?: { title?: string };
        paths?: Record<string, Record<string, { summary?: string }>>;
      };
      const operations = Object.entries(document.paths ?? {})
        .filter(([path]) => path.startsWith('/customers'))
        .flatMap(([path, ops]) =>
          Object.entries(ops).map(([method, op]) => ({
            method: method.toUpperCase(),
            path,
            summary: op.summary ?? '',
          })),
        );
      log(`   OpenAPI ${document.openapi ?? '?'}, "${document.info?.title ?? '?'}"; its operations on /customers:`);
      for (const line of table(
        ['method', 'path', 'summary'],
        operations.map((o) => [o.method, o.path, o.summary]),
      ))
        log(`     ${line}`);

      explain(log, 'What this shows');
      for (const line of table(
        ['request', 'status', 'meaning'],
        (
          [
            ['create', 'created; Location names it'],
            ['read', 'found'],
            ['replace', 'replaced'],
            [
              'patch',
              steps.patch.status === 404 || steps.patch.status === 405
                ? 'no PATCH route: nurt replaces with PUT; nothing changed'
                : 'answered',
            ],
            ['invalid', 'the body names the bad field(s)'],
            ['unknown', 'no such customer'],
            ['delete', 'deleted, no body'],
          ] as const
        ).map(([step, meaning]) => [`${steps[step].method} ${steps[step].path}`, steps[step].status, meaning]),
      ))
        log(`   ${line}`);
      log('');
      log(
        shared
          ? '   Two processes, one database: a resource created, changed or deleted through one instance is seen the'
          : '   With two instances on one database (PostgreSQL), a resource created through one instance is seen the',
      );
      log('   same way through the other; that is what lets a service scale out behind a load balancer.');

      return {
        database: shared ? `PostgreSQL ${db.shown}` : 'PGlite',
        instances: instances.map((i) => ({ label: i.label, pid: i.pid, url: i.url })),
        steps,
        sameOnBoth,
        operations,
        cleaned: {
          pids: [...workspace.pids],
          folders: [...workspace.folders],
          groups: [],
          databases: [...workspace.databases],
        },
      };
    } finally {
      await scope.close();
    }
  },
};
