// Loaded before a learner's kafkajs program (`node --import tsx --import <this file> <program>`)
// for `npm run lab:check`: kafkajs' Kafka class is replaced, before the program imports it, by one
// that tells the checker what the program asked for (topic, keys, awaited sends, disconnect, group,
// fromBeginning, commits) and that talks to this run's private topic and group instead of the
// shared ones. The settings come from the same LAB_CHECK_* variables as lab_check_hook.py.
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type kafkajsModule from 'kafkajs';
import type {
  Consumer,
  ConsumerConfig,
  ConsumerRunConfig,
  ConsumerSubscribeTopics,
  KafkaConfig,
  Message,
  Producer,
  ProducerBatch,
  ProducerConfig,
  ProducerRecord,
} from 'kafkajs';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`lab-check hook: ${name} is not set`);
  return value;
};
const LOG = env('LAB_CHECK_LOG');
const TOPIC = env('LAB_CHECK_TOPIC');
const OTHER = env('LAB_CHECK_OTHER');
const GROUP = env('LAB_CHECK_GROUP');
const BROKERS = env('LAB_CHECK_BROKERS').split(',');
const RUN = env('LAB_CHECK_RUN');
const ASKED = 'transactions';

function log(event: string, fields: Record<string, unknown> = {}): void {
  appendFileSync(LOG, `${JSON.stringify({ ...fields, event, at: Date.now() / 1000 })}\n`);
}

const privateTopic = (topic: string): string => (topic === ASKED ? TOPIC : OTHER);

const keyText = (key: Message['key']): string | null => (key === null || key === undefined ? null : String(key));

const tagged = (messages: Message[]): Message[] =>
  messages.map((m) => ({ ...m, headers: { ...m.headers, 'lab-check-run': RUN } }));

const valueType = (value: unknown): string =>
  Buffer.isBuffer(value) ? 'Buffer' : value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

let pending = 0;

function instrumentProducer(producer: Producer): Producer {
  const send = producer.send.bind(producer);
  const sendBatch = producer.sendBatch.bind(producer);
  const disconnect = producer.disconnect.bind(producer);
  const track = async <T>(messages: number, work: () => Promise<T>): Promise<T> => {
    pending += 1;
    try {
      const result = await work();
      log('acked', { messages });
      return result;
    } catch (err: unknown) {
      log('send-error', { message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      pending -= 1;
    }
  };
  const logSend = (record: ProducerRecord): void => {
    for (const m of record.messages ?? []) {
      log('send', { topic: record.topic, key: keyText(m.key), valueType: valueType(m.value) });
    }
  };
  producer.send = (record: ProducerRecord) => {
    logSend(record);
    return track(record.messages?.length ?? 0, () =>
      send({ ...record, topic: privateTopic(record.topic), messages: tagged(record.messages ?? []) }),
    );
  };
  producer.sendBatch = (batch: ProducerBatch) => {
    for (const record of batch.topicMessages ?? []) logSend(record);
    const messages = (batch.topicMessages ?? []).reduce((n, r) => n + r.messages.length, 0);
    return track(messages, () =>
      sendBatch({
        ...batch,
        topicMessages: (batch.topicMessages ?? []).map((r) => ({
          ...r,
          topic: privateTopic(r.topic),
          messages: tagged(r.messages),
        })),
      }),
    );
  };
  producer.disconnect = () => {
    log('disconnect', { pending });
    return disconnect();
  };
  return producer;
}

const consumers: Consumer[] = [];

function instrumentConsumer(consumer: Consumer): Consumer {
  consumers.push(consumer);
  const subscribe = consumer.subscribe.bind(consumer);
  const run = consumer.run.bind(consumer);
  const commitOffsets = consumer.commitOffsets.bind(consumer);
  consumer.subscribe = (subscription) => {
    const asked = 'topics' in subscription ? subscription.topics : [subscription.topic];
    log('subscribe', { topics: asked.map(String), fromBeginning: subscription.fromBeginning ?? false });
    const topics = asked.map((t) => (typeof t === 'string' ? privateTopic(t) : t));
    const rewritten: ConsumerSubscribeTopics = { topics, fromBeginning: subscription.fromBeginning ?? false };
    return subscribe(rewritten);
  };
  consumer.run = (config?: ConsumerRunConfig) => {
    log('run', { autoCommit: config?.autoCommit ?? true });
    // Joined and fetched once: its partitions are assigned and their positions resolved.
    let joined = false;
    const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    const offFetch = consumer.on(consumer.events.FETCH, () => {
      if (!joined) return;
      offJoin();
      offFetch();
      log('positioned');
    });
    return run(config);
  };
  consumer.commitOffsets = (offsets) => {
    log('commit');
    return commitOffsets(offsets);
  };
  return consumer;
}

const program = process.argv[1] ? resolve(process.argv[1]) : resolve('index.js');
const kafkajs = createRequire(program)('kafkajs') as typeof kafkajsModule;
const Original = kafkajs.Kafka;

class Kafka extends Original {
  constructor(config: KafkaConfig) {
    log('client', { servers: config.brokers });
    // kafkajs' INFO lines (joins, starts) would bury what the program prints; warnings still show.
    super({ ...config, brokers: BROKERS, logLevel: config.logLevel ?? kafkajs.logLevel.WARN });
  }

  override producer(config?: ProducerConfig): Producer {
    log('producer');
    return instrumentProducer(super.producer(config));
  }

  override consumer(config: ConsumerConfig): Consumer {
    log('consumer', { group: config.groupId });
    // A shorter fetch wait (kafkajs: 5 s) only makes Ctrl-C quicker: a stopping consumer waits for
    // the fetch in flight before it leaves its group.
    return instrumentConsumer(
      super.consumer({ maxWaitTimeInMs: 1000, ...config, groupId: `${GROUP}-${config.groupId}` }),
    );
  }
}

(kafkajs as { Kafka: typeof Original }).Kafka = Kafka;
log('start', { program });
process.on('exit', (code) => log('exit', { code, pending }));
// Ctrl-C (how the checker ends a consumer) ends the program as it would without the hook, but its
// consumers leave their group first, so that the checker can delete the private group at once
// instead of waiting out the session timeout. A program with a SIGINT handler of its own keeps it.
process.once('SIGINT', () => {
  if (process.listenerCount('SIGINT') > 0) return;
  log('interrupted');
  void Promise.allSettled(consumers.map((c) => c.disconnect())).finally(() => process.exit(130));
});
