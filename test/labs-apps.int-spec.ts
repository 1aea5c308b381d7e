// The labs that run nurt's own apps (monolith-vs-microservices, rest, model-serving) in their short
// mode against the real broker and PostgreSQL, their claims asserted on the evidence they return, and
// nothing of them left running or behind: processes, folders, consumer groups, databases.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { processExists, type AppsCleaned, type Exchange } from '../tools/labs/apps.js';
import type { LabOptions } from '../tools/labs/kit.js';
import { modelServing } from '../tools/labs/model-serving.js';
import { monolithVsMicroservices, withoutTimestamps } from '../tools/labs/monolith-vs-microservices.js';
import { postgresServer, rest } from '../tools/labs/rest.js';
import { plainKafka } from './support/kafka.js';
import { repoRoot } from './support/process.js';
import { waitFor } from './support/wait.js';

const printed: string[] = [];
const options: LabOptions = { log: (line) => printed.push(line), short: true };

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresServer() });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/** Every process the lab started is gone, its folders removed, its groups and databases deleted. */
async function expectNothingLeft(cleaned: AppsCleaned): Promise<void> {
  expect(cleaned.pids.length).toBeGreaterThan(0);
  for (const pid of cleaned.pids) expect(processExists(pid)).toBe(false);
  expect(cleaned.folders.length).toBeGreaterThan(0);
  for (const folder of cleaned.folders) expect(existsSync(folder)).toBe(false);
  if (cleaned.groups.length > 0) {
    const admin = plainKafka('nurt-test-labs-apps').admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      expect(groups.map((g) => g.groupId).filter((g) => cleaned.groups.includes(g))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  }
  for (const name of cleaned.databases) expect(await databaseExists(name)).toBe(false);
  expect(printed.some((line) => line.startsWith('cleanup: stopped'))).toBe(true);
}

const ok = (e: Exchange | undefined): boolean => e !== undefined && e.status >= 200 && e.status < 300;

describe("labs that run nurt's apps (npm run lab, short mode)", () => {
  beforeEach(() => {
    printed.length = 0;
  });

  it('monolith-vs-microservices: the same answers; kill -9 takes down the whole monolith but one service of the split', async () => {
    const e = await monolithVsMicroservices.run(options);
    const predict = e.paths.findIndex((p) => p.startsWith('/predict'));
    const customers = e.paths.findIndex((p) => p === '/customers/1');
    expect(predict).toBeGreaterThanOrEqual(0);
    expect(customers).toBeGreaterThanOrEqual(0);

    // One process against one per service plus the gateway, each measured.
    expect(e.monolith.processes).toHaveLength(1);
    expect(e.split.processes.map((p) => p.label).sort()).toEqual([...e.services, 'gateway'].sort());
    for (const p of [...e.monolith.processes, ...e.split.processes]) {
      expect(p.readyMs).toBeGreaterThan(0);
      expect(p.rssMiB).toBeGreaterThan(20);
    }
    const rss = (d: typeof e.monolith): number => d.processes.reduce((n, p) => n + p.rssMiB, 0);
    expect(rss(e.split)).toBeGreaterThan(rss(e.monolith));

    // Both answered every request, with the same body (the seed's timestamps aside).
    for (const [i, path] of e.paths.entries()) {
      expect([path, e.monolith.answers[i]?.status]).toEqual([path, 200]);
      expect([path, e.split.answers[i]?.status]).toEqual([path, 200]);
      expect(withoutTimestamps(e.split.answers[i]?.body)).toEqual(withoutTimestamps(e.monolith.answers[i]?.body));
    }
    expect(e.same.every(Boolean)).toBe(true);
    expect(e.monolith.answers[customers]?.body).toMatchObject({ id: 1, name: 'Anna' });
    expect(e.monolith.answers[predict]?.body).toMatchObject({ currency: 'PLN' });
    expect(typeof (e.monolith.answers[predict]?.body as { estimated_price?: unknown }).estimated_price).toBe('number');

    // The monolith killed: nobody answers anything.
    expect(e.monolith.crash.answers.map((a) => a.status)).toEqual(e.paths.map(() => 0));
    // The prediction service killed: its path fails at the gateway, every other still answers, the same.
    expect(e.split.crash.killed).toBe('prediction');
    expect(e.split.crash.answers[predict]?.status).toBe(503);
    for (const [i, answer] of e.split.crash.answers.entries()) {
      if (i === predict) continue;
      expect(ok(answer)).toBe(true);
      expect(answer.body).toEqual(e.split.answers[i]?.body);
    }
    await expectNothingLeft(e.cleaned);
  });

  it('rest: status codes and Location, a 400 naming the field; two instances on one database answer alike', async () => {
    const e = await rest.run(options);
    const s = e.steps;
    // This machine's tests have PostgreSQL, so the lab ran two instances on one scratch database.
    expect(e.instances).toHaveLength(2);
    expect(e.database).toMatch(/^PostgreSQL /);

    expect(s.read.status).toBe(200);
    expect(s.read.body).toMatchObject({ id: 1, name: 'Anna', segment: 'premium' });
    const items = (x: Exchange): { name: string; city: string; segment: string }[] =>
      (x.body as { items: { name: string; city: string; segment: string }[] }).items;
    expect(items(s.list).map((c) => c.name)).toEqual(['Anna', 'Kasia']);
    expect(items(s.filter).map((c) => c.name)).toEqual(['Kasia']);
    for (const c of items(s.filter)) expect([c.segment, c.city]).toEqual(['premium', 'Gdansk']);

    expect(s.create.status).toBe(201);
    const created = s.create.body as { id: number; name: string };
    expect(s.create.location).toBe(`/customers/${created.id}`);
    // Created on A, read on B.
    expect(s.create.instance).not.toBe(s['read-created-elsewhere'].instance);
    expect(s['read-created-elsewhere'].status).toBe(200);
    expect(s['read-created-elsewhere'].body).toEqual(created);

    expect(s.replace.status).toBe(200);
    expect(s.replace.body).toMatchObject({ id: created.id, name: 'Zofia Nowak', segment: 'standard', city: 'Lodz' });
    // PATCH is no route of nurt's: refused, and it changed nothing (read on the other instance than the PUT).
    expect([404, 405]).toContain(s.patch.status);
    expect(s['read-replaced'].instance).not.toBe(s.replace.instance);
    expect(s['read-replaced'].body).toEqual(s.replace.body);

    expect(s.invalid.status).toBe(400);
    const fields = ((s.invalid.body as { errors?: { field: string }[] }).errors ?? []).map((x) => x.field).sort();
    expect(fields).toEqual(['email', 'nickname']);
    expect(s.unknown.status).toBe(404);

    expect(s.delete.status).toBe(204);
    expect(s.delete.body).toBe('');
    expect(s['read-deleted'].instance).not.toBe(s.delete.instance);
    expect(s['read-deleted'].status).toBe(404);
    expect(s['delete-again'].status).toBe(404);

    // Statelessness: the same GET to each instance, the same status and body.
    expect(e.sameOnBoth.length).toBeGreaterThan(0);
    for (const { answers } of e.sameOnBoth) {
      expect(answers).toHaveLength(2);
      expect(answers[1]?.status).toBe(answers[0]?.status);
      expect(answers[1]?.body).toEqual(answers[0]?.body);
    }

    expect(s.docs.status).toBe(200);
    expect(s.docs.contentType).toMatch(/text\/html/);
    expect((s['docs-json'].body as { openapi: string }).openapi).toMatch(/^3\./);
    expect(e.operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(
      [
        'GET /customers',
        'POST /customers',
        'GET /customers/{id}',
        'PUT /customers/{id}',
        'DELETE /customers/{id}',
      ].sort(),
    );
    await expectNothingLeft(e.cleaned);
  });

  it('rest: Ctrl-C stops both instances and drops the scratch database', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/labs/lab.ts', 'rest', '--short'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      await waitFor(`both instances to be ready:\n${out}`, () => /instance B: pid \d+/.test(out), 60_000);
      const pids = [...out.matchAll(/instance [AB]: pid (\d+)/g)].map((m) => Number(m[1]));
      const database = /PostgreSQL database, \S+\/(lab_rest_[a-z0-9_]+)/.exec(out)?.[1] ?? '';
      expect(pids).toHaveLength(2);
      expect(database).not.toBe('');
      for (const pid of pids) expect(processExists(pid)).toBe(true);
      expect(await databaseExists(database)).toBe(true);

      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(out).toContain('SIGINT: cleaning up');
      for (const pid of pids) expect(processExists(pid)).toBe(false);
      expect(await databaseExists(database)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('model-serving: queueing raises latency under load; micro-batching batches and costs less CPU per request', async () => {
    const e = await modelServing.run(options);
    expect(e.answer.status).toBe(200);
    expect(e.answer.body).toMatchObject({ currency: 'PLN' });
    expect((e.answer.body as { estimated_price: number }).estimated_price).toBeGreaterThan(0);

    for (const r of [e.single, e.on, e.off]) {
      expect(r.failures).toBe(0);
      expect(r.requests).toBeGreaterThan(0);
      expect(r.qps).toBeCloseTo(r.requests / r.seconds, 6);
      expect(r.p50Ms).toBeGreaterThan(0);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
      expect(r.cpuSeconds).toBeGreaterThan(0);
    }
    expect(e.single.connections).toBe(1);
    expect(e.on.connections).toBeGreaterThan(1);
    expect(e.off.connections).toBe(e.on.connections);
    // Alone a request waits for nobody; with many connections it queues.
    expect(e.single.p50Ms).toBeLessThan(e.on.p50Ms);
    expect(e.single.p50Ms).toBeLessThan(e.off.p50Ms);
    // Batching on: several rows per model call, and less CPU per request; off: one row per call.
    expect(e.on.maxBatch).toBe(e.defaults.maxBatch);
    expect(e.off.maxBatch).toBe(1);
    expect(e.on.meanBatch).toBeGreaterThan(2);
    expect(e.off.meanBatch).toBe(1);
    expect(e.on.cpuMicrosPerRequest).toBeLessThan(e.off.cpuMicrosPerRequest);
    // A million predictions at the measured CPU per request.
    expect(e.million.cpuSecondsOn).toBeCloseTo(e.on.cpuMicrosPerRequest, 6);
    expect(e.million.cpuSecondsOff).toBeCloseTo(e.off.cpuMicrosPerRequest, 6);
    expect(e.million.coreHoursOn).toBeCloseTo(e.million.cpuSecondsOn / 3600, 9);
    await expectNothingLeft(e.cleaned);
  });
});
