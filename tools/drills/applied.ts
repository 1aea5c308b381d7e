// What the drills check in the consumer groups' views: every transaction in the log applied exactly
// once by each of the three groups, read straight from their tables on PostgreSQL (the drills run
// the apps on a scratch database of their own, with groups positioned at the end of the topic, so
// the views hold only the drill's transactions).
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsumerGroups, type TopicSpec } from '@nurt/contracts';
import { kafkaClientConfig, loadKafkaEnv, TopicBootstrap } from '@nurt/kafka';
import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import pg from 'pg';

/** A transaction as the log holds it (one per id: the groups apply an id once, copies included). */
export interface LoggedTransaction {
  readonly id: string;
  readonly store: string;
  /** Absent: a transaction without a customer, which only reporting counts. */
  readonly customerId?: string;
  /** Amount in cents. */
  readonly cents: bigint;
}

export interface GroupVerdict {
  readonly group: string;
  /** Transactions the group should have applied. */
  readonly expected: number;
  /** Transactions its view counts. */
  readonly applied: number;
  /** Expected but not counted. */
  readonly lost: number;
  /** Counted more than once. */
  readonly doubled: number;
  /** Where the view disagrees, a few lines. */
  readonly problems: readonly string[];
}

const { Partitioners } = kafkajs;

export const DRILL_GROUPS = [ConsumerGroups.AntiFraud, ConsumerGroups.Reporting, ConsumerGroups.Recommendation];

/** Sums `lag` per group: end offset minus committed offset over the partitions of `topic`. */
export async function groupLags(kafka: Kafka, groups: readonly string[], topic: string): Promise<Map<string, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const lags = new Map<string, bigint>();
    for (const group of groups) {
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const at = new Map(committed?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
      let lag = 0n;
      for (const end of ends) {
        const offset = at.get(end.partition) ?? -1n;
        // -1: nothing committed; the group has read nothing of this partition.
        const behind = BigInt(end.high) - (offset < 0n ? BigInt(end.low) : offset);
        // The end offsets are read before the commits: a commit made in between is past them.
        if (behind > 0n) lag += behind;
      }
      lags.set(group, lag);
    }
    return lags;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Waits until every group has committed the end of `topic` (lag 0). Offsets are committed only after
 * the group's database transaction, so lag 0 means everything is applied. Returns the time it took,
 * or throws naming each group's lag at the deadline.
 */
export async function waitForLagZero(
  kafka: Kafka,
  groups: readonly string[],
  topic: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const start = Date.now();
  let last = new Map<string, bigint>();
  for (;;) {
    try {
      last = await groupLags(kafka, groups, topic);
      if ([...last.values()].every((lag) => lag === 0n)) return Date.now() - start;
    } catch {
      // a broker restarting: ask again
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `consumer groups not caught up after ${Math.round(timeoutMs / 1000)} s: ` +
          [...last].map(([g, lag]) => `${g} lag ${lag}`).join(', '),
      );
    }
    await sleep(500, undefined, { signal });
  }
}

export interface RunScope {
  /** The run's stores (reporting's view is read for these only). */
  readonly stores: readonly string[];
  /** Every customer id of the run starts with it. */
  readonly customerPrefix: string;
  readonly groupSuffix: string;
}

/**
 * Reads the three groups' views of the run's stores and customers and compares them with what the
 * log holds; other traffic on a shared topic does not count.
 */
export async function verifyApplied(
  databaseUrl: string,
  logged: readonly LoggedTransaction[],
  scope: RunScope,
): Promise<GroupVerdict[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const mine = logged.filter((t) => scope.stores.includes(t.store));
    const verdicts: GroupVerdict[] = [];
    for (const view of VIEWS) {
      const group = `${view.group}${scope.groupSuffix}`;
      verdicts.push(compare(group, view.per, totals(mine, view.key), await counted(db, view.sql, view.param(scope))));
    }
    return verdicts;
  } finally {
    await db.end();
  }
}

/** Per key: expected count and cents. */
function totals(logged: readonly LoggedTransaction[], keyOf: (t: LoggedTransaction) => string | undefined) {
  const out = new Map<string, { n: bigint; cents: bigint }>();
  for (const t of logged) {
    const k = keyOf(t);
    if (k === undefined) continue;
    const cur = out.get(k) ?? { n: 0n, cents: 0n };
    out.set(k, { n: cur.n + 1n, cents: cur.cents + t.cents });
  }
  return out;
}

/** Compares counted totals per key with the expected ones; a count above means some id was applied twice. */
function compare(
  group: string,
  what: string,
  expected: Map<string, { n: bigint; cents: bigint }>,
  counted: Map<string, { n: bigint; cents: bigint }>,
): GroupVerdict {
  let lost = 0n;
  let doubled = 0n;
  let applied = 0n;
  let want = 0n;
  const problems: string[] = [];
  for (const key of new Set([...expected.keys(), ...counted.keys()])) {
    const e = expected.get(key) ?? { n: 0n, cents: 0n };
    const c = counted.get(key) ?? { n: 0n, cents: 0n };
    want += e.n;
    applied += c.n;
    if (c.n < e.n) lost += e.n - c.n;
    if (c.n > e.n) doubled += c.n - e.n;
    if ((c.n !== e.n || c.cents !== e.cents) && problems.length < 5) {
      problems.push(`${what} ${key}: counted ${c.n} (${c.cents} cents), the log holds ${e.n} (${e.cents} cents)`);
    }
  }
  return {
    group,
    expected: Number(want),
    applied: Number(applied),
    lost: Number(lost),
    doubled: Number(doubled),
    problems,
  };
}

function cents(numeric: string): bigint {
  const [whole = '0', frac = ''] = numeric.split('.');
  const sign = whole.startsWith('-') ? -1n : 1n;
  return sign * (BigInt(whole.replace('-', '')) * 100n + BigInt((frac + '00').slice(0, 2)));
}

/**
 * What a group's view counts per key: `sql` selects `k` (the key), `n` (transactions) and `s` (their
 * amount) as text, for the keys its parameter selects.
 */
async function counted(db: pg.Client, sql: string, param: unknown): Promise<Map<string, { n: bigint; cents: bigint }>> {
  const { rows } = await db.query<{ k: string; n: string; s: string }>(sql, [param]);
  return new Map(rows.map((r) => [r.k, { n: BigInt(r.n), cents: cents(r.s) }]));
}

/**
 * Each group's view, read per key: reporting's totals per store; recommendation's profiles and
 * anti-fraud's recorded transactions (one row per id) per customer.
 */
const VIEWS = [
  {
    group: ConsumerGroups.AntiFraud,
    per: 'customer',
    key: (t: LoggedTransaction) => t.customerId,
    sql: `SELECT customer_id AS k, count(*)::text AS n, sum(amount)::text AS s FROM fraud.customer_events
          WHERE starts_with(customer_id, $1) GROUP BY customer_id`,
    param: (scope: RunScope): unknown => scope.customerPrefix,
  },
  {
    group: ConsumerGroups.Reporting,
    per: 'store',
    key: (t: LoggedTransaction) => t.store,
    sql: `SELECT store AS k, sum(count)::text AS n, sum(sum)::text AS s FROM reporting.sales_stats
          WHERE window_kind = 'total' AND store = ANY($1) GROUP BY store`,
    param: (scope: RunScope): unknown => [...scope.stores],
  },
  {
    group: ConsumerGroups.Recommendation,
    per: 'customer',
    key: (t: LoggedTransaction) => t.customerId,
    sql: `SELECT customer_id AS k, tx_count::text AS n, amount_total::text AS s FROM recommendation.profiles
          WHERE starts_with(customer_id, $1)`,
    param: (scope: RunScope): unknown => scope.customerPrefix,
  },
] as const;

export function formatVerdicts(verdicts: readonly GroupVerdict[]): string[] {
  const width = Math.max(5, ...verdicts.map((v) => v.group.length));
  const lines = [
    `${'group'.padEnd(width)}  expected   applied  lost  doubled`,
    ...verdicts.map(
      (v) =>
        `${v.group.padEnd(width)} ${String(v.expected).padStart(9)} ${String(v.applied).padStart(9)} ` +
        `${String(v.lost).padStart(5)} ${String(v.doubled).padStart(8)}`,
    ),
  ];
  for (const v of verdicts) for (const p of v.problems) lines.push(`  ${v.group}: ${p}`);
  return lines;
}

/** The run's transactions in the log, one per id (a copy written twice is applied once). */
export function loggedTransactions(
  records: readonly {
    readonly id: string | null;
    readonly transaction?: { store: string; customerId?: string; amount: number };
  }[],
  idPrefix: string,
): LoggedTransaction[] {
  const byId = new Map<string, LoggedTransaction>();
  for (const r of records) {
    if (r.id === null || !r.id.startsWith(idPrefix) || !r.transaction || byId.has(r.id)) continue;
    const { store, customerId, amount } = r.transaction;
    const cents = BigInt(Math.round(amount * 100));
    byId.set(r.id, { id: r.id, store, cents, ...(customerId === undefined ? {} : { customerId }) });
  }
  return [...byId.values()];
}

/**
 * Store names of this run, `perPartition` landing on each of `partitions` partitions (the producer
 * places keys with Kafka's murmur2 hash), so that every partition carries load and the reporting
 * view of these stores holds only the run's transactions.
 */
export function runStores(run: string, partitions: number, perPartition: number): string[] {
  const place = Partitioners.DefaultPartitioner();
  const metadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  const chosen = new Map<number, string[]>();
  for (let i = 0; chosen.size < partitions || [...chosen.values()].some((s) => s.length < perPartition); i++) {
    const store = `${run}-s${i}`;
    const p = place({ topic: 'transactions', partitionMetadata: metadata, message: { key: store, value: null } });
    const list = chosen.get(p) ?? [];
    if (list.length < perPartition) chosen.set(p, [...list, store]);
  }
  return [...chosen.entries()].sort(([a], [b]) => a - b).flatMap(([, stores]) => stores);
}

/**
 * Commits the end of `topic` for each group before any member joins, so that the groups apply only
 * what the drill writes from now on (and not a shared topic's history). The topic is declared first
 * as the apps declare it (TopicBootstrap, with KAFKA_REPLICATION_FACTOR as given): created from its
 * spec if the cluster has none yet, its replication raised if it has fewer.
 */
export async function startGroupsAtEnd(
  brokers: readonly string[],
  groups: readonly string[],
  spec: TopicSpec,
  replicationFactor: number,
): Promise<void> {
  const env = loadKafkaEnv({ KAFKA_BROKERS: brokers.join(','), KAFKA_REPLICATION_FACTOR: String(replicationFactor) });
  const kafka = new kafkajs.Kafka({ ...kafkaClientConfig(env, 'drill-groups'), logLevel: kafkajs.logLevel.NOTHING });
  await new TopicBootstrap(kafka, env).ensure([spec]);
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A topic created a moment ago (here or by another process) can answer NOT_LEADER until its
    // broker's metadata catches up, and kafkajs' fetchTopicOffsets does not retry that.
    let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>> | undefined;
    for (let attempt = 1; offsets === undefined; attempt++) {
      try {
        offsets = await admin.fetchTopicOffsets(spec.name);
      } catch (err: unknown) {
        if (attempt >= 10 || (err as { retriable?: boolean }).retriable !== true) throw err;
        await sleep(300);
      }
    }
    for (const groupId of groups) {
      await admin.setOffsets({
        groupId,
        topic: spec.name,
        partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })),
      });
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
