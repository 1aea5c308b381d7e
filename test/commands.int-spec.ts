/**
 * The repository's commands as a user runs them: they read the same configuration as the apps,
 * end on one readable line when Kafka cannot be reached (the address tried, where it came from, no
 * stack trace), and `npm run produce -- --customers-url` takes its customers from the service.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startCustomersApp } from './support/customers.js';
import { freePort } from './support/net.js';
import { repoRoot } from './support/process.js';

const execFileAsync = promisify(execFile);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command of the repository with tsx, as `npm run` does, and collects its output. */
async function command(script: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1) ?? '';

describe('commands that cannot reach Kafka', () => {
  // Each waits out kafkajs' retries (about 10 s): side by side.
  it.concurrent.each([
    ['produce', 'tools/transactions/produce.ts', ['--count', '3']],
    ['consume', 'tools/transactions/consume.ts', []],
    ['dlq:replay', 'tools/dlq/replay.ts', ['--topic', 'transactions.dlq']],
  ])(
    '%s ends on one line naming the address and where it came from, without a stack trace',
    async (name, script, args) => {
      const port = await freePort();
      const run = await command(script, args, { KAFKA_BROKERS: '', KAFKA_PORT: String(port) });
      expect(run.code).toBe(1);
      expect(lastLine(run.stderr)).toMatch(
        new RegExp(
          `^${name}: cannot reach Kafka at 127\\.0\\.0\\.1:${port} \\(KAFKA_PORT in the environment, the local broker's port; KAFKA_BROKERS is not set\\): .*ECONNREFUSED`,
        ),
      );
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/"stack"/);
    },
  );
});

describe('npm run produce -- --customers-url', () => {
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startCustomersApp({ PGLITE_DIR: 'memory' }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('takes every customer the service lists, page by page', async () => {
    // More than one page of 500: the three seeded and 600 more.
    for (let i = 0; i < 600; i += 50) {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          fetch(`${url}/customers`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              name: `C${i + j}`,
              email: `c${i + j}@example.com`,
              city: 'Lodz',
              segment: 'standard',
            }),
          }),
        ),
      );
      expect(created.map((r) => r.status)).toEqual(created.map(() => 201));
    }
    let listed = 0;
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page = (await (
        await fetch(`${url}/customers?limit=500${cursor === null ? '' : `&cursor=${cursor}`}`)
      ).json()) as { items: unknown[]; nextCursor: string | null };
      listed += page.items.length;
      cursor = page.nextCursor;
    }
    expect(listed).toBeGreaterThan(500); // more than one page
    const run = await command(
      'tools/transactions/produce.ts',
      ['--count', '20', '--rate', '1000', '--customers-url', url],
      {},
    );
    expect(run).toMatchObject({ code: 0 });
    expect(run.stderr).toContain(`produce: ${listed} customers from ${url}`);
    expect(run.stdout).toMatch(/^produced 20 transactions in /m);
  });

  it('fails, saying why, when the service cannot be read (no silent fallback)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const run = await command('tools/transactions/produce.ts', ['--count', '1', '--customers-url', dead], {});
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(`produce: failed: cannot reach the customers service at ${dead} (ECONNREFUSED)`);
  });
});
