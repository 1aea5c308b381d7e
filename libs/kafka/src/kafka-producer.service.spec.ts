import { KafkaProducer, KafkaSendError, type ProduceRecord } from './kafka-producer.service.js';
import { loadKafkaEnv } from './kafka.config.js';
import { Partitioners, type Kafka, type Message, type ICustomPartitioner } from './kafkajs.js';

type SendBatchArgs = { topicMessages: { topic: string; messages: Message[] }[] };
type Metadata = { topicName: string; partition: number; errorCode: number; baseOffset: string }[];

const PARTITIONS = 6;
const defaultMetadata = Array.from({ length: PARTITIONS }, (_, i) => ({
  partitionId: i,
  leader: 1,
  replicas: [1],
  isr: [1],
  partitionErrorCode: 0,
}));
/** Where kafkajs' own default partitioner puts a key: what `partitioning: 'key'` must report. */
const byKey = Partitioners.DefaultPartitioner();
const partitionOfKey = (key: string) =>
  byKey({ topic: 't', partitionMetadata: defaultMetadata, message: { key, value: null } });

/**
 * kafkajs replaced by a broker in memory: the producer's partitioner places every message, each
 * partition's offsets count up, and a request is answered when the test says (or at once).
 */
class FakeBroker {
  readonly requests: SendBatchArgs[] = [];
  readonly log = new Map<string, Message[]>();
  inFlight = 0;
  maxInFlight = 0;
  /** Answers the next requests with this error instead of writing them. */
  refuse: Error[] = [];
  private readonly held: (() => void)[] = [];
  hold = false;
  /** Leaders whose requests hang until release() (a broker killed). */
  readonly down = new Set<number>();

  constructor(readonly partitionMetadata = defaultMetadata) {}

  /** The broker is unreachable: connect() fails; counted. */
  unreachable = false;
  connects = 0;

  kafka(): Kafka {
    const producer = (config: { createPartitioner?: ICustomPartitioner }) => {
      const partitioner = config.createPartitioner?.() ?? byKey;
      return {
        connect: () => {
          this.connects++;
          return this.unreachable ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve();
        },
        disconnect: () => Promise.resolve(),
        sendBatch: async (args: SendBatchArgs): Promise<Metadata> => {
          this.requests.push(args);
          this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
          try {
            // Placed first, as kafkajs does: the request then goes to each partition's leader.
            const placements = args.topicMessages.map(({ topic, messages }) => {
              const placed = new Map<number, Message[]>();
              for (const message of messages) {
                const p = partitioner({ topic, partitionMetadata: this.partitionMetadata, message });
                placed.set(p, [...(placed.get(p) ?? []), message]);
              }
              return { topic, placed };
            });
            const leaders = placements.flatMap(({ placed }) =>
              [...placed.keys()].map((p) => this.partitionMetadata[p]?.leader),
            );
            if (this.hold || leaders.some((l) => l !== undefined && this.down.has(l))) {
              await new Promise<void>((release) => this.held.push(release));
            } else await new Promise((r) => setImmediate(r));
            const refusal = this.refuse.shift();
            if (refusal) throw refusal;
            const metadata: Metadata = [];
            for (const { topic, placed } of placements) {
              for (const [partition, list] of placed) {
                const log = this.log.get(`${topic}/${partition}`) ?? [];
                metadata.push({ topicName: topic, partition, errorCode: 0, baseOffset: String(log.length) });
                this.log.set(`${topic}/${partition}`, [...log, ...list]);
              }
            }
            return metadata;
          } finally {
            this.inFlight--;
          }
        },
      };
    };
    return { producer } as unknown as Kafka;
  }

  release(): void {
    this.hold = false;
    this.down.clear();
    for (const r of this.held.splice(0)) r();
  }

  /** The value at topic/partition/offset, as JSON. */
  valueAt(topic: string, partition: number, offset: string): unknown {
    const m = this.log.get(`${topic}/${partition}`)?.[Number(offset)];
    return m?.value === undefined || m.value === null ? m?.value : (JSON.parse(m.value.toString()) as unknown);
  }
}

const env = loadKafkaEnv({ KAFKA_SEND_TIMEOUT_MS: '2000' });
const tx = (id: string, store: string): ProduceRecord<{ id: string; store: string }> => ({
  topic: 'transactions',
  key: store,
  value: { id, store },
});

describe('KafkaProducer (kafkajs replaced by a broker in memory)', () => {
  it('shares one request among concurrent callers and tells each where its own record landed', async () => {
    const broker = new FakeBroker();
    const producer = new KafkaProducer(broker.kafka(), env, () => Promise.resolve(null));
    const stores = ['Warsaw', 'Krakow', 'Lodz', 'Gdansk', 'Poznan', 'Warsaw', 'Warsaw'];
    const results = await Promise.all(stores.map((s, i) => producer.send(tx(`T${i}`, s))));
    expect(broker.requests).toHaveLength(1);
    results.forEach((r, i) => {
      expect(r.partition).toBe(partitionOfKey(stores[i] ?? ''));
      expect(broker.valueAt('transactions', r.partition, r.offset)).toEqual({ id: `T${i}`, store: stores[i] });
    });
    // One store, one partition, offsets in call order.
    const warsaw = results.filter((_, i) => stores[i] === 'Warsaw').map((r) => Number(r.offset));
    expect(warsaw).toEqual([...warsaw].sort((a, b) => a - b));
    await producer.onApplicationShutdown();
  });

  it('keeps one request in flight per broker: what arrives meanwhile goes out together in the next', async () => {
    const broker = new FakeBroker();
    const producer = new KafkaProducer(broker.kafka(), env, () => Promise.resolve(null));
    broker.hold = true;
    const first = producer.send(tx('A', 'Warsaw'));
    await new Promise((r) => setImmediate(r));
    const later = [producer.send(tx('B', 'Krakow')), producer.sendBatch([tx('C', 'Lodz'), tx('D', 'Lodz')])];
    await new Promise((r) => setTimeout(r, 20));
    expect(broker.requests).toHaveLength(1);
    broker.release();
    await first;
    const [b, [c, d]] = (await Promise.all(later)) as [
      Awaited<ReturnType<KafkaProducer['send']>>,
      Awaited<ReturnType<KafkaProducer['sendBatch']>>,
    ];
    expect(broker.requests).toHaveLength(2);
    expect(broker.maxInFlight).toBe(1);
    expect(broker.valueAt('transactions', b.partition, b.offset)).toEqual({ id: 'B', store: 'Krakow' });
    expect([c, d].map((r) => r && broker.valueAt('transactions', r.partition, r.offset))).toEqual([
      { id: 'C', store: 'Lodz' },
      { id: 'D', store: 'Lodz' },
    ]);
    await producer.onApplicationShutdown();
  });

  it('places round-robin records evenly whatever their key, and an explicit partition where asked', async () => {
    const broker = new FakeBroker();
    const producer = new KafkaProducer(broker.kafka(), env, () => Promise.resolve(null));
    const spread = await producer.sendBatch(
      Array.from({ length: 12 }, (_, i) => ({ ...tx(`R${i}`, 'Warsaw'), partitioning: 'round-robin' as const })),
    );
    expect(new Set(spread.map((r) => r.partition)).size).toBe(PARTITIONS);
    const [pinned] = await producer.sendBatch([{ ...tx('P', 'Warsaw'), partition: 4, partitioning: 'round-robin' }]);
    expect(pinned).toMatchObject({ partition: 4 });
    expect(broker.valueAt('transactions', 4, pinned?.offset ?? '')).toEqual({ id: 'P', store: 'Warsaw' });
    await producer.onApplicationShutdown();
  });

  it('writes records of several topics in one request, each reported on its own topic', async () => {
    const broker = new FakeBroker();
    const producer = new KafkaProducer(broker.kafka(), env, () => Promise.resolve(null));
    const results = await producer.sendBatch([
      tx('T1', 'Warsaw'),
      { topic: 'transactions.dlq', key: 'Warsaw', value: { id: 'D1', store: 'Warsaw' }, headers: { reason: 'x' } },
      tx('T2', 'Warsaw'),
    ]);
    expect(broker.requests).toHaveLength(1);
    expect(results.map((r) => broker.valueAt(r.topic, r.partition, r.offset))).toEqual([
      { id: 'T1', store: 'Warsaw' },
      { id: 'D1', store: 'Warsaw' },
      { id: 'T2', store: 'Warsaw' },
    ]);
    expect(results[1]?.topic).toBe('transactions.dlq');
    await producer.onApplicationShutdown();
  });

  it('sends the callers of a request the broker refused whole once more, each alone', async () => {
    const broker = new FakeBroker();
    const producer = new KafkaProducer(broker.kafka(), env, () => Promise.resolve(null));
    broker.refuse.push(Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }));
    const [a, b] = await Promise.all([producer.send(tx('A', 'Warsaw')), producer.send(tx('B', 'Krakow'))]);
    expect(broker.requests.map((r) => r.topicMessages.flatMap((t) => t.messages).length)).toEqual([2, 1, 1]);
    expect(broker.valueAt('transactions', a.partition, a.offset)).toEqual({ id: 'A', store: 'Warsaw' });
    expect(broker.valueAt('transactions', b.partition, b.offset)).toEqual({ id: 'B', store: 'Krakow' });
    broker.refuse.push(new Error('connection lost'));
    const lost = producer.send(tx('C', 'Lodz'));
    await expect(lost).rejects.toBeInstanceOf(KafkaSendError);
    await expect(lost).rejects.toMatchObject({ outcome: 'unknown' });
    await expect(producer.send(tx('D', 'Lodz'))).resolves.toMatchObject({ topic: 'transactions' });
    await producer.onApplicationShutdown();
  });

  it('tells every caller of a shared request "not written" when the broker cannot be reached, trying once', async () => {
    const broker = new FakeBroker();
    broker.unreachable = true;
    const producer = new KafkaProducer(broker.kafka(), env, () => Promise.resolve(null));
    const sends = ['A', 'B', 'C'].map((id) => producer.send(tx(id, 'Warsaw')));
    for (const send of sends) await expect(send).rejects.toMatchObject({ outcome: 'not-written' });
    expect(broker.connects).toBe(1);
    expect(broker.requests).toHaveLength(0);
  });

  it('answers "not written" at once, without kafkajs\' ~17 s of retries, while no broker accepts a connection', async () => {
    const broker = new FakeBroker();
    let why: string | null = '127.0.0.1:9092 ECONNREFUSED';
    const producer = new KafkaProducer(broker.kafka(), env, () => Promise.resolve(why));
    await expect(producer.send(tx('A', 'Warsaw'))).rejects.toMatchObject({
      outcome: 'not-written',
      message: expect.stringMatching(/no broker accepts a connection \(127\.0\.0\.1:9092 ECONNREFUSED\)/) as string,
    });
    // kafkajs was never asked to connect: no retries to wait out.
    expect(broker.connects).toBe(0);
    // Once the broker is back, the next send connects and is written.
    why = null;
    await expect(producer.send(tx('B', 'Warsaw'))).resolves.toMatchObject({ topic: 'transactions' });
    await producer.onApplicationShutdown();
  });
  it('holds up only the partitions of a leader that does not answer; the others keep being written, each in order', async () => {
    // Partitions 0-2 led by broker 1, 3-5 by broker 2.
    const broker = new FakeBroker(defaultMetadata.map((p) => ({ ...p, leader: p.partitionId < 3 ? 1 : 2 })));
    const producer = new KafkaProducer(broker.kafka(), env, () => Promise.resolve(null));
    const stores = Array.from({ length: 40 }, (_, i) => `S${i}`);
    const onLeader = (leader: number) => stores.filter((s) => (partitionOfKey(s) < 3 ? 1 : 2) === leader);
    // The first request meets the topic and learns the leaders.
    await producer.send(tx('T0', 'S0'));
    broker.down.add(1);
    const stuck = onLeader(1).map((s, i) => producer.send(tx(`A${i}`, s)));
    await new Promise((r) => setTimeout(r, 20));
    // Broker 2's partitions: written while broker 1's request hangs, round after round.
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(onLeader(2).map((s, i) => producer.send(tx(`B${round}-${i}`, s))));
      expect(results.every((r) => r.partition >= 3)).toBe(true);
    }
    // Broker 1's partitions had one request in flight, no more, while it hung.
    const more = onLeader(1).map((s, i) => producer.send(tx(`C${i}`, s)));
    await new Promise((r) => setTimeout(r, 20));
    const toLeader1 = broker.requests.filter((r) =>
      r.topicMessages.some((t) => t.messages.some((m) => partitionOfKey(String(m.key)) < 3)),
    );
    expect(toLeader1).toHaveLength(2); // T0's, and the one that hangs
    broker.release();
    const [a, c] = [await Promise.all(stuck), await Promise.all(more)];
    // A store's records in the order they were sent: A before C.
    a.forEach((r, i) => {
      const later = c[i];
      expect(later?.partition).toBe(r.partition);
      expect(Number(later?.offset)).toBeGreaterThan(Number(r.offset));
    });
    await producer.onApplicationShutdown();
  });

  it('answers "not written" for records still queued behind a hung request when their caller stops waiting', async () => {
    const broker = new FakeBroker();
    const producer = new KafkaProducer(broker.kafka(), loadKafkaEnv({ KAFKA_SEND_TIMEOUT_MS: '100' }), () =>
      Promise.resolve(null),
    );
    await producer.send(tx('T0', 'Warsaw'));
    broker.hold = true;
    const inFlight = producer.send(tx('A', 'Warsaw'));
    await new Promise((r) => setImmediate(r));
    const queued = producer.send(tx('B', 'Warsaw'));
    await expect(inFlight).rejects.toMatchObject({ outcome: 'unknown' });
    await expect(queued).rejects.toMatchObject({ outcome: 'not-written' });
    broker.release();
    await producer.onApplicationShutdown();
    // B was never sent: only T0's and A's requests reached the broker.
    expect(broker.requests.flatMap((r) => r.topicMessages.flatMap((t) => t.messages)).map((m) => m.value)).toEqual([
      JSON.stringify({ id: 'T0', store: 'Warsaw' }),
      JSON.stringify({ id: 'A', store: 'Warsaw' }),
    ]);
  });
});
