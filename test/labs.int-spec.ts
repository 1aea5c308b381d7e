// Each lab of `npm run lab` in its short mode against the real broker, its claims asserted on the
// evidence it returns, and nothing of it left behind on the broker.
import { consumerGroupsRebalancing } from '../tools/labs/consumer-groups-rebalancing.js';
import { consumerOffsets } from '../tools/labs/consumer-offsets.js';
import { keysVsRoundRobin } from '../tools/labs/keys-vs-round-robin.js';
import type { Cleaned, Lab, LabOptions } from '../tools/labs/kit.js';
import { LABS } from '../tools/labs/labs.js';
import { pubSub } from '../tools/labs/pub-sub.js';
import { topicsPartitionsOffsets } from '../tools/labs/topics-partitions-offsets.js';
import { plainKafka } from './support/kafka.js';
import { waitFor } from './support/wait.js';

const printed: string[] = [];
const options: LabOptions = { log: (line) => printed.push(line), short: true };

async function run<E extends { cleaned: Cleaned }>(lab: Lab<E>): Promise<E> {
  printed.length = 0;
  const evidence = await lab.run(options);
  expect(printed.some((line) => line.startsWith('cleanup: deleted'))).toBe(true);
  await expectGone(evidence.cleaned);
  return evidence;
}

/** The lab deleted its topics and groups. */
async function expectGone(cleaned: Cleaned): Promise<void> {
  expect(cleaned.topics.length).toBeGreaterThan(0);
  expect(cleaned.topics.every((t) => t.startsWith('lab-'))).toBe(true);
  const admin = plainKafka('nurt-test-labs').admin();
  await admin.connect();
  try {
    await waitFor('the lab topics to be deleted', async () => {
      const topics = new Set(await admin.listTopics());
      return cleaned.topics.every((t) => !topics.has(t));
    });
    const { groups } = await admin.listGroups();
    expect(groups.map((g) => g.groupId).filter((g) => cleaned.groups.includes(g))).toEqual([]);
  } finally {
    await admin.disconnect();
  }
}

const counts = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe('labs (npm run lab, short mode, real broker)', () => {
  it('every lab has a unique name and a one-line summary', () => {
    const names = LABS.map((l) => l.name);
    expect(new Set(names).size).toBe(names.length);
    for (const lab of LABS) expect(lab.summary).toMatch(/^[^\n]{10,140}$/);
  });

  it('topics-partitions-offsets: each record sits at the partition and offset the broker acknowledged', async () => {
    const e = await run(topicsPartitionsOffsets);
    expect(e.offsetsBefore).toEqual([0, 1, 2].map((partition) => ({ partition, low: 0, high: 0 })));
    expect(counts(e.offsetsAfter.map((o) => o.high - o.low))).toBe(e.written.length);
    // Unkeyed records spread over every partition; offsets count up from 0 within each.
    for (const o of e.offsetsAfter) {
      const mine = e.written.filter((w) => w.partition === o.partition).map((w) => w.offset);
      expect(mine).toEqual(Array.from({ length: o.high }, (_, i) => i));
    }
    const readAt = new Map(e.readBack.map((r) => [`${r.partition}/${r.offset}`, r.value]));
    expect(readAt.size).toBe(e.written.length);
    for (const w of e.written) expect(readAt.get(`${w.partition}/${w.offset}`)).toBe(w.value);
  });

  it('keys-vs-round-robin: every record of one key on one partition, in order; unkeyed spread evenly', async () => {
    const e = await run(keysVsRoundRobin);
    const keys = Object.keys(e.keyed.partitionsByKey);
    expect(keys).toHaveLength(12);
    for (const key of keys) {
      expect(e.keyed.partitionsByKey[key]).toHaveLength(1);
      const seqs = e.keyed.sequenceByKey[key] ?? [];
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }
    const total = counts(e.keyed.countsByPartition);
    expect(counts(e.unkeyed.countsByPartition)).toBe(total);
    expect(e.unkeyed.countsByPartition).toEqual(e.unkeyed.countsByPartition.map(() => total / e.partitions));
  });

  it('consumer-offsets: earliest reads the history, latest only what follows; a restart resumes at the commit', async () => {
    const e = await run(consumerOffsets);
    const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
    expect(e.earliest).toEqual(range(0, e.oldRecords + e.newRecords));
    expect(e.latest).toEqual(range(e.oldRecords, e.oldRecords + e.newRecords));
    const { firstRun, committedAfterFirstRun, secondRun, written } = e.resume;
    expect(committedAfterFirstRun).toBe(firstRun.length);
    expect(firstRun).toEqual(range(0, committedAfterFirstRun));
    expect(secondRun).toEqual(range(committedAfterFirstRun, written));
    expect(e.nurtSettings.some((s) => s.startsWith('libs/kafka/src/projection.server.ts'))).toBe(true);
  });
  it("consumer-groups-rebalancing: a killed member's partitions end up with the survivors, a leaver's at once", async () => {
    const e = await run(consumerGroupsRebalancing);
    const all = Array.from({ length: e.partitions }, (_, p) => p);
    const owned = (members: Readonly<Record<string, readonly number[]>>): number[] =>
      Object.values(members)
        .flat()
        .sort((a, b) => a - b);
    expect(Object.keys(e.before).sort()).toEqual(['c1', 'c2', 'c3']);
    expect(owned(e.before)).toEqual(all);
    expect(e.crash.orphaned.length).toBeGreaterThan(0);
    // After the kill: only the survivors, and between them every partition, the killed one's included.
    expect(Object.keys(e.crash.after).sort()).toEqual(['c1', 'c3']);
    expect(owned(e.crash.after)).toEqual(all);
    for (const r of e.crash.records) expect(r.readBy).not.toBe(e.crash.killed);
    // A crash is noticed after the session timeout (less the last heartbeat's age), not before.
    expect(e.crash.rebalancedMs).toBeGreaterThanOrEqual(e.sessionTimeoutMs - 2000);
    const waited = (orphaned: boolean): number[] =>
      e.crash.records.filter((r) => e.crash.orphaned.includes(r.partition) === orphaned).map((r) => r.waitedMs);
    expect(Math.min(...waited(true))).toBeGreaterThanOrEqual(e.sessionTimeoutMs - 2000);
    expect(Math.max(...waited(false))).toBeLessThan(e.sessionTimeoutMs / 2);
    // A member that leaves is replaced without waiting for a session timeout.
    expect(e.leave.after).toEqual({ c1: all });
    expect(e.leave.rebalancedMs).toBeLessThan(e.sessionTimeoutMs);
  });
  it('pub-sub: every group reads every record once, the slow one later than the others', async () => {
    const e = await run(pubSub);
    expect(e.groups).toHaveLength(3);
    const sorted = [...e.written].sort();
    for (const g of e.groups) expect([...g.read].sort()).toEqual(sorted);
    const slow = e.groups.filter((g) => g.delayMs > 0);
    const fast = e.groups.filter((g) => g.delayMs === 0);
    expect(slow).toHaveLength(1);
    for (const f of fast) expect(f.finishedMs).toBeLessThan(slow[0]?.finishedMs ?? 0);
    // While the fast groups were done, the slow one was still behind: it held nobody up.
    expect(
      e.progress.some(
        (p) =>
          fast.every((f) => p.read[f.name] === e.written.length) &&
          (p.read[slow[0]?.name ?? ''] ?? 0) < e.written.length,
      ),
    ).toBe(true);
  });
});
