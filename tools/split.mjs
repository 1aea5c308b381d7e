// `npm run start:split`: the same system as `npm start`, as separate processes on one machine.
// Starts the local Kafka unless KAFKA_BROKERS points elsewhere, builds when stale, then runs each
// service (node dist/apps/<service>/main.js) on its own port and the gateway on PORT (3000), which
// routes every path to the service that owns it. A service that crashes is restarted with backoff;
// the others keep serving. Ctrl-C / SIGTERM stops the gateway, then every service, gracefully.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildIfStale } from './build-if-stale.mjs';
import { ensureKafka } from './local-kafka.mjs';

const root = resolve(import.meta.dirname, '..');
if (existsSync(join(root, '.env'))) process.loadEnvFile(join(root, '.env'));

if (!ensureKafka()) process.exit(1);
try {
  buildIfStale('gateway');
} catch (err) {
  console.error(`nurt: ${err.message}`);
  process.exit(1);
}

// One table for the services, their paths and their ports: libs/contracts, as built.
const { SERVICES, SERVICE_SPECS } = await import(join(root, 'dist/libs/contracts/src/services.js'));
const { gatewayUrlVariable } = await import(join(root, 'dist/libs/gateway/src/gateway.config.js'));

const basePort = Number(process.env.NURT_SPLIT_BASE_PORT ?? 3000);
const gatewayPort = process.env.PORT ?? '3000';
const serviceHost = '127.0.0.1';
const portOf = (service) => basePort + SERVICE_SPECS[service].splitPort - 3000;
const upstreamEnv = Object.fromEntries(
  SERVICES.map((s) => [gatewayUrlVariable(s), `http://${serviceHost}:${portOf(s)}`]),
);

const COLOURS = [36, 33, 35, 32, 34, 91, 96];
const width = Math.max(...[...SERVICES, 'gateway'].map((s) => s.length));
const useColour = process.stdout.isTTY;

/** Prefixes each line of a child's output with its name, so seven logs read as one. */
function pipeLines(stream, name, colour, out) {
  const label = name.padEnd(width);
  const prefix = useColour ? `\x1b[${colour}m${label}\x1b[0m │ ` : `${label} │ `;
  let partial = '';
  stream.on('data', (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) out.write(`${prefix}${line}\n`);
  });
  stream.on('end', () => partial && out.write(`${prefix}${partial}\n`));
}

let stopping = false;
const processes = new Map();

function run(name, env, colour, attempt = 0) {
  const child = spawn(process.execPath, [join(root, 'dist/apps', name, 'main.js')], {
    cwd: root,
    // Read by a person through the name column: text, not the JSON a pipe gets by default.
    env: { LOG_FORMAT: 'text', ...(useColour ? {} : { NO_COLOR: '1' }), ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const startedAt = Date.now();
  pipeLines(child.stdout, name, colour, process.stdout);
  pipeLines(child.stderr, name, colour, process.stderr);
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  processes.set(name, { child, exited });
  void exited.then(({ code, signal }) => {
    if (stopping) return;
    // A crash loop (exits within 10 s of starting) backs off up to 30 s; a long-lived process starts over.
    const next = Date.now() - startedAt > 10_000 ? 0 : attempt + 1;
    const delay = Math.min(30_000, 1000 * 2 ** Math.max(0, next - 1));
    console.error(
      `split: ${name} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000}s, the others keep serving`,
    );
    setTimeout(() => {
      if (!stopping) run(name, env, colour, next);
    }, delay).unref();
  });
}

SERVICES.forEach((service, i) => {
  run(service, { PORT: String(portOf(service)), HOST: serviceHost }, COLOURS[i]);
});
run('gateway', { ...upstreamEnv, PORT: gatewayPort }, COLOURS[SERVICES.length]);

console.log(
  `split: ${SERVICES.map((s) => `${s} :${portOf(s)}`).join(', ')}; gateway on :${gatewayPort} (docs at /docs)`,
);

// Report once when the whole system answers through the gateway.
const started = Date.now();
let reported = false;
const readiness = setInterval(() => {
  fetch(`http://127.0.0.1:${gatewayPort}/health`, { signal: AbortSignal.timeout(2000) })
    .then((res) => {
      if (res.ok && !reported) {
        reported = true;
        clearInterval(readiness);
        console.log(`split: every service ready after ${((Date.now() - started) / 1000).toFixed(1)}s`);
      }
    })
    .catch(() => undefined);
}, 1000);
readiness.unref();

async function stop(signal) {
  stopping = true;
  clearInterval(readiness);
  console.log(`split: ${signal}: stopping the gateway, then the services`);
  const gateway = processes.get('gateway');
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  const results = await Promise.all(
    SERVICES.map(async (s) => {
      const p = processes.get(s);
      if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return 0;
      p.child.kill('SIGTERM');
      const { code } = await p.exited;
      return code ?? 1;
    }),
  );
  process.exit(results.every((c) => c === 0) ? 0 : 1);
}

// Ctrl-C reaches every child in the terminal's process group too; each drains on its own.
// A second signal within a second is the same request; a later one stops at once.
let firstSignalAt;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1000) return;
      for (const { child } of processes.values()) child.kill('SIGKILL');
      process.exit(130);
    }
    firstSignalAt = Date.now();
    void stop(signal);
  });
}
