// npm run customers:generate -- --count N [--url http://127.0.0.1:3000] [--seed S] [--start I] [--concurrency C]
// Creates N realistic customers through the REST API (so each goes through validation and the outbox).
// Deterministic per seed; emails carry the index, so a rerun with the same arguments finds them taken (409)
// and counts them as already there, and --start lets another batch follow without collisions.
import { parseArgs } from 'node:util';
import { generateCustomers } from '@nurt/customers';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    url: { type: 'string', default: process.env.CUSTOMERS_URL ?? 'http://127.0.0.1:3000' },
    seed: { type: 'string', default: '42' },
    start: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '16' },
  },
});

function integer(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`customers:generate: --${name} must be an integer ≥ ${min}, got ${text}\n`);
    process.exit(2);
  }
  return n;
}

const count = integer('count', values.count, 1);
const concurrency = integer('concurrency', values.concurrency, 1);
const base = values.url.replace(/\/$/, '');
const customers = generateCustomers(count, {
  seed: integer('seed', values.seed, 0),
  start: integer('start', values.start, 0),
});

let created = 0;
let existing = 0;
const failures: string[] = [];
let next = 0;
const started = Date.now();

async function worker(): Promise<void> {
  while (next < customers.length) {
    const customer = customers[next++];
    const res = await fetch(`${base}/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(customer),
    });
    if (res.status === 201) created++;
    else if (res.status === 409) existing++;
    else failures.push(`${customer?.email ?? '?'}: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
  }
}

try {
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
} catch (err: unknown) {
  process.stderr.write(
    `customers:generate: ${base} unavailable: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
}
const seconds = (Date.now() - started) / 1000;
process.stdout.write(
  `customers:generate: ${created} created, ${existing} already there, ${failures.length} failed` +
    ` in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(0)}/s) at ${base}\n`,
);
for (const f of failures.slice(0, 10)) process.stderr.write(`  ${f}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
