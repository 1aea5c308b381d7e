/**
 * What `npm run produce` does with its traffic, shared with the test that checks what the
 * anti-fraud group makes of it (test/produce-traffic.int-spec.ts): the transactions written to the
 * `transactions` topic keyed by store, in event-time order, paced at a rate; and what the traffic
 * is, in a few lines.
 */
import { Topics, type Transaction } from '@nurt/contracts';
import type { KafkaProducer } from '@nurt/kafka';
import { INCIDENT_KINDS, type ShopTraffic } from '@nurt/transactions';

/** Writes `transactions` in their order, keyed by store, about `rate` a second; resolves with the seconds it took. */
export async function sendPaced(
  producer: Pick<KafkaProducer, 'sendBatch'>,
  transactions: readonly Transaction[],
  rate: number,
): Promise<number> {
  const started = Date.now();
  const tickMs = 100;
  let sent = 0;
  while (sent < transactions.length) {
    const due = Math.min(transactions.length, Math.ceil(((Date.now() - started + tickMs) / 1000) * rate));
    if (due > sent) {
      const batch = transactions.slice(sent, due);
      await producer.sendBatch(batch.map((tx) => ({ topic: Topics.Transactions, key: tx.store, value: tx })));
      sent = due;
    }
    const wait = started + ((sent + 1) / rate) * 1000 - Date.now();
    if (sent < transactions.length && wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, tickMs)));
  }
  return (Date.now() - started) / 1000;
}

const minute = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** The traffic in a few lines: who shops when, and the incidents injected, per kind, with their customers. */
export function describeTraffic(traffic: ShopTraffic): string[] {
  const fraud = new Set(traffic.incidents.flatMap((i) => i.transactionIds));
  const lines = [
    `${traffic.transactions.length} transactions of ${traffic.customers.length} customers, event times ${minute(traffic.start)} to ${minute(traffic.end)} UTC; ` +
      `${traffic.incidents.length} incidents injected (${fraud.size} fraudulent transactions): ` +
      INCIDENT_KINDS.map((k) => `${k}=${traffic.injected[k]}`).join(' '),
  ];
  for (const kind of INCIDENT_KINDS) {
    const customers = traffic.incidents.filter((i) => i.kind === kind).map((i) => i.customerId);
    if (customers.length > 0) lines.push(`  ${kind.padEnd(9)} customers ${customers.join(', ')}`);
  }
  return lines;
}
