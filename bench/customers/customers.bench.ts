/**
 * npm run bench:customers: req/s and p50/p99 of GET /customers/:id (random ids over the seeded
 * customers) in the built customers service, against bare Fastify answering the same route with
 * constant JSON, measured side by side in one run on loopback.
 *
 *   npm run bench:customers -- [--duration 20] [--rounds 4] [--warmup 3] [--connections 64]
 *                              [--customers 2000] [--database-url postgres://…] [--no-build]
 *
 * The service runs on embedded PGlite (in memory) unless --database-url names a PostgreSQL
 * database (it is only added to). Each server gets `duration` seconds in `rounds` interleaved
 * slices (bare, service, bare, service …): on a shared machine the speed drifts within a minute,
 * and only servers measured side by side in time compare. The service needs Kafka (it publishes
 * the seeded customers): KAFKA_BROKERS, or a broker on 127.0.0.1:9092, else the local one is
 * started and stopped again.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { EXAMPLE_CUSTOMER } from '@nurt/contracts';
import { generateCustomers } from '@nurt/customers';
import {
  killAll,
  LOAD_OPTIONS,
  loadArgs,
  markdownTable,
  root,
  ensureKafka,
  slice,
  startServer,
  summarise,
  type Server,
  type Slice,
} from '../lib/harness.js';

const { values: args } = parseArgs({
  options: {
    ...LOAD_OPTIONS,
    customers: { type: 'string', default: '2000' },
    'database-url': { type: 'string' },
  },
});
const { duration, rounds, warmup, connections } = loadArgs(args);
const population = Number(args.customers);
if (!(Number.isInteger(population) && population >= 1 && population <= 1_000_000)) {
  throw new Error('--customers must be 1..1000000');
}

/** POSTs the generated customers; returns the ids the service gave them. */
async function seed(server: Server, count: number): Promise<number[]> {
  const inputs = generateCustomers(count, { seed: 2026, start: Date.now() });
  const ids: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const res = await fetch(`${server.url}/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(inputs[next++]),
      });
      if (res.status !== 201) throw new Error(`POST /customers answered ${res.status}: ${await res.text()}`);
      ids.push(((await res.json()) as { id: number }).id);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return ids;
}

async function main(): Promise<void> {
  if (!args['no-build'])
    execFileSync('node', ['tools/build-if-stale.mjs', 'customers'], { cwd: root, stdio: 'inherit' });
  const stopKafka = await ensureKafka();
  process.once('SIGINT', () => {
    killAll();
    stopKafka();
    process.exit(130);
  });
  try {
    const database: Record<string, string> = args['database-url']
      ? { DATABASE_URL: args['database-url'] }
      : { PGLITE_DIR: 'memory' };
    const engine = args['database-url'] ? 'PostgreSQL' : 'PGlite';
    const bare = await startServer({
      label: 'bare Fastify, constant JSON',
      command: ['bench/lib/bare-server.mjs'],
      env: { BENCH_ROUTE: '/customers/:id', BENCH_BODY: JSON.stringify(EXAMPLE_CUSTOMER) },
      readyPath: '/customers/1',
    });
    const services: { server: Server; ids: number[] }[] = [];
    for (const [label, env] of [
      ['cache on (default)', {}],
      ['cache off', { CUSTOMERS_CACHE_SIZE: '0' }],
    ] as const) {
      const server = await startServer({
        label: `customers, ${engine}, ${label}`,
        command: ['dist/apps/customers/main.js'],
        env: { ...database, ...env, KAFKA_CLIENT_ID: 'bench-customers' },
        readyPath: '/health/ready',
      });
      const seeded = Date.now();
      const ids = await seed(server, population);
      console.log(
        `${server.target.label}: seeded ${ids.length} customers through POST /customers in ${((Date.now() - seeded) / 1000).toFixed(1)} s`,
      );
      services.push({ server, ids });
    }
    const bareIds = services[0]?.ids ?? [1];
    const pathFor = new Map<Server, () => string>([
      [bare, () => `/customers/${bareIds[Math.floor(Math.random() * bareIds.length)] ?? 1}`],
      ...services.map(
        ({ server, ids }) => [server, () => `/customers/${ids[Math.floor(Math.random() * ids.length)] ?? 1}`] as const,
      ),
    ]);
    const servers = [bare, ...services.map((s) => s.server)];
    const slices = new Map<Server, Slice[]>(servers.map((s) => [s, []]));
    console.log(
      `GET /customers/:id (random of ${population} per server): ${connections} connections, ${duration} s per server in ${rounds}` +
        ` interleaved rounds (after ${warmup} s warm-up each); load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const path = (s: Server) => pathFor.get(s) ?? (() => '/customers/1');
    for (const s of servers) if (warmup > 0) await slice(s, { path: path(s), seconds: warmup, connections });
    for (let round = 1; round <= rounds; round++) {
      for (const s of servers) {
        const r = await slice(s, { path: path(s), seconds: duration / rounds, connections });
        slices.get(s)?.push(r);
        console.log(
          `  round ${round} ${s.target.label.padEnd(36)} ${(r.requests / r.seconds).toFixed(0).padStart(7)} req/s` +
            `  p50 ${r.p50} ms  p99 ${r.p99} ms  cpu ${r.cpuSeconds.toFixed(1)} s${r.failures ? `  FAILURES ${r.failures}` : ''}`,
        );
      }
    }
    await Promise.all(servers.map((s) => s.stop()));
    const baseline = slices.get(bare) ?? [];
    console.log(
      `\nload average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    console.log(markdownTable(servers.map((s) => summarise(s.target.label, slices.get(s) ?? [], baseline))));
  } finally {
    killAll();
    stopKafka();
  }
}

await main();
