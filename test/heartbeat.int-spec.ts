import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Payload } from '@nestjs/microservices';
import { Topics, TransactionsTopic, type Transaction } from '@nurt/contracts';
import { KafkaProducer, OnBatch, Projection, type RecordBatch } from '@nurt/kafka';
import { startServiceApp } from './support/pipeline.js';
import { runId, sleep, waitFor } from './support/wait.js';

const run = runId();
const GROUP = `it-${run}-slow`;
const SESSION_TIMEOUT_MS = 6000;
const attempts: string[] = [];

@Projection(GROUP)
class SlowProjection {
  @OnBatch(TransactionsTopic)
  async apply(@Payload() batch: RecordBatch<Transaction>): Promise<void> {
    const mine = batch.records.filter((r) => r.value.id.startsWith(run));
    if (mine.length === 0) return;
    attempts.push(...mine.map((r) => r.value.id));
    await Promise.resolve();
    if (attempts.length === 1) throw new Error('ledger busy, try again');
  }
}

describe('a batch waiting longer than the session timeout keeps its partitions (real broker)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ app } = await startServiceApp({
      name: `heartbeat-${run}`,
      services: [
        {
          name: 'slow',
          description: 'a projection whose first attempt fails',
          modules: () => [],
          projections: [SlowProjection],
          kafka: true,
          database: false,
        },
      ],
      groupSuffix: '',
      // One retry after a backoff of twice the session timeout: without heartbeats in between,
      // the broker would drop the member and hand the record to the group again.
      env: {
        KAFKA_HANDLER_RETRIES: '1',
        KAFKA_HANDLER_BACKOFF_MS: String(2 * SESSION_TIMEOUT_MS),
        KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      },
    }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('retries after a 12 s backoff without a rebalance: the record is handled twice, not three times', async () => {
    const id = `${run}-slow`;
    await app.get(KafkaProducer).send({
      topic: Topics.Transactions,
      key: 'Warsaw',
      value: { id, amount: 10, store: 'Warsaw', type: 'purchase' },
    });
    await waitFor('the retry', () => attempts.length >= 2, 60_000);
    // A lost membership would make the broker refuse the commit and redeliver the record.
    await sleep(SESSION_TIMEOUT_MS + 2000);
    expect(attempts).toEqual([id, id]);
  });
});
