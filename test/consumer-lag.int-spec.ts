/**
 * Consumer lag as the apps export it: per group, topic and partition on /metrics (kafka_exporter's
 * names) and as a total on /health, read from the broker. A test-only group whose handler is held
 * stops committing: its lag grows by what is written meanwhile, partition by partition, and falls
 * back to 0 once it is let go. Every exposition passes Prometheus' own checker.
 */
import { Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics, TransactionsTopic, type Transaction } from '@nurt/contracts';
import { KafkaProducer, OnBatch, Projection, type RecordBatch } from '@nurt/kafka';
import type { ServiceDefinition } from '@nurt/runtime';
import { reporting } from '../apps/services/reporting.js';
import { promtoolCheck, samplesOf, scrape } from './support/metrics.js';
import { getJson, makeTransactions, runStores, startServiceApp } from './support/pipeline.js';
import { runId, waitFor } from './support/wait.js';

const run = runId();
const suffix = `-lag-${run}`;
const HELD = `held-${run}`;

/** Let go of the held group's batches (resolved while nothing is held). */
let letGo: () => void = () => undefined;
let held: Promise<void> = Promise.resolve();

@Projection(HELD)
class HeldProjection {
  @OnBatch(TransactionsTopic)
  async transactions(@Payload() _batch: RecordBatch<Transaction>): Promise<void> {
    await held;
  }
}

const withHeldGroup: ServiceDefinition = {
  ...reporting,
  projections: [...(reporting.projections ?? []), HeldProjection],
};

interface Health {
  checks: { kafka: { consumerGroups: Record<string, { state: string; lag: number | null }> } };
}

describe('consumer lag on /metrics and /health (real broker)', () => {
  let app: NestFastifyApplication;
  let url: string;

  /** kafka_consumergroup_lag of one group, by partition of `transactions`. */
  const lagByPartition = (text: string, group: string): Map<number, number> =>
    new Map(
      samplesOf(text, 'kafka_consumergroup_lag', {
        consumergroup: `${group}${suffix}`,
        topic: Topics.Transactions,
      }).map((s) => [Number(s.labels.partition), s.value]),
    );
  const endOffsets = (text: string): Map<number, number> =>
    new Map(
      samplesOf(text, 'kafka_topic_partition_current_offset', { topic: Topics.Transactions }).map((s) => [
        Number(s.labels.partition),
        s.value,
      ]),
    );
  const sum = (m: Map<number, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    ({ app, url } = await startServiceApp({
      name: `lag-${run}`,
      services: [withHeldGroup],
      groupSuffix: suffix,
      env: { KAFKA_LAG_INTERVAL_MS: '500' },
    }));
  });

  afterAll(async () => {
    letGo();
    await app?.close();
  });

  it('shows each group at lag 0 on every partition once it has caught up', async () => {
    await waitFor('both groups consuming, at lag 0 on every partition', async () => {
      const text = await scrape(url);
      const partitions = endOffsets(text).size;
      return (
        partitions > 0 &&
        [HELD, 'reporting'].every((g) => {
          const lag = lagByPartition(text, g);
          return lag.size === partitions && sum(lag) === 0;
        })
      );
    });
    const health = await getJson<Health>(`${url}/health`);
    expect(health.checks.kafka.consumerGroups[HELD]).toMatchObject({ state: 'consuming', lag: 0 });
    expect(health.checks.kafka.consumerGroups.reporting).toMatchObject({ state: 'consuming', lag: 0 });
  });

  it('grows partition by partition while a group is held, and falls back to 0 when it goes on', async () => {
    held = new Promise((resolve) => (letGo = resolve));
    const before = endOffsets(await scrape(url));
    const txs = makeTransactions(run, 120, runStores(run, 12), 30);
    // Keyed by store, as the lecture's client writes them: twelve stores over the partitions.
    await app.get(KafkaProducer).sendBatch(txs.map((t) => ({ topic: Topics.Transactions, key: t.store, value: t })));

    let written = new Map<number, number>();
    await waitFor('the held group to lag by every record written since', async () => {
      const text = await scrape(url);
      const lag = lagByPartition(text, HELD);
      written = new Map([...endOffsets(text)].map(([p, end]) => [p, end - (before.get(p) ?? 0)]));
      return sum(written) >= txs.length && [...written].every(([p, n]) => lag.get(p) === n);
    });
    // Several partitions got records, and each shows its own lag (not one total smeared over them).
    expect([...written.values()].filter((n) => n > 0).length).toBeGreaterThan(1);
    const health = await getJson<Health>(`${url}/health`);
    expect(health.checks.kafka.consumerGroups[HELD]?.lag).toBeGreaterThanOrEqual(txs.length);
    // The group that is not held applied them and is back at 0.
    await waitFor('reporting at lag 0', async () => sum(lagByPartition(await scrape(url), 'reporting')) === 0);

    letGo();
    held = Promise.resolve();
    await waitFor('the held group back at lag 0 on every partition', async () => {
      const lag = lagByPartition(await scrape(url), HELD);
      return lag.size > 0 && sum(lag) === 0;
    });
    expect((await getJson<Health>(`${url}/health`)).checks.kafka.consumerGroups[HELD]?.lag).toBe(0);
  });

  it("passes Prometheus' own checker (promtool check metrics), with lag, projection and HTTP metrics in it", async () => {
    const text = await scrape(url);
    for (const family of [
      'kafka_consumergroup_lag',
      'kafka_consumergroup_current_offset',
      'kafka_topic_partition_current_offset',
      'projection_records_total',
      'http_request_duration_seconds_count',
    ]) {
      expect({ family, samples: samplesOf(text, family).length > 0 }).toEqual({ family, samples: true });
    }
    expect(samplesOf(text, 'http_request_duration_seconds_count', { route: '/metrics', status: '200' })).toHaveLength(
      1,
    );
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
  });
});
