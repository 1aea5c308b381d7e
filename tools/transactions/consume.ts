// npm run consume -- [--group g] [--from-beginning]
// Prints every transaction as the lecture's consumer does: [partition=P offset=N] TX5001: 1250.00 PLN (Warsaw)
import { parseArgs } from 'node:util';
import { Topics } from '@nurt/contracts';
import { tailTopic } from '@nurt/kafka';
import { formatTransactionLine } from '@nurt/transactions';
import { loadRepoEnv, orExit, reachableKafkaEnv } from '../cli.js';

loadRepoEnv();

const { values } = parseArgs({
  options: {
    group: { type: 'string', default: `nurt-cli-${process.pid}-${Date.now().toString(36)}` },
    'from-beginning': { type: 'boolean', default: false },
    topic: { type: 'string', default: Topics.Transactions },
  },
});

const tail = await orExit('consume', async () =>
  tailTopic(await reachableKafkaEnv(), {
    topic: values.topic,
    groupId: values.group,
    fromBeginning: values['from-beginning'],
    onRecord: ({ partition, offset, value }) => {
      let decoded: unknown = null;
      if (value !== null) {
        const text = value.toString('utf8');
        try {
          decoded = JSON.parse(text);
        } catch {
          decoded = text;
        }
      }
      process.stdout.write(`${formatTransactionLine(partition, offset, decoded)}\n`);
    },
  }),
);
process.stderr.write(`Listening for transactions on ${values.topic} (group ${values.group})...\n`);

const stop = (): void => {
  tail.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
