// npm run dlq:replay -- --topic transactions.dlq [--reason <code|substring>] [--group <dlq-group>]
//   [--from-offset N] [--to-offset N] [--limit N] [--dry-run]
// Sends dead letters back to their origin topic with their original key, value and headers once the
// cause is fixed (docs/pipeline.md, "Replaying dead letters"). Exit 2 on bad input, 1 when a dead
// letter had no valid origin topic or the run failed.
import { loadRepoEnv, reachableKafkaEnv, runCommand } from '../cli.js';
import { parseReplayArgs, USAGE, UsageError, type ReplayOptions } from './replay-plan.js';
import { replayDeadLetters } from './replayer.js';

loadRepoEnv();

function options(): ReplayOptions {
  try {
    return parseReplayArgs(process.argv.slice(2));
  } catch (err: unknown) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`dlq:replay: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
}
const parsed = options();

await runCommand('dlq:replay', async () => {
  const summary = await replayDeadLetters(parsed, {
    env: await reachableKafkaEnv(),
    out: (line) => process.stdout.write(`${line}\n`),
  });
  return summary.unroutable > 0 || !summary.complete ? 1 : 0;
});
