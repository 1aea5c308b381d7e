import { spawn } from 'node:child_process';
import { freePort } from './support/net.js';
import { repoRoot, waitForHttp } from './support/process.js';

describe('npm start (tools/start.mjs)', () => {
  it('starts or reuses the broker, builds if needed, serves /health with Kafka up, and stops on SIGTERM', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    // With the default broker, leave KAFKA_BROKERS unset so that start.mjs takes the path a newcomer's
    // `npm start` takes: tools/kafka start, which finds the broker running and reuses it.
    if (env.KAFKA_BROKERS === '127.0.0.1:9092') delete env.KAFKA_BROKERS;
    const child = spawn(process.execPath, ['tools/start.mjs'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, 200, 120_000);
      const body = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
        checks: { kafka: { status: string } };
      };
      expect(body.checks.kafka.status).toBe('up');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (!process.env.KAFKA_BROKERS || process.env.KAFKA_BROKERS === '127.0.0.1:9092') {
      expect(output).toMatch(/kafka: (already running|reusing broker|broker ready)/);
    }
  });
});
