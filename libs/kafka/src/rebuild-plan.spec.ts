import { planRebuild, type PartitionOffsets } from './rebuild-plan.js';

const p = (partition: number, low: number, high: number, atTime?: number): PartitionOffsets => ({
  topic: 'transactions',
  partition,
  low,
  high,
  ...(atTime === undefined ? {} : { atTime }),
});

describe('planRebuild', () => {
  it('replays every partition from its start to its end when the log still holds it all', () => {
    expect(planRebuild('reporting', 'earliest', [p(0, 0, 10), p(1, 0, 0)], false)).toEqual({
      ok: true,
      records: 10,
      partitions: [
        { topic: 'transactions', partition: 0, from: 0, to: 10 },
        { topic: 'transactions', partition: 1, from: 0, to: 0 },
      ],
    });
  });

  it('refuses where retention deleted records, naming each such partition and what to do', () => {
    const plan = planRebuild('reporting', 'earliest', [p(0, 0, 10), p(3, 1204, 1300)], false);
    expect(plan).toEqual({
      ok: false,
      reason: expect.stringContaining('transactions/3 starts at offset 1204') as string,
    });
    expect(plan.ok ? '' : plan.reason).toMatch(/--from <ISO time>.*--force/);
    expect(plan.ok ? '' : plan.reason).not.toContain('transactions/0');
  });

  it('forced, replays what the log still has', () => {
    expect(planRebuild('reporting', 'earliest', [p(3, 1204, 1300)], true)).toMatchObject({
      ok: true,
      records: 96,
      partitions: [{ partition: 3, from: 1204, to: 1300 }],
    });
  });

  it('from a time, starts at its first record; refuses only where that is the start of a trimmed log', () => {
    const at = new Date('2026-11-30T12:00:00Z');
    expect(planRebuild('reporting', at, [p(0, 100, 200, 150), p(1, 0, 50, 0)], false)).toMatchObject({
      ok: true,
      records: 100,
      partitions: [{ from: 150 }, { from: 0 }],
    });
    const refused = planRebuild('reporting', at, [p(0, 100, 200, 100)], false);
    expect(refused).toMatchObject({ ok: false });
    expect(refused.ok ? '' : refused.reason).toContain(
      'from 2026-11-30T12:00:00.000Z: transactions/0 starts at offset 100',
    );
    // Nothing at or after the time: nothing to replay there, and the rewind lands on the end.
    expect(planRebuild('reporting', at, [p(0, 0, 40, 40)], false)).toMatchObject({ ok: true, records: 0 });
  });
});
