// `npm start`: the whole system on one machine. Starts the local Kafka unless KAFKA_BROKERS
// points elsewhere, builds when the sources are newer than dist/, then runs the monolith in the
// foreground (PORT, default 3000). The broker keeps running afterwards: `npm run kafka:stop`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildIfStale } from './build-if-stale.mjs';
import { ensureKafka } from './local-kafka.mjs';

const root = resolve(import.meta.dirname, '..');
const app = process.env.NURT_APP ?? 'monolith';

if (existsSync(join(root, '.env'))) process.loadEnvFile(join(root, '.env'));

if (!ensureKafka()) process.exit(1);

try {
  buildIfStale(app);
} catch (err) {
  console.error(`nurt: ${err.message}`);
  process.exit(1);
}

const child = spawn(process.execPath, [join(root, 'dist/apps', app, 'main.js')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
