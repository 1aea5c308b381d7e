/**
 * `npm run produce`'s traffic through the real pipeline: 1,000 transactions from its generator
 * (libs/transactions generateShopTraffic, produce's defaults: a week of shopping, 2 % incidents)
 * written as produce writes them (tools/transactions/paced.ts: keyed by store, in event-time
 * order, paced) and judged by the built app's anti-fraud group (tools/eval/harness.ts: its own
 * consumer group and PGlite). The alerts must be the injected incidents, not ordinary shopping: a
 * demo that cries wolf on every other customer (the generator before this one: hundreds of
 * distant-cities and velocity alerts on 1,000 transactions) teaches nothing.
 */
import type { FraudAlertEvent } from '@nurt/contracts';
import type { AlertsDto } from '@nurt/fraud';
import { KafkaProducer, loadKafkaEnv } from '@nurt/kafka';
import { generateShopTraffic, INCIDENT_KINDS } from '@nurt/transactions';
import { scoreAlerts } from '../tools/eval/fraud-metrics.js';
import { withEvalApp } from '../tools/eval/harness.js';
import { describeTraffic, sendPaced } from '../tools/transactions/paced.js';

// Customers of this suite only (the shared topic's other traffic never reaches their histories);
// their habits follow from these ids, so with the seed and the end fixed the traffic is the same
// in every run.
const customers = Array.from({ length: 200 }, (_, i) => `shopper-${i + 1}`);
const END = Date.UTC(2026, 10, 30, 18, 0);

describe('npm run produce: shop-like traffic through the anti-fraud group', () => {
  it('raises alerts on the injected incidents, hardly ever on honest shopping', async () => {
    const started = Date.now();
    const log: string[] = [];
    await withEvalApp({ services: ['fraud'], noBuild: true, log: (line) => log.push(line) }, async (app) => {
      const traffic = generateShopTraffic({ customers, count: 1000, seed: 1, idPrefix: `${app.run}-`, end: END });
      expect(traffic.transactions).toHaveLength(1000);
      expect(traffic.injected).toEqual({ velocity: 5, travel: 5, amount: 5, refund: 5 });

      const producer = KafkaProducer.standalone(loadKafkaEnv(), `produce-traffic-${app.run}`);
      try {
        await sendPaced(producer, traffic.transactions, 500);
      } finally {
        await producer.onApplicationShutdown();
      }
      // Judged in event-time order: once nothing of ours waits (what waits is newer than our last).
      const last = traffic.transactions.at(-1)?.occurredAt ?? '';
      await app.settle({
        until: async () => {
          const pending = await app.getJson<{ transactions: number; oldestOccurredAt: string | null }>(
            '/fraud/pending',
          );
          return pending.transactions === 0 || (pending.oldestOccurredAt ?? '') > last;
        },
        timeoutMs: 45_000,
      });
      const alerts: FraudAlertEvent[] = [];
      for (const c of traffic.customers) {
        alerts.push(
          ...(await app.getJson<AlertsDto>(`/fraud/alerts?customerId=${encodeURIComponent(c)}&limit=1000`)).alerts,
        );
      }

      const score = scoreAlerts(traffic.transactions, traffic.incidents, traffic.customers, alerts);
      const summary = [
        ...describeTraffic(traffic),
        `${alerts.length} alerts: ${score.rules.map((r) => `${r.rule} ${r.alerts} (${r.falsePositives} false, caught ${r.caught}/${r.incidents})`).join(', ')}`,
        `false alerts per 1,000 honest transactions: ${score.falseAlertsPer1000Honest.toFixed(2)}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ...score.falseAlerts.map((a) => `false alert: ${a.id} ${JSON.stringify(a.evidence)}`),
        ...score.missed.map((m) => `missed: ${m.id} (${m.customerId})`),
      ];
      process.stderr.write(`produce-traffic: ${summary.join('\n  ')}\n`);

      // Honest shopping: at most 2 alerts per 1,000 honest transactions.
      expect(score.falseAlertsPer1000Honest).toBeLessThanOrEqual(2);
      // The injected incidents: nearly all caught, every kind by its rule.
      expect(score.incidents.recall).toBeGreaterThanOrEqual(0.85);
      for (const kind of INCIDENT_KINDS) {
        const caught = traffic.incidents.filter((i) => i.kind === kind && !score.missed.includes(i)).length;
        expect({ kind, caught: caught >= 3 }).toEqual({ kind, caught: true });
      }
      expect(score.incidents.precision).toBeGreaterThanOrEqual(0.9);
    });
  }, 90_000);
});
