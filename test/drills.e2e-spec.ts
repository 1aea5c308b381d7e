// Short versions of `npm run drill -- worker-kill` and `npm run drill -- soak` (the long runs are
// commands: docs/reliability.md). Both run the built apps on a scratch PostgreSQL database against
// the test broker, and check the consumer groups' views against what was written.
import { formatSoak, runSoakDrill } from '../tools/drills/soak.js';
import { formatWorkerKill, runWorkerKillDrill } from '../tools/drills/worker-kill.js';

describe('drills (short)', () => {
  const abort = new AbortController();
  afterAll(() => abort.abort());

  it('worker-kill: kill -9 of a fraud instance mid-stream loses nothing and counts nothing twice', async () => {
    const lines: string[] = [];
    const result = await runWorkerKillDrill({
      // One round here (npm test stays short); docs/reliability.md has twenty, every service in turn.
      rounds: 1,
      rate: 200,
      leadSeconds: 2,
      // The dead member's partitions wait for its session to expire: 10 s instead of 30 s here.
      sessionTimeoutMs: 10_000,
      log: (line) => lines.push(line),
      signal: abort.signal,
    }).finally(() => process.stdout.write(`${lines.join('\n')}\n`));
    process.stdout.write(`${formatWorkerKill(result).join('\n')}\n`);

    expect(result.rounds.map((r) => r.service)).toEqual(['fraud']);
    expect(result.written).toBeGreaterThan(1000);
    expect(result.verdicts.map((v) => [v.expected, v.applied, v.lost, v.doubled])).toEqual(
      result.verdicts.map(() => [result.written, result.written, 0, 0]),
    );
    expect(result.ok).toBe(true);
  }, 240_000);

  it('soak: at 80 % of the measured ingest, every request is accepted and every group applies each transaction once', async () => {
    const lines: string[] = [];
    const result = await runSoakDrill({
      minutes: 0.25,
      measureSeconds: 3,
      sampleSeconds: 1,
      log: (line) => lines.push(line),
      signal: abort.signal,
    }).finally(() => process.stdout.write(`${lines.join('\n')}\n`));
    process.stdout.write(`${formatSoak(result).join('\n')}\n`);

    expect(result.maxPerSecond).toBeGreaterThan(100);
    expect(result.accepted).toBeGreaterThan(1000);
    expect(result.errors).toBe(0);
    expect(result.appErrorLines).toBe(0);
    expect(result.memory.length).toBeGreaterThanOrEqual(10);
    for (const v of result.verdicts) {
      expect([v.lost, v.doubled, v.problems]).toEqual([0, 0, []]);
      expect(v.expected).toBeGreaterThanOrEqual(result.accepted);
    }
    // Memory flatness needs minutes of samples: the long run reports it (docs/reliability.md).
  }, 240_000);
});
