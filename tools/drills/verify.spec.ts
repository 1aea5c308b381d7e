import { longestAckGap, pickVictim } from './failover.js';
import { verifyRun, type Answer, type LogRecord, type Range } from './verify.js';

const accepted = (id: string, partition: number, offset: number): Answer => ({
  status: 202,
  body: { id, topic: 'transactions', partition, offset: String(offset) },
});
const unavailable = (outcome: string): Answer => ({
  status: 503,
  body: { statusCode: 503, error: 'Service Unavailable', message: 'Kafka did not acknowledge', outcome },
});
const rec = (partition: number, offset: number, id: string | null): LogRecord => ({
  partition,
  offset: BigInt(offset),
  id,
});

function verify(answers: Record<string, Answer[]>, records: LogRecord[], ranges?: Map<number, Range>) {
  return verifyRun({
    topic: 'transactions',
    answers: new Map(Object.entries(answers)),
    records,
    ranges: ranges ?? new Map([[0, { start: 10n, end: 10n + BigInt(records.length) }]]),
  });
}

describe('verifyRun', () => {
  it('passes when every 202 names its own record', () => {
    const v = verify({ A: [accepted('A', 0, 10)], B: [accepted('B', 0, 11)] }, [rec(0, 10, 'A'), rec(0, 11, 'B')]);
    expect(v.violations).toEqual([]);
    expect(v).toMatchObject({ transactions: 2, attempts: 2, acknowledged: 2, recordsRead: 2 });
  });

  it("catches a 202 that names another transaction's offset (the idempotent-producer bug)", () => {
    // B's batch was taken for a duplicate of A's and acknowledged with A's offset; B never landed.
    const v = verify({ A: [unavailable('unknown')], B: [accepted('B', 0, 10)] }, [rec(0, 10, 'A')]);
    expect(v.violations.map((x) => [x.kind, x.id])).toEqual([
      ['wrong-offset', 'B'],
      ['ack-lost', 'B'],
    ]);
    expect(v.violations[0]?.detail).toContain('holds A');
  });

  it('counts duplicates and 503s by outcome, and a retried transaction once', () => {
    const v = verify(
      {
        A: [unavailable('unknown'), accepted('A', 0, 11)],
        B: [unavailable('not-written'), unavailable('not-written')],
        C: [unavailable('unknown'), unavailable('not-written')],
      },
      [rec(0, 10, 'A'), rec(0, 11, 'A'), rec(0, 12, 'C'), rec(0, 13, 'someone-else')],
    );
    expect(v.violations).toEqual([]);
    expect(v).toMatchObject({
      acknowledged: 1,
      acknowledgedAfterRetry: 1,
      acknowledgedAfterUnknown: { total: 1, duplicated: 1 },
      unavailable: { notWritten: 3, unknown: 2 },
      gaveUp: { total: 2, onlyNotWritten: 1, inLog: 1 },
      duplicates: { transactions: 1, extraCopies: 1 },
      foreignRecords: 1,
    });
  });

  it('flags a transaction in the log whose every answer said not-written', () => {
    const v = verify({ B: [unavailable('not-written')] }, [rec(0, 10, 'B')]);
    expect(v.violations.map((x) => x.kind)).toEqual(['not-written-in-log']);
  });

  it('flags answers the API does not give, and no answer at all', () => {
    const v = verify(
      {
        A: [{ status: 500, body: { message: 'boom' } }],
        B: [unavailable('maybe')],
        C: [{ status: 202, body: { id: 'C' } }],
        D: [{ status: 0, body: null, error: 'TypeError: fetch failed' }],
      },
      [],
    );
    expect(v.violations.map((x) => [x.kind, x.id])).toEqual([
      ['bad-answer', 'A'],
      ['bad-answer', 'B'],
      ['bad-answer', 'C'],
      ['ack-lost', 'C'],
      ['no-answer', 'D'],
    ]);
  });

  it('flags a 202 outside the range read, and a range not read to its end', () => {
    const v = verify({ A: [accepted('A', 0, 99)] }, [rec(0, 10, 'A')], new Map([[0, { start: 10n, end: 12n }]]));
    expect(v.violations.map((x) => x.kind)).toEqual(['unread', 'wrong-offset']);
  });
});

describe('longestAckGap', () => {
  it('measures from the last 202 before the kill to the first one after the node came back', () => {
    expect(longestAckGap([1, 2, 3, 9, 10, 20, 21], 3.5, 15, 30)).toBe(10); // 10 → 20
    expect(longestAckGap([1, 2, 3, 9, 10, 14, 16, 40], 3.5, 15, 30)).toBe(6); // 3 → 9
    expect(longestAckGap([1, 2], 3, 5, 30)).toBe(28); // nothing after the kill: to the end of the load
  });
});

describe('pickVictim', () => {
  const p = (partitionId: number, leader: number) => ({
    partitionErrorCode: 0,
    partitionId,
    leader,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
  });

  it('kills the node that leads the most partitions, spreading ties over the nodes', () => {
    const states = [p(0, 1), p(1, 2), p(2, 3), p(3, 1), p(4, 2), p(5, 3)];
    expect(pickVictim(states, [])).toEqual({ node: 1, partitions: [0, 3] });
    expect(pickVictim(states, [{ node: 1 }])).toEqual({ node: 2, partitions: [1, 4] });
    expect(pickVictim([p(0, 3), p(1, 3), p(2, 2)], [{ node: 3 }]).node).toBe(3);
  });
});
