/**
 * npm run eval:recommendation [-- --seed 42 --customers 2000 --database-url postgres://… --no-build]
 *
 * How often the store recommendations name the store a customer goes to next, against the
 * most-popular baseline, measured through the real pipeline in one run:
 *  1. seeded shoppers (home city, segment, a habit: local, business, seaside or south) and their
 *     purchases over 120 days (tools/eval/recommendation-data.ts);
 *  2. per customer, the last purchase in a store new to the customer is held out, with what came
 *     after it; the customers go to the `customers` topic and the rest of the purchases to the
 *     `transactions` topic, read by the `recommendation` group of the built app on its own groups
 *     and storage (tools/eval/harness.ts);
 *  3. once the group has read everything, GET /recommendations/{customerId}?limit=5 for every
 *     evaluated customer, and the hit rate at 1, 3 and 5 of the held-out store, beside the k most
 *     popular stores of the training traffic the customer has not visited (by customers and by
 *     transactions), and the ceiling of the data (the shoppers' own tastes, which the app cannot know).
 * Exit code 1 when the recommender does not beat the better baseline at k = 3.
 */
import { parseArgs } from 'node:util';
import type { ProfileDto, RecommendationsDto } from '@nurt/recommendation';
import { withEvalApp, runEvaluation, type EvalApp } from './harness.js';
import {
  byTaste,
  generateShoppingData,
  hitRate,
  holdOutLastNewStore,
  mostPopularUnvisited,
  popularity,
  type HitRate,
} from './recommendation-data.js';

const COMMAND = 'eval:recommendation';
const KS = [1, 3, 5] as const;
const HEADLINE_K = 3;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= min && n <= max)) throw new Error(`--${name} must be an integer ${min}..${max}`);
  return n;
}

/** Runs `fn` over `items`, `concurrency` at a time. */
async function inPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

const cell = (h: HitRate): string => `${h.rate.toFixed(3)} (${h.hits}/${h.customers})`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '42' },
      customers: { type: 'string', default: '2000' },
      'database-url': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const seed = integer('seed', values.seed, 0, 2 ** 32 - 1);
  const customers = integer('customers', values.customers, 50, 50_000);

  return withEvalApp(
    {
      services: ['recommendation'],
      ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
      noBuild: values['no-build'],
    },
    async (app: EvalApp) => {
      // Ids of this run only (the topics are shared); the data itself depends on the seed alone.
      const firstId = 8_000_000_000 + (Date.now() % 100_000) * 100_000;
      const data = generateShoppingData({
        seed,
        customers,
        firstId,
        idPrefix: `${app.run}-`,
        end: new Date(Date.UTC(2026, 10, 24)),
      });
      const { training, heldOut } = holdOutLastNewStore(data.transactions);
      const pop = popularity(training);
      log(
        `${customers} customers, ${data.transactions.length} purchases: ${training.length} sent for training, ` +
          `${heldOut.size} customers evaluated on a held-out purchase in a store new to them`,
      );

      const started = performance.now();
      await app.produceCustomers(data.shoppers.map((s) => s.customer));
      await app.produceTransactions(training, 'store');
      await app.settle();
      log(`the recommendation group read it all in ${((performance.now() - started) / 1000).toFixed(1)} s`);

      // The view holds every training purchase of every customer, and each customer's segment.
      const expected = new Map<string, number>();
      for (const tx of training) expected.set(tx.customerId, (expected.get(tx.customerId) ?? 0) + 1);
      const segments = new Map(data.shoppers.map((s) => [String(s.customer.id), s.customer.segment]));
      const wrong = (
        await inPool([...expected], 8, async ([id, count]) => {
          const p = await app.getJson<ProfileDto>(`/customers/${id}/profile`);
          return p.transactions === count && p.segment === segments.get(id) ? null : id;
        })
      ).filter((id) => id !== null);
      if (wrong.length > 0) {
        throw new Error(`${wrong.length} profiles do not match what was sent (first: customer ${wrong[0]})`);
      }

      const evaluated = [...heldOut.keys()];
      const answers = await inPool(evaluated, 8, (id) =>
        app.getJson<RecommendationsDto>(`/recommendations/${id}?limit=${Math.max(...KS)}`),
      );
      const recommended = new Map(evaluated.map((id, i) => [id, answers[i]?.stores.map((s) => s.store) ?? []]));
      const baseline = (ranking: readonly string[]) =>
        new Map(evaluated.map((id) => [id, mostPopularUnvisited(ranking, pop.visited.get(id) ?? new Set(), 5)]));
      const rows = [
        { label: 'recommender (GET /recommendations)', lists: recommended },
        { label: 'most popular by customers (baseline)', lists: baseline(pop.byCustomers) },
        { label: 'most popular by transactions (baseline)', lists: baseline(pop.byTransactions) },
      ].map((r) => ({ ...r, rates: KS.map((k) => hitRate(heldOut, r.lists, k)) }));

      const shoppers = new Map(data.shoppers.map((s) => [String(s.customer.id), s]));
      const ceiling = new Map(
        evaluated.map((id) => {
          const shopper = shoppers.get(id);
          return [id, shopper ? byTaste(shopper, pop.visited.get(id) ?? new Set()) : []];
        }),
      );
      const ceilingRates = KS.map((k) => hitRate(heldOut, ceiling, k));

      const at = (row: (typeof rows)[number], k: number): number => row.rates[KS.indexOf(k as 1 | 3 | 5)]?.rate ?? 0;
      const [rec, ...baselines] = rows;
      if (!rec) throw new Error('no rows');
      const best = Math.max(...baselines.map((b) => at(b, HEADLINE_K)));
      const short = answers.filter((a) => a.stores.length < HEADLINE_K).length;
      const similar = answers.map((a) => a.similarCustomers).sort((a, b) => a - b);
      process.stdout.write(
        [
          '',
          `eval:recommendation, seed ${seed}: ${customers} customers, ${data.transactions.length} purchases, ` +
            `${training.length} through the pipeline, ${heldOut.size} customers evaluated`,
          '',
          `| ranking | ${KS.map((k) => `hit rate @${k}`).join(' | ')} |`,
          `| --- | ${KS.map(() => '---:').join(' | ')} |`,
          ...rows.map((r) => `| ${r.label} | ${r.rates.map(cell).join(' | ')} |`),
          '',
          `hit rate @${HEADLINE_K}: recommender ${at(rec, HEADLINE_K).toFixed(3)}, best baseline ${best.toFixed(3)} ` +
            `(${at(rec, HEADLINE_K) > best ? '+' : ''}${((at(rec, HEADLINE_K) - best) * 100).toFixed(1)} points)`,
          `ceiling, not a baseline (the shoppers' generated tastes, which the app cannot know): ` +
            ceilingRates.map((h) => `@${h.k} ${h.rate.toFixed(3)}`).join(', '),
          `similar customers per answer: median ${similar[Math.floor(similar.length / 2)] ?? 0}; ` +
            `answers with fewer than ${HEADLINE_K} stores: ${short}`,
          '',
        ].join('\n'),
      );
      if (!(at(rec, HEADLINE_K) > best)) {
        log(`${COMMAND}: the recommender does not beat the most-popular baseline at k = ${HEADLINE_K}`);
        return 1;
      }
      return 0;
    },
  );
}

await runEvaluation(COMMAND, main);
