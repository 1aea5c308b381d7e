// npm run lab                  lists the labs, one line each
// npm run lab -- <name> [--short]   runs one against the broker of KAFKA_BROKERS (default 127.0.0.1:9092)
import { parseArgs } from 'node:util';
import { loadRepoEnv, runCommand } from '../cli.js';
import { cleanUpOnInterrupt } from './kit.js';
import { LABS } from './labs.js';

loadRepoEnv();

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { short: { type: 'boolean', default: false } },
});

const names = LABS.map((lab) => lab.name);
const name = positionals[0];

if (!name) {
  const width = Math.max(...names.map((n) => n.length));
  process.stdout.write('Labs (npm run lab -- <name>), one per concept of the lecture; docs/labs.md:\n');
  for (const lab of LABS) process.stdout.write(`  ${lab.name.padEnd(width)}  ${lab.summary}\n`);
  process.exit(0);
}

const lab = LABS.find((l) => l.name === name);
if (!lab) {
  process.stderr.write(`lab: no lab named ${name}; the labs are: ${names.join(', ')}\n`);
  process.exit(1);
}

// Ctrl-C: delete what the run created and stop what it started; a second Ctrl-C exits at once.
cleanUpOnInterrupt();

await runCommand(`lab ${lab.name}`, async () => {
  const started = Date.now();
  process.stdout.write(`lab ${lab.name}: ${lab.summary}\n`);
  await lab.run({ log: (line) => process.stdout.write(`${line}\n`), short: values.short });
  process.stdout.write(`\nlab ${lab.name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});
