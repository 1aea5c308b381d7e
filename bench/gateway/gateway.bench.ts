/**
 * npm run bench:gateway: what the split deployment's extra hop costs. GET /predict/ (the lecture's
 * request) against the prediction service directly, the baseline, and through the gateway in
 * front of that same process, in one run on loopback.
 *
 *   npm run bench:gateway -- [--duration 20] [--rounds 4] [--connections 64] [--warmup 3] [--no-build]
 *
 * Interleaved slices (direct, gateway, direct, …) so both are measured side by side in time on a
 * shared machine; ratios are medians of the per-round ratios. No broker needed.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  killAll,
  LOAD_OPTIONS,
  loadArgs,
  markdownTable,
  root,
  slice as loadSlice,
  startServer,
  summarise,
  type Server,
  type Slice,
} from '../lib/harness.js';

const { values: args } = parseArgs({ options: LOAD_OPTIONS });
const { duration, rounds, warmup, connections } = loadArgs(args);
const QUERY = '/predict/?area=65&bedrooms=3&building_age=10';

async function main(): Promise<void> {
  if (!args['no-build']) execFileSync('node', ['tools/build-if-stale.mjs', 'gateway'], { cwd: root, stdio: 'inherit' });
  process.once('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  try {
    const prediction = await startServer({
      label: 'prediction, direct',
      command: ['dist/apps/prediction/main.js'],
      env: {},
      readyPath: '/health/ready',
    });
    const gateway = await startServer({
      label: 'gateway → the same prediction process',
      command: ['dist/apps/gateway/main.js'],
      env: { GATEWAY_PREDICTION_URL: prediction.url },
      readyPath: '/health/ready',
    });
    const servers: (Server & { slices: Slice[] })[] = [
      { ...prediction, slices: [] },
      { ...gateway, slices: [] },
    ];
    const cpuOfBoth = (): number => prediction.cpuSeconds() + gateway.cpuSeconds();
    // Through the gateway, the CPU that serves a request is both processes'.
    servers[1] = { ...servers[1], cpuSeconds: cpuOfBoth };
    console.log(
      `GET ${QUERY}: ${connections} connections, ${duration} s per server in ${rounds} interleaved rounds; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const slice = (s: Server, seconds: number): Promise<Slice> =>
      loadSlice(s, { path: () => QUERY, seconds, connections });
    for (const s of servers) if (warmup > 0) await slice(s, warmup);
    for (let round = 1; round <= rounds; round++) {
      for (const s of servers) {
        const r = await slice(s, duration / rounds);
        s.slices.push(r);
        console.log(
          `  round ${round} ${s.target.label.padEnd(40)} ${(r.requests / r.seconds).toFixed(0).padStart(6)} req/s` +
            `  p50 ${r.p50} ms  p99 ${r.p99} ms${r.failures ? `  FAILURES ${r.failures}` : ''}`,
        );
      }
    }
    await gateway.stop();
    await prediction.stop();
    const direct = servers[0].slices;
    console.log(`\nratios against prediction, direct (same run):\n`);
    console.log(
      markdownTable(
        servers.map((s) => summarise(s.target.label, s.slices, direct)),
        'direct',
      ),
    );
  } finally {
    killAll();
  }
}

await main();
