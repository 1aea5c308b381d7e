import { clusterState, kafkaSh, type ClusterState } from '../tools/drills/cluster.js';
import { formatSummary, runFailoverDrill, type FailoverDrillResult } from '../tools/drills/failover.js';

/**
 * The failover drill, short: two partition leaders killed (kill -9) on the local three-node
 * cluster while clients post to the built transactions app. Its own cluster, never the
 * single broker the other suites share.
 */
describe('failover drill: a partition leader killed under load (three-node cluster, node dist/apps/transactions)', () => {
  const abort = new AbortController();
  const lines: string[] = [];
  let before: ClusterState;
  let drill: Promise<FailoverDrillResult> | undefined;

  beforeAll(async () => {
    before = await clusterState();
  });

  afterAll(async () => {
    // A test that timed out leaves the drill running: stop it, let it clean up, then make sure.
    abort.abort();
    await drill?.catch(() => undefined);
    if (before === 'stopped' && (await clusterState()) !== 'stopped') await kafkaSh(['cluster-stop']);
  }, 120_000);

  it('every 202 names the record that holds its transaction, and none is lost', async () => {
    drill = runFailoverDrill({
      rounds: 2,
      rate: 50,
      leadSeconds: 2,
      downSeconds: 6,
      log: (line) => lines.push(line),
      signal: abort.signal,
    });
    let result: FailoverDrillResult;
    try {
      result = await drill;
    } finally {
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    process.stdout.write(`${formatSummary(result).join('\n')}\n`);

    expect(result.violations).toEqual([]);
    expect(result.rounds).toHaveLength(2);
    // 50/s over well over 30 s of load: most of it acknowledged despite two kills.
    expect(result.acknowledged).toBeGreaterThan(1000);
    expect(result.acknowledged).toBeGreaterThan(result.transactions * 0.8);
    // The kills did hit requests: some waited out a failover or were answered 503.
    expect(result.rounds.reduce((n, r) => n + r.delayed, 0)).toBeGreaterThan(0);
    // And the service came back with the cluster each time.
    expect(result.rounds.map((r) => r.serviceBackMs)).not.toContain(null);
    expect(result.ok).toBe(true);
  }, 200_000);
});
