import { Controller, Module } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { groupTransport, Topics } from '@nurt/contracts';
import { connectConsumerGroups, KafkaModule, KafkaProducer, loadKafkaEnv, TransactionConsumer } from '@nurt/kafka';
import { ObservabilityModule } from '@nurt/observability';
import { startGroupAtEnd } from './support/kafka.js';
import { runId, sleep, waitFor } from './support/wait.js';

const run = runId();
const GROUP = `it-${run}-slow`;
const SESSION_TIMEOUT_MS = 6000;
// One retry after a backoff of twice the session timeout: without heartbeats in between, the
// broker would drop the member and hand the record to the group again.
const kafkaEnv = loadKafkaEnv({
  ...process.env,
  KAFKA_HANDLER_RETRIES: '1',
  KAFKA_HANDLER_BACKOFF_MS: String(2 * SESSION_TIMEOUT_MS),
});
const attempts: string[] = [];

@Controller()
class SlowHandler {
  constructor(private readonly consumer: TransactionConsumer) {}

  @EventPattern(Topics.Transactions, groupTransport(GROUP))
  async handle(@Ctx() ctx: KafkaContext): Promise<void> {
    await this.consumer.consume(ctx, GROUP, async (tx) => {
      if (!tx.id.startsWith(run)) return;
      attempts.push(tx.id);
      await Promise.resolve();
      if (attempts.length === 1) throw new Error('ledger busy, try again');
    });
  }
}

@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'heartbeat-it' }),
    KafkaModule.forRoot({ clientId: `it-${run}`, env: kafkaEnv }),
  ],
  controllers: [SlowHandler],
})
class SlowModule {}

describe('a handler waiting longer than the session timeout keeps its partitions (real broker)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    await startGroupAtEnd(GROUP, Topics.Transactions);
    const moduleRef = await Test.createTestingModule({ imports: [SlowModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: ['error'] });
    await app.init();
    await connectConsumerGroups(app, [
      { groupId: GROUP, consumer: { sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 1000 } },
    ]);
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
