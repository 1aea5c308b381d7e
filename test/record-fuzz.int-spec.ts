/**
 * Fuzzing the consume path with records: 10,000 malformed records (not JSON, binary, a null value,
 * the wrong shape, wrong types, each field of a valid transaction broken in turn, unknown fields,
 * deep nesting, unicode, huge values) interleaved with valid ones, written to a topic of this test
 * with the `transactions` contract, read by a consumer group of the one consume path every group
 * runs on. Every malformed record must land on the dead-letter topic with its reason and origin,
 * every valid one be applied exactly once, and no partition be left behind (real broker,
 * PostgreSQL).
 */
import { Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TransactionsTopic, type TopicContract, type TopicName, type Transaction } from '@nurt/contracts';
import { APPLIED_EVENTS_TABLE_SQL, applyOnce, DATABASE, type Database } from '@nurt/database';
import {
  DeadLetterHeaders,
  loadKafkaEnv,
  OnBatch,
  Projection,
  tailTopic,
  type RecordBatch,
  type TailedRecord,
  type TopicTail,
} from '@nurt/kafka';
import type { ServiceDefinition } from '@nurt/runtime';
import fc from 'fast-check';
import pg from 'pg';
import { createScratchDatabase, type ScratchDatabase } from './support/databases.js';
import { groupLag, plainKafka } from './support/kafka.js';
import { startServiceApp } from './support/pipeline.js';
import { runId, waitFor } from './support/wait.js';

const MALFORMED = 10_000;
const VALID = 2_000;
const PARTITIONS = 3;

const run = runId();
const TOPIC = `fuzz-${run}` as TopicName;
const DLQ = `fuzz-${run}.dlq` as TopicName;
const GROUP = `fuzz-${run}`;
const contract: TopicContract<Transaction> = { ...TransactionsTopic, topic: TOPIC, deadLetterTopic: DLQ };

/** Applies each valid transaction once into fuzz.seen (applyOnce), counting applications. */
@Projection(GROUP)
class FuzzProjection {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  @OnBatch(contract)
  async transactions(@Payload() batch: RecordBatch<Transaction>): Promise<void> {
    await applyOnce(
      this.db,
      'fuzz',
      batch.records,
      (r) => r.value.id,
      async (q, fresh) => {
        await q.query(
          `INSERT INTO fuzz.seen (id, n) SELECT unnest($1::text[]), 1 ON CONFLICT (id) DO UPDATE SET n = fuzz.seen.n + 1`,
          [fresh.map((r) => r.value.id)],
        );
      },
    );
  }
}

const fuzzService: ServiceDefinition = {
  name: 'fuzz',
  description: 'a test-only consumer group on a topic of its own with the transactions contract',
  modules: () => [],
  projections: [FuzzProjection],
  kafka: true,
  database: true,
};

/**
 * What the topic's contract says of a record value, on its own terms: JSON (UTF-8) that the
 * contract's parser accepts. The generator below breaks values on purpose; this is the judge of
 * which ones it broke, so that the test asserts what the runtime does with each, not what the
 * generator meant.
 */
function acceptedByContract(value: Buffer | null): boolean {
  if (value === null) return false;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value));
  } catch {
    return false;
  }
  return TransactionsTopic.parse(json, { key: null, headers: {}, timestamp: new Date() }).ok;
}

interface Written {
  readonly key: string;
  readonly value: Buffer | null;
  readonly valid: boolean;
  readonly kind: string;
}

const valid = (i: number): Record<string, unknown> => ({
  id: `${run}-v${i}`,
  amount: 1 + (i % 500) + (i % 100) / 100,
  currency: 'PLN',
  store: `Fuzz-${i % 7}`,
  type: ['purchase', 'refund', 'withdrawal'][i % 3],
  customerId: `C${i % 50}`,
  occurredAt: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
});

/** A value that breaks the contract by construction, with what kind of breakage it is. */
function malformed(): fc.Arbitrary<{ kind: string; value: Buffer | null }> {
  const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
  const base = fc.nat(1_000_000).map((i) => valid(i));
  const field = fc.constantFrom('id', 'amount', 'store', 'type', 'currency', 'customerId', 'occurredAt');
  const wrong = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
  );
  // Each field in turn given a value of another type or shape (the contract judges which break it).
  const brokenField = fc.tuple(base, field, wrong);
  return fc.oneof(
    // Not JSON at all: cut-off objects, text, random bytes (a leading '{' that is never closed).
    fc.string({ maxLength: 200 }).map((s) => ({ kind: 'not json', value: Buffer.from(`{${s.replaceAll('}', '')}`) })),
    fc
      .uint8Array({ minLength: 1, maxLength: 300 })
      .map((b) => ({ kind: 'binary', value: Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(b)]) })),
    fc.constant({ kind: 'null value', value: null }),
    // JSON, but not an object.
    fc
      .oneof(
        fc.integer(),
        fc.string(),
        fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }),
        fc.constant(null),
        fc.boolean(),
      )
      .map((v) => ({ kind: 'not an object', value: json(v) })),
    // A field missing.
    fc.tuple(base, fc.constantFrom('id', 'amount', 'store', 'type')).map(([t, f]) => {
      const { [f]: _gone, ...rest } = t;
      return { kind: `missing ${f}`, value: json(rest) };
    }),
    brokenField.map(([t, f, v]) => ({ kind: `wrong ${f}`, value: json({ ...t, [f]: v }) })),
    // An unknown field.
    fc
      .tuple(base, fc.string({ minLength: 1, maxLength: 20 }))
      .filter(([t, k]) => !(k in t))
      .map(([t, k]) => ({ kind: 'unknown field', value: json({ ...t, [k]: 1 }) })),
    // NaN and Infinity as JSON text, numbers out of range, too many decimals.
    fc.tuple(base, fc.constantFrom('NaN', 'Infinity', '-1', '0', '1e309', '1.001', '"12"')).map(([t, a]) => ({
      kind: 'bad amount',
      value: Buffer.from(JSON.stringify({ ...t, amount: 0 }).replace('"amount":0', `"amount":${a}`)),
    })),
    // Deep nesting, unicode that PostgreSQL cannot store, lone surrogates.
    fc.tuple(base, fc.integer({ min: 40, max: 3000 })).map(([t, d]) => ({
      kind: 'deep',
      value: Buffer.from(
        JSON.stringify({ ...t, store: 0 }).replace('"store":0', `"store":${'['.repeat(d)}"x"${']'.repeat(d)}`),
      ),
    })),
    fc
      .tuple(base, fc.constantFrom('\u0000', '\ud800', 'a\u0000b', '\udfff\ud800'))
      .map(([t, s]) => ({ kind: 'unstorable text', value: json({ ...t, store: s }) })),
  );
}

describe('record fuzzing: malformed records beside valid ones (real broker, PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let db: pg.Client;
  let app: NestFastifyApplication;
  let tail: TopicTail;
  const letters: TailedRecord[] = [];

  beforeAll(async () => {
    const admin = plainKafka(`fuzz-admin-${run}`).admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 },
        { topic: DLQ, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    await admin.disconnect();
    scratch = await createScratchDatabase('nurt_fuzz');
    db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    await db.query(`CREATE SCHEMA fuzz; SET search_path TO fuzz; ${APPLIED_EVENTS_TABLE_SQL}
      CREATE TABLE fuzz.seen (id text PRIMARY KEY, n integer NOT NULL); SET search_path TO public`);
    tail = await tailTopic(loadKafkaEnv(), {
      topic: DLQ,
      groupId: `fuzz-dlq-${run}`,
      onRecord: (r) => void letters.push(r),
    });
    ({ app } = await startServiceApp({
      name: `fuzz-${run}`,
      services: [fuzzService],
      groupSuffix: '',
      databaseUrl: scratch.url,
      keepOffsets: true,
      quiet: true,
    }));
  });

  afterAll(async () => {
    await tail?.stop();
    await app?.close();
    await db?.end();
    await scratch?.drop();
    const admin = plainKafka(`fuzz-admin-${run}`).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC, DLQ] }).catch(() => undefined);
    await admin.disconnect();
  });

  it(`dead-letters each of ${MALFORMED} malformed records with its reason and applies each of ${VALID} valid ones once`, async () => {
    // Generated breakages the contract refuses (a few happen to be valid, e.g. another id): 10,000 of them.
    const bad = fc
      .sample(malformed(), { numRuns: Math.round(MALFORMED * 1.2), seed: 20261130 })
      .filter((m) => !acceptedByContract(m.value))
      .slice(0, MALFORMED);
    expect(bad).toHaveLength(MALFORMED);
    const good = Array.from({ length: VALID }, (_, i) => valid(i));
    expect(good.every((g) => acceptedByContract(Buffer.from(JSON.stringify(g))))).toBe(true);
    // Interleaved: a valid record after every five malformed ones; keys spread over the partitions.
    const written: Written[] = [];
    for (let b = 0, g = 0; b < bad.length || g < good.length;) {
      for (let k = 0; k < 5 && b < bad.length; k++, b++) {
        const m = bad[b];
        written.push({ key: `k${b % 11}`, value: m.value, valid: false, kind: m.kind });
      }
      if (g < good.length) {
        written.push({ key: `k${g % 11}`, value: Buffer.from(JSON.stringify(good[g])), valid: true, kind: 'valid' });
        g++;
      }
    }
    // Huge ones too (near the broker's 1 MiB limit), a few: every dead letter must still fit.
    for (let i = 0; i < 3; i++) {
      written.push({
        key: `huge${i}`,
        value: Buffer.from(JSON.stringify({ ...valid(i), store: 'x'.repeat(900_000) })),
        valid: false,
        kind: 'huge',
      });
    }
    const kinds = new Map<string, number>();
    for (const { valid, kind } of written) {
      const family = kind.split(' ')[0] ?? kind;
      if (!valid) kinds.set(family, (kinds.get(family) ?? 0) + 1);
    }
    process.stderr.write(
      `record fuzz: ${written.length} records, ${written.filter((w) => !w.valid).length} malformed ${JSON.stringify(Object.fromEntries(kinds))}, ${VALID} valid\n`,
    );

    // Each record on a partition of our choosing, so that its offset is known: a send's records for
    // one partition get consecutive offsets from the base offset the broker answers with.
    const producer = plainKafka(`fuzz-${run}`).producer();
    await producer.connect();
    const expectedOrigins = new Set<string>();
    try {
      for (let i = 0; i < written.length;) {
        // Huge records go alone (a request is limited to 1 MiB), the rest up to 500 at a time.
        const huge = (w: Written | undefined): boolean => (w?.value?.length ?? 0) > 100_000;
        let end = i + 1;
        while (end < Math.min(i + 500, written.length) && !huge(written[i]) && !huge(written[end])) end++;
        const chunk = written.slice(i, end);
        const placed = chunk.map((w, k) => ({ w, partition: (i + k) % PARTITIONS }));
        const results = await producer.send({
          topic: TOPIC,
          messages: placed.map(({ w, partition }) => ({ key: w.key, value: w.value, partition })),
        });
        for (let p = 0; p < PARTITIONS; p++) {
          const base = BigInt(results.find((r) => r.partition === p)?.baseOffset ?? '-1');
          placed
            .filter((x) => x.partition === p)
            .forEach(({ w }, k) => {
              if (!w.valid) expectedOrigins.add(`${p}@${base + BigInt(k)}`);
            });
        }
        i += chunk.length;
      }
    } finally {
      await producer.disconnect();
    }

    const malformedCount = written.filter((w) => !w.valid).length;
    await waitFor(
      'every valid record applied',
      async () => {
        const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM fuzz.seen');
        return Number(rows[0]?.n) === VALID;
      },
      120_000,
    );
    await waitFor('every malformed record dead-lettered', () => letters.length >= malformedCount, 120_000);
    await waitFor('the group at the end of every partition', async () => (await groupLag(GROUP, TOPIC)) === 0, 60_000);

    const { rows } = await db.query<{ ids: string; applications: string }>(
      'SELECT count(*) AS ids, coalesce(sum(n), 0) AS applications FROM fuzz.seen',
    );
    expect({ ids: Number(rows[0]?.ids), applications: Number(rows[0]?.applications) }).toEqual({
      ids: VALID,
      applications: VALID,
    });
    expect(letters).toHaveLength(malformedCount);
    for (const l of letters) {
      expect(l.headers[DeadLetterHeaders.Group]).toBe(GROUP);
      expect(l.headers[DeadLetterHeaders.OriginTopic]).toBe(TOPIC);
      expect(['parse', 'validation']).toContain(l.headers[DeadLetterHeaders.Reason]);
      expect(l.headers[DeadLetterHeaders.Error]?.length ?? 0).toBeGreaterThan(0);
    }
    // Each malformed record exactly once: the dead letters' origins are the malformed records' offsets.
    const origins = letters.map(
      (l) => `${l.headers[DeadLetterHeaders.OriginPartition]}@${l.headers[DeadLetterHeaders.OriginOffset]}`,
    );
    expect(new Set(origins).size).toBe(malformedCount);
    expect([...origins].sort()).toEqual([...expectedOrigins].sort());
    const health = (await (await fetch(`${await app.getUrl()}/health/live`)).json()) as { status: string };
    expect(health.status).toBe('up');
  });
});
