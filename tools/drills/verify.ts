// What the failover drill checks once the log is read back: every answer the service gave is
// true of the log. Pure, so that the rules are tested without a cluster (verify.spec.ts).

/** One record of the range read back; `id` is null when the value is not a transaction of this run. */
export interface LogRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly id: string | null;
  /** The record's transaction as the groups read it (store, customer, amount), when it is one. */
  readonly transaction?: { readonly store: string; readonly customerId?: string; readonly amount: number };
}

/** What the client got for one attempt (status 0 = no HTTP answer). */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly error?: string;
}

export type ViolationKind =
  /** A 202's partition/offset holds another record, or none. */
  | 'wrong-offset'
  /** A transaction acknowledged with 202 is nowhere in the log. */
  | 'ack-lost'
  /** Only `503 not-written` answers, yet the transaction is in the log. */
  | 'not-written-in-log'
  /** An answer the API does not give: another status, a 503 without a valid outcome, a 202 without a position. */
  | 'bad-answer'
  /** No HTTP answer at all (connection refused, client timeout): the service broke its promise to answer. */
  | 'no-answer'
  /** The read-back did not reach the end offsets, so nothing can be said about the rest. */
  | 'unread';

export interface Violation {
  readonly kind: ViolationKind;
  readonly id?: string;
  readonly detail: string;
}

export interface Range {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

export interface VerifyInput {
  readonly topic: string;
  readonly answers: ReadonlyMap<string, readonly Answer[]>;
  /** Every record from `ranges`, of any producer. */
  readonly records: readonly LogRecord[];
  readonly ranges: ReadonlyMap<number, Range>;
}

export interface Verification {
  /** Transactions the client posted. */
  readonly transactions: number;
  readonly attempts: number;
  /** Transactions answered 202 (each exactly once: a 202 ends the client's retries). */
  readonly acknowledged: number;
  /** 503 answers (not transactions) by outcome. */
  readonly unavailable: { readonly notWritten: number; readonly unknown: number };
  /** Transactions retried after a 503 that then got a 202. */
  readonly acknowledgedAfterRetry: number;
  /**
   * Transactions acknowledged after at least one `503 unknown`, and how many of them are in the log
   * more than once: how often "unknown" meant "written after all".
   */
  readonly acknowledgedAfterUnknown: { readonly total: number; readonly duplicated: number };
  /** Transactions the client gave up on (every attempt 503), and how many of them are in the log anyway. */
  readonly gaveUp: { readonly total: number; readonly onlyNotWritten: number; readonly inLog: number };
  /** Transactions in the log more than once (allowed: consumers apply an id once), and the extra copies. */
  readonly duplicates: { readonly transactions: number; readonly extraCopies: number };
  readonly recordsRead: number;
  /** Records in the range that are not this run's transactions (another producer on the cluster). */
  readonly foreignRecords: number;
  readonly violations: readonly Violation[];
}

interface Accepted {
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

const OUTCOMES = new Set(['not-written', 'unknown']);

export function verifyRun(input: VerifyInput): Verification {
  const violations: Violation[] = [];
  const byPosition = new Map<string, string | null>();
  const copies = new Map<string, number>();
  let foreignRecords = 0;
  for (const r of input.records) {
    byPosition.set(position(r.partition, r.offset), r.id);
    if (r.id === null || !input.answers.has(r.id)) foreignRecords++;
    else copies.set(r.id, (copies.get(r.id) ?? 0) + 1);
  }
  violations.push(...unread(input));

  let attempts = 0;
  let acknowledged = 0;
  let acknowledgedAfterRetry = 0;
  let notWritten = 0;
  let unknown = 0;
  const gaveUp = { total: 0, onlyNotWritten: 0, inLog: 0 };
  const afterUnknown = { total: 0, duplicated: 0 };
  for (const [id, answers] of input.answers) {
    attempts += answers.length;
    let accepted = false;
    for (const answer of answers) {
      if (answer.status === 202) {
        accepted = true;
        violations.push(...checkAccepted(id, answer.body, input, byPosition));
      } else if (answer.status === 503) {
        const outcome = outcomeOf(answer.body);
        if (outcome === 'not-written') notWritten++;
        else if (outcome === 'unknown') unknown++;
        else violations.push({ kind: 'bad-answer', id, detail: `503 without a valid outcome: ${show(answer.body)}` });
      } else if (answer.status === 0) {
        violations.push({ kind: 'no-answer', id, detail: answer.error ?? 'no answer' });
      } else {
        violations.push({ kind: 'bad-answer', id, detail: `status ${answer.status}: ${show(answer.body)}` });
      }
    }
    const inLog = copies.has(id);
    if (accepted) {
      acknowledged++;
      if (answers.length > 1) acknowledgedAfterRetry++;
      if (answers.some((a) => a.status === 503 && outcomeOf(a.body) === 'unknown')) {
        afterUnknown.total++;
        if ((copies.get(id) ?? 0) > 1) afterUnknown.duplicated++;
      }
      if (!inLog) violations.push({ kind: 'ack-lost', id, detail: 'answered 202 but not in the log' });
    } else if (answers.length > 0 && answers.every((a) => a.status === 503)) {
      gaveUp.total++;
      if (inLog) gaveUp.inLog++;
      if (answers.every((a) => outcomeOf(a.body) === 'not-written')) {
        gaveUp.onlyNotWritten++;
        if (inLog) {
          violations.push({
            kind: 'not-written-in-log',
            id,
            detail: `answered 503 not-written ${answers.length} time(s), but in the log ${copies.get(id)} time(s)`,
          });
        }
      }
    }
  }

  const repeated = [...copies.values()].filter((n) => n > 1);
  return {
    transactions: input.answers.size,
    attempts,
    acknowledged,
    unavailable: { notWritten, unknown },
    acknowledgedAfterRetry,
    acknowledgedAfterUnknown: afterUnknown,
    gaveUp,
    duplicates: { transactions: repeated.length, extraCopies: repeated.reduce((sum, n) => sum + n - 1, 0) },
    recordsRead: input.records.length,
    foreignRecords,
    violations,
  };
}

/** (a): a 202 names the one record that holds this transaction. */
function checkAccepted(
  id: string,
  body: unknown,
  input: VerifyInput,
  byPosition: ReadonlyMap<string, string | null>,
): Violation[] {
  const accepted = acceptedOf(body);
  if (!accepted) return [{ kind: 'bad-answer', id, detail: `202 without id/topic/partition/offset: ${show(body)}` }];
  if (accepted.id !== id || accepted.topic !== input.topic) {
    return [{ kind: 'bad-answer', id, detail: `202 for ${accepted.id} on ${accepted.topic}: ${show(body)}` }];
  }
  const at = `${input.topic}/${accepted.partition}@${accepted.offset}`;
  const range = input.ranges.get(accepted.partition);
  if (!range || accepted.offset < range.start || accepted.offset >= range.end) {
    return [{ kind: 'wrong-offset', id, detail: `202 names ${at}, outside the range written during the drill` }];
  }
  const found = byPosition.get(position(accepted.partition, accepted.offset));
  if (found === id) return [];
  return [
    {
      kind: 'wrong-offset',
      id,
      detail: `202 names ${at}, which holds ${found === undefined ? 'no record' : (found ?? 'a record of no transaction of this run')}`,
    },
  ];
}

function unread(input: VerifyInput): Violation[] {
  const highest = new Map<number, bigint>();
  for (const r of input.records) {
    if (r.offset > (highest.get(r.partition) ?? -1n)) highest.set(r.partition, r.offset);
  }
  const missing: Violation[] = [];
  for (const [partition, range] of input.ranges) {
    const reached = highest.get(partition);
    if (range.end > range.start && (reached === undefined || reached < range.end - 1n)) {
      missing.push({
        kind: 'unread',
        detail: `partition ${partition}: read up to ${reached ?? 'nothing'}, expected up to ${range.end - 1n}`,
      });
    }
  }
  return missing;
}

function acceptedOf(body: unknown): Accepted | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  const offset = typeof b.offset === 'string' && /^\d+$/.test(b.offset) ? BigInt(b.offset) : null;
  if (typeof b.id !== 'string' || typeof b.topic !== 'string' || typeof b.partition !== 'number' || offset === null) {
    return null;
  }
  return { id: b.id, topic: b.topic, partition: b.partition, offset };
}

function outcomeOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const outcome = (body as Record<string, unknown>).outcome;
  return typeof outcome === 'string' && OUTCOMES.has(outcome) ? outcome : null;
}

function position(partition: number, offset: bigint): string {
  return `${partition}@${offset}`;
}

function show(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
