// npm run lab:check -- producer <file>    runs your producer (.py: kafka-python; .ts/.js: kafkajs)
// npm run lab:check -- consumer <file>    runs your consumer, writing records before and while it runs
// Against the broker of KAFKA_BROKERS (default 127.0.0.1:9092), on a private topic of the run;
// says what is right and what is wrong, and exits 1 when something is wrong (docs/labs.md).
import { loadRepoEnv, runCommand } from '../cli.js';
import { CHECK_KINDS, checkConsumer, checkProducer, type CheckKind } from './check/checks.js';
import { LabCheckUsageError, programOf, pythonWithKafka } from './check/program.js';
import { cleanUpOnInterrupt } from './kit.js';

loadRepoEnv();

const usage = 'usage: npm run lab:check -- producer|consumer <file.py|file.ts>';
const [kind, file, ...rest] = process.argv.slice(2);

function fail(message: string): never {
  process.stderr.write(`lab:check: ${message}\n`);
  process.exit(2);
}

if (kind === undefined || file === undefined) fail(usage);
if (!CHECK_KINDS.includes(kind as CheckKind)) fail(`unknown check "${kind}": ${usage}`);
if (rest.length > 0) fail(`one file at a time (got also ${rest.join(' ')}): ${usage}`);
try {
  if (programOf(file).language === 'python') pythonWithKafka();
} catch (err: unknown) {
  if (err instanceof LabCheckUsageError) fail(err.message);
  throw err;
}

const interrupted = cleanUpOnInterrupt();

const check = kind === 'producer' ? checkProducer : checkConsumer;
await runCommand(`lab:check ${kind}`, async () => {
  try {
    // After Ctrl-C only the cleanup is reported: the program was stopped by it, not judged.
    const log = (line: string): void => {
      if (!interrupted() || line.startsWith('cleanup')) process.stdout.write(`${line}\n`);
    };
    const result = await check(file, { log });
    return result.passed ? 0 : 1;
  } catch (err: unknown) {
    if (err instanceof LabCheckUsageError) fail(err.message);
    throw err;
  }
});
