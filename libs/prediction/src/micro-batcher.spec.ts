import { MicroBatcher, MicroBatcherClosedError } from './micro-batcher.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function recording(options: { maxBatchSize: number; maxWaitMs: number }) {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>({
    ...options,
    run: (items) => {
      batches.push([...items]);
      return items.map((x) => x * 10);
    },
  });
  return { batcher, batches };
}

describe('MicroBatcher', () => {
  it('coalesces concurrent submissions into one call and answers each in order', async () => {
    const { batcher, batches } = recording({ maxBatchSize: 100, maxWaitMs: 5 });
    const results = await Promise.all([1, 2, 3, 4].map((x) => batcher.submit(x)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('starts a batch as soon as it is full, without waiting for the timer', async () => {
    const { batcher, batches } = recording({ maxBatchSize: 3, maxWaitMs: 10_000 });
    const started = Date.now();
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => batcher.submit(x)));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('flushes a partial batch when the wait runs out', async () => {
    const { batcher, batches } = recording({ maxBatchSize: 100, maxWaitMs: 20 });
    const answer = batcher.submit(7);
    await sleep(5);
    expect(batches).toEqual([]);
    expect(batcher.pending).toBe(1);
    await expect(answer).resolves.toBe(70);
    expect(batches).toEqual([[7]]);
  });

  it('with maxWaitMs 0 gathers what arrives in the same tick and flushes on the next', async () => {
    const { batcher, batches } = recording({ maxBatchSize: 100, maxWaitMs: 0 });
    const first = Promise.all([batcher.submit(1), batcher.submit(2)]);
    await first;
    await batcher.submit(3);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('with maxBatchSize 1 runs every item alone (batching off)', async () => {
    const { batcher, batches } = recording({ maxBatchSize: 1, maxWaitMs: 50 });
    await Promise.all([1, 2, 3].map((x) => batcher.submit(x)));
    expect(batches).toEqual([[1], [2], [3]]);
  });

  it('rejects every waiter of a failing batch, and only those', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>({
      maxBatchSize: 2,
      maxWaitMs: 1,
      run: (items) => {
        calls++;
        if (calls === 1) throw new Error('model exploded');
        return items;
      },
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((x) => batcher.submit(x)));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toEqual(new Error('model exploded'));
  });

  it('propagates async failures and a wrong number of results as errors', async () => {
    const failing = new MicroBatcher<number, number>({
      maxBatchSize: 10,
      maxWaitMs: 1,
      run: () => Promise.reject(new Error('async failure')),
    });
    await expect(failing.submit(1)).rejects.toThrow('async failure');
    const short = new MicroBatcher<number, number>({ maxBatchSize: 10, maxWaitMs: 1, run: () => [] });
    await expect(short.submit(1)).rejects.toThrow('returned 0 results for 1 items');
  });

  it('reports each batch size and duration', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number, number>({
      maxBatchSize: 4,
      maxWaitMs: 1,
      run: (items) => items,
      onBatch: (size, seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        sizes.push(size);
      },
    });
    await Promise.all([1, 2, 3, 4, 5].map((x) => batcher.submit(x)));
    expect(sizes).toEqual([4, 1]);
  });

  it('on close runs what is queued, waits for batches in flight, then refuses new work', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<number, number>({
      maxBatchSize: 2,
      maxWaitMs: 10_000,
      run: async (items) => {
        await gate;
        return items;
      },
    });
    const answers = [1, 2, 3].map((x) => batcher.submit(x));
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    await sleep(10);
    expect(closed).toBe(false);
    release();
    await closing;
    await expect(Promise.all(answers)).resolves.toEqual([1, 2, 3]);
    await expect(batcher.submit(4)).rejects.toBeInstanceOf(MicroBatcherClosedError);
  });

  it('rejects nonsensical options', () => {
    expect(() => new MicroBatcher({ maxBatchSize: 0, maxWaitMs: 1, run: () => [] })).toThrow(RangeError);
    expect(() => new MicroBatcher({ maxBatchSize: 1, maxWaitMs: -1, run: () => [] })).toThrow(RangeError);
  });
});
