/**
 * npm run eval:fraud [-- --seed 42 --customers 400 --days 14 --incidents 20 --database-url postgres://… --no-build]
 *
 * How well the anti-fraud group separates fraud from honest shopping, measured through the real
 * pipeline on labelled traffic, in one run:
 *  1. seeded shopping with injected incidents of four kinds (tools/eval/fraud-traffic.ts);
 *  2. written to the `transactions` topic KEYED BY STORE, as the topic's contract says (so one
 *     customer's transactions are on several partitions and are read in no fixed order), and read
 *     by the `anti-fraud` group of the built app on its own groups and storage
 *     (tools/eval/harness.ts); the alerts are read back with GET /fraud/alerts;
 *  3. the same traffic again, KEYED BY CUSTOMER (each customer's transactions on one partition, in
 *     order), in a fresh app: the alerts must be the same;
 *  4. scored: a confusion matrix per rule and overall, precision and recall at incident and at
 *     customer level, false alerts per 1,000 honest transactions, and the detection delay;
 *  5. what other amount thresholds would have raised on the same traffic: the rules' own code in
 *     memory (libs/fraud `judge`), whose default must agree with the pipeline alert for alert.
 * Exit code 1 when a target of docs/fraud.md is missed or the two keyings disagree.
 */
import { parseArgs } from 'node:util';
import type { FraudAlertEvent } from '@nurt/contracts';
import type { AlertsDto } from '@nurt/fraud';
import { withEvalApp, runEvaluation } from './harness.js';
import { quantile, scoreAlerts, type FraudScore, type ScoredAlert } from './fraud-metrics.js';
import { envWith, judgeInMemory } from './fraud-offline.js';
import { generateFraudTraffic, type FraudTraffic } from '@nurt/transactions';

const COMMAND = 'eval:fraud';
const TARGET = { precision: 0.9, recall: 0.9, falseAlertsPer1000: 5 };
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= min && n <= max)) throw new Error(`--${name} must be an integer ${min}..${max}`);
  return n;
}

const pct = (x: number): string => x.toFixed(3);
const pad = (s: string | number, n: number): string => String(s).padStart(n);

interface PipelineRun {
  readonly alerts: readonly FraudAlertEvent[];
  /** Seconds from the last transaction written to the last alert stored. */
  readonly drainSeconds: number;
}

async function throughPipeline(
  traffic: FraudTraffic,
  key: 'store' | 'customer',
  options: { databaseUrl?: string; noBuild: boolean },
): Promise<PipelineRun> {
  return withEvalApp(
    {
      services: ['fraud'],
      noBuild: options.noBuild,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    },
    async (app) => {
      log(
        `${COMMAND}: ${traffic.transactions.length} transactions keyed by ${key} → ${app.url} (groups ${app.groups.join(', ')})`,
      );
      await app.produceTransactions(traffic.transactions, key);
      const sent = Date.now();
      await app.settle({
        until: async () => (await app.getJson<{ transactions: number }>('/fraud/pending')).transactions === 0,
        timeoutMs: 300_000,
      });
      const alerts: FraudAlertEvent[] = [];
      for (const customerId of traffic.customers) {
        const page = await app.getJson<AlertsDto>(
          `/fraud/alerts?customerId=${encodeURIComponent(customerId)}&limit=1000`,
        );
        alerts.push(...page.alerts);
      }
      const last = Math.max(sent, ...alerts.map((a) => Date.parse(a.detectedAt)));
      return { alerts, drainSeconds: (last - sent) / 1000 };
    },
  );
}

function printScore(title: string, score: FraudScore): void {
  log('');
  log(title);
  log(`  ${'rule'.padEnd(26)}${pad('alerts', 8)}${pad('true', 7)}${pad('false', 7)}${pad('caught', 9)}  of its kind`);
  for (const r of score.rules) {
    log(
      `  ${r.rule.padEnd(26)}${pad(r.alerts, 8)}${pad(r.truePositives, 7)}${pad(r.falsePositives, 7)}${pad(`${r.caught}/${r.incidents}`, 9)}`,
    );
  }
  const i = score.incidents;
  const c = score.customers;
  log(
    `  incident level:  ${i.truePositives} true alerts, ${i.falsePositives} false, ${i.falseNegatives} incidents missed → precision ${pct(i.precision)}, recall ${pct(i.recall)}`,
  );
  log(
    `  customer level:  TP ${c.truePositives}  FP ${c.falsePositives}  FN ${c.falseNegatives}  TN ${c.trueNegatives ?? 0} → precision ${pct(c.precision)}, recall ${pct(c.recall)}`,
  );
  log(
    `  false alerts per 1,000 honest transactions: ${score.falseAlertsPer1000Honest.toFixed(2)} (${i.falsePositives} in ${score.honestTransactions})`,
  );
  const d = score.eventDelaysS;
  log(
    `  detection delay in event time (incident start → flagged transaction): median ${quantile(d, 0.5)} s, p95 ${quantile(d, 0.95)} s, max ${quantile(d, 1)} s`,
  );
  if (score.missed.length > 0) log(`  missed: ${score.missed.map((m) => `${m.id} (${m.customerId})`).join(', ')}`);
  for (const a of score.falseAlerts.slice(0, 10)) log(`  false alert: ${a.id} ${JSON.stringify(a.evidence)}`);
}

function targetsMet(score: FraudScore): string[] {
  const failures: string[] = [];
  const check = (what: string, value: number, ok: boolean): void => {
    if (!ok) failures.push(`${what} ${value.toFixed(3)}`);
  };
  check('incident precision', score.incidents.precision, score.incidents.precision >= TARGET.precision);
  check('incident recall', score.incidents.recall, score.incidents.recall >= TARGET.recall);
  check('customer precision', score.customers.precision, score.customers.precision >= TARGET.precision);
  check('customer recall', score.customers.recall, score.customers.recall >= TARGET.recall);
  check(
    'false alerts per 1,000 honest',
    score.falseAlertsPer1000Honest,
    score.falseAlertsPer1000Honest < TARGET.falseAlertsPer1000,
  );
  return failures;
}

const ids = (alerts: readonly ScoredAlert[]): string[] => alerts.map((a) => a.id).sort();

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

await runEvaluation(COMMAND, async () => {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '42' },
      customers: { type: 'string', default: '400' },
      days: { type: 'string', default: '14' },
      incidents: { type: 'string', default: '20' },
      'database-url': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const seed = integer('seed', values.seed, 0, 2 ** 31);
  const customers = integer('customers', values.customers, 8, 20_000);
  const days = integer('days', values.days, 7, 90);
  const incidentsPerKind = integer('incidents', values.incidents, 1, Math.floor(customers / 4));
  const traffic = generateFraudTraffic({
    seed,
    customers,
    days,
    incidentsPerKind,
    start: Date.UTC(2026, 10, 2),
    prefix: `F${seed}`,
  });
  const kinds = [...new Set(traffic.incidents.map((i) => i.kind))];
  log(
    `${COMMAND}: seed ${seed}: ${customers} customers over ${days} days, ${traffic.transactions.length} transactions; ` +
      `${traffic.incidents.length} incidents (${incidentsPerKind} each of ${kinds.join(', ')}) in as many customers`,
  );
  const options = {
    noBuild: values['no-build'],
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
  };

  const byStore = await throughPipeline(traffic, 'store', options);
  const byCustomer = await throughPipeline(traffic, 'customer', { ...options, noBuild: true });
  const score = scoreAlerts(traffic.transactions, traffic.incidents, traffic.customers, byStore.alerts);
  printScore(
    `Keyed by store (the topic's contract): ${byStore.alerts.length} alerts, the last stored ${byStore.drainSeconds.toFixed(1)} s after the last write`,
    score,
  );
  const customerScore = scoreAlerts(traffic.transactions, traffic.incidents, traffic.customers, byCustomer.alerts);
  const sameAlerts = sameIds(ids(byStore.alerts), ids(byCustomer.alerts));
  log('');
  log(
    `Keyed by customer: ${byCustomer.alerts.length} alerts: ${sameAlerts ? 'the same alerts as keyed by store (same ids)' : 'DIFFERENT from keyed by store'}; ` +
      `precision ${pct(customerScore.incidents.precision)}/${pct(customerScore.customers.precision)}, recall ${pct(customerScore.incidents.recall)}/${pct(customerScore.customers.recall)} (incident/customer)`,
  );

  // The same rules in memory, over the traffic in event order: the default must agree with the pipeline.
  const defaults = envWith({});
  const inMemory = judgeInMemory(traffic.transactions, defaults);
  const agrees = sameIds(ids(inMemory), ids(byStore.alerts));
  log(
    `In memory (libs/fraud judge, default thresholds): ${inMemory.length} alerts, ${agrees ? 'the same as the pipeline' : 'DIFFERENT from the pipeline'}`,
  );
  log('');
  log(
    `Amount rule thresholds on this traffic (in memory; FRAUD_AMOUNT_THRESHOLD × FRAUD_AMOUNT_MIN_RATIO, FRAUD_AMOUNT_MIN_HISTORY ${defaults.FRAUD_AMOUNT_MIN_HISTORY}):`,
  );
  log(
    `  ${'z ≥'.padEnd(6)}${'ratio ≥'.padEnd(9)}${pad('amount alerts', 14)}${pad('false', 7)}${pad('caught', 9)}${pad('precision', 11)}${pad('recall', 8)}  (incident level, all rules)`,
  );
  for (const z of [3, 3.5, 4, 4.5, 5, 6]) {
    for (const ratio of [3, 5]) {
      const env = envWith({ FRAUD_AMOUNT_THRESHOLD: z, FRAUD_AMOUNT_MIN_RATIO: ratio });
      const s = scoreAlerts(
        traffic.transactions,
        traffic.incidents,
        traffic.customers,
        judgeInMemory(traffic.transactions, env),
      );
      const amount = s.rules.find((r) => r.rule === 'amount-zscore');
      const mark =
        z === defaults.FRAUD_AMOUNT_THRESHOLD && ratio === defaults.FRAUD_AMOUNT_MIN_RATIO ? '  ← default' : '';
      log(
        `  ${String(z).padEnd(6)}${String(ratio).padEnd(9)}${pad(amount?.alerts ?? 0, 14)}${pad(amount?.falsePositives ?? 0, 7)}${pad(`${amount?.caught ?? 0}/${amount?.incidents ?? 0}`, 9)}` +
          `${pad(pct(s.incidents.precision), 11)}${pad(pct(s.incidents.recall), 8)}${mark}`,
      );
    }
  }

  const failures = targetsMet(score);
  if (!sameAlerts) failures.push('keyed by customer raised other alerts than keyed by store');
  if (!agrees) failures.push('the pipeline raised other alerts than the rules in memory');
  log('');
  if (failures.length === 0) {
    log(
      `${COMMAND}: targets met (precision and recall ≥ ${TARGET.precision} at incident and customer level, < ${TARGET.falseAlertsPer1000} false alerts per 1,000 honest transactions; keyed by store = keyed by customer)`,
    );
    return 0;
  }
  log(`${COMMAND}: MISSED: ${failures.join('; ')}`);
  return 1;
});
