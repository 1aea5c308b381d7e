// npm run produce -- --count N --rate R [--fraud-ratio x] [--customers-url URL] [--seed S]
// Realistic traffic straight into the `transactions` topic (keyed by store), paced at R per second.
import { parseArgs } from 'node:util';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import { Topics } from '@nurt/contracts';
import { TrafficGenerator } from '@nurt/transactions';
import { loadRepoEnv, runCommand } from '../cli.js';
import { customerIdsFrom } from './customer-ids.js';

loadRepoEnv();

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    rate: { type: 'string', default: '50' },
    'fraud-ratio': { type: 'string', default: '0.02' },
    'customers-url': { type: 'string', default: process.env.CUSTOMERS_URL ?? '' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});

function positive(name: string, text: string, allowZero = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    process.stderr.write(
      `produce: --${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${text}\n`,
    );
    process.exit(2);
  }
  return n;
}

const count = Math.floor(positive('count', values.count));
const rate = positive('rate', values.rate);
const fraudRatio = positive('fraud-ratio', values['fraud-ratio'], true);
if (fraudRatio > 1) {
  process.stderr.write('produce: --fraud-ratio must be between 0 and 1\n');
  process.exit(2);
}

/** With --customers-url, the customers the service lists; else a fixed synthetic population. */
async function customerIds(url: string): Promise<string[]> {
  if (!url) return Array.from({ length: 200 }, (_, i) => String(i + 1));
  const ids = await customerIdsFrom(url);
  process.stderr.write(`produce: ${ids.length} customers from ${url}\n`);
  return ids;
}

await runCommand('produce', async () => {
  const generator = new TrafficGenerator({
    customers: await customerIds(values['customers-url']),
    fraudRatio,
    seed: Number(values.seed),
    idPrefix: `TX${Date.now().toString(36).toUpperCase()}-`,
  });
  const producer = KafkaProducer.standalone(loadKafkaEnv(), 'produce');
  const started = Date.now();
  const patterns = new Map<string, number>();
  let sent = 0;
  const tickMs = 100;
  try {
    while (sent < count) {
      const due = Math.min(count, Math.ceil(((Date.now() - started + tickMs) / 1000) * rate));
      const batch = [];
      while (sent + batch.length < due) {
        const traffic = generator.next();
        if (traffic.pattern) patterns.set(traffic.pattern, (patterns.get(traffic.pattern) ?? 0) + 1);
        batch.push(...traffic.transactions.slice(0, due - sent - batch.length));
      }
      if (batch.length > 0) {
        await producer.sendBatch(batch.map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })));
        sent += batch.length;
      }
      const wait = started + ((sent + 1) / rate) * 1000 - Date.now();
      if (sent < count && wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, tickMs)));
    }
  } finally {
    await producer.onApplicationShutdown();
  }
  const seconds = (Date.now() - started) / 1000;
  const fraud = [...patterns].map(([p, n]) => `${p}=${n}`).join(' ') || 'none';
  process.stdout.write(
    `produced ${sent} transactions in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s); fraud patterns: ${fraud}\n`,
  );
});
