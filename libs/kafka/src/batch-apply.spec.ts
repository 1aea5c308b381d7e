import { applyInOrder, type BatchSteps } from './batch-apply.js';

/** A feature whose transaction fails whenever a batch holds a poison record, and the record of what happened. */
function feature(poison: ReadonlySet<number>, options: { failTimes?: number } = {}) {
  const applied: number[] = [];
  const done: number[] = [];
  const dead: { record: number; attempts: number }[] = [];
  let calls = 0;
  let transientLeft = options.failTimes ?? 0;
  const steps: BatchSteps<number> = {
    retries: 2,
    apply: (records) => {
      calls++;
      if (transientLeft > 0) {
        transientLeft--;
        return Promise.reject(new Error('database busy'));
      }
      if (records.some((r) => poison.has(r))) return Promise.reject(new Error(`poison in ${records.join(',')}`));
      applied.push(...records);
      return Promise.resolve();
    },
    done: (last) => done.push(last),
    deadLetter: (record, _error, attempts) => {
      dead.push({ record, attempts });
      return Promise.resolve();
    },
    backoff: () => Promise.resolve(),
    stopped: () => false,
  };
  return { steps, applied, done, dead, calls: () => calls };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('applyInOrder', () => {
  it('applies a good batch in one call and marks its last record done', async () => {
    const f = feature(new Set());
    expect(await applyInOrder(range(100), f.steps)).toBe(true);
    expect(f.calls()).toBe(1);
    expect(f.applied).toEqual(range(100));
    expect(f.done).toEqual([99]);
  });

  it('rides out a transient failure with a retry', async () => {
    const f = feature(new Set(), { failTimes: 2 });
    await applyInOrder(range(10), f.steps);
    expect(f.applied).toEqual(range(10));
    expect(f.dead).toEqual([]);
  });

  it('narrows a failing batch down to the poison record: only it is dead-lettered, the rest applied once, in order', async () => {
    const f = feature(new Set([37]));
    expect(await applyInOrder(range(100), f.steps)).toBe(true);
    expect(f.dead).toEqual([{ record: 37, attempts: 3 }]);
    expect(f.applied).toEqual(range(100).filter((r) => r !== 37));
    // Offsets only ever move forward, and past the poison record once it is dead-lettered.
    expect(f.done).toEqual([...f.done].sort((a, b) => a - b));
    expect(f.done[f.done.length - 1]).toBe(99);
    // 3 attempts of the batch, then a halving per level (log2 100 ≈ 7) plus 3 attempts of the record.
    expect(f.calls()).toBeLessThan(30);
  });

  it('handles two poison records and one at either end', async () => {
    const f = feature(new Set([0, 50, 99]));
    await applyInOrder(range(100), f.steps);
    expect(f.dead.map((d) => d.record)).toEqual([0, 50, 99]);
    expect(f.applied).toEqual(range(100).filter((r) => ![0, 50, 99].includes(r)));
  });

  it('leaves the rest for redelivery when the partition is taken away mid-way', async () => {
    const f = feature(new Set([10]));
    let stop = false;
    const steps: BatchSteps<number> = {
      ...f.steps,
      backoff: () => {
        stop = true;
        return Promise.resolve();
      },
      stopped: () => stop,
    };
    expect(await applyInOrder(range(20), steps)).toBe(false);
    expect(f.dead).toEqual([]);
    expect(f.done).toEqual([]);
  });
});
