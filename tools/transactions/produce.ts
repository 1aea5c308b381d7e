// npm run produce -- --count N --rate R [--fraud-ratio x] [--days D] [--customers-url URL] [--seed S]
// Shop-like traffic straight into the `transactions` topic (keyed by store), paced at R per second:
// the customers' shopping over the last D days up to now, in event-time order, with a few labelled
// incidents of each kind injected (libs/transactions generateShopTraffic).
import { parseArgs } from 'node:util';
import { KafkaProducer } from '@nurt/kafka';
import { DEFAULT_FRAUD_RATIO, DEFAULT_TRAFFIC_DAYS, generateShopTraffic, INCIDENT_KINDS } from '@nurt/transactions';
import { loadRepoEnv, reachableKafkaEnv, runCommand } from '../cli.js';
import { customerIdsFrom } from './customer-ids.js';
import { describeTraffic, sendPaced } from './paced.js';

loadRepoEnv();

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    rate: { type: 'string', default: '50' },
    'fraud-ratio': { type: 'string', default: String(DEFAULT_FRAUD_RATIO) },
    days: { type: 'string', default: String(DEFAULT_TRAFFIC_DAYS) },
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
const days = positive('days', values.days);
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
  const traffic = generateShopTraffic({
    customers: await customerIds(values['customers-url']),
    count,
    fraudRatio,
    days,
    seed: Number(values.seed),
    idPrefix: `TX${Date.now().toString(36).toUpperCase()}-`,
  });
  for (const line of describeTraffic(traffic)) process.stderr.write(`produce: ${line}\n`);
  const producer = KafkaProducer.standalone(await reachableKafkaEnv(), 'produce');
  let seconds: number;
  try {
    seconds = await sendPaced(producer, traffic.transactions, rate);
  } finally {
    await producer.onApplicationShutdown();
  }
  const sent = traffic.transactions.length;
  const injected = INCIDENT_KINDS.map((k) => `${k}=${traffic.injected[k]}`).join(' ');
  process.stdout.write(
    `produced ${sent} transactions in ${seconds.toFixed(1)} s (${(sent / Math.max(seconds, 0.001)).toFixed(0)}/s); injected incidents: ${injected}\n`,
  );
});
