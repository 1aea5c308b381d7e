// What every drill shares: cleanup in reverse order, the broker it needs, the built apps.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { AppProcess } from '../../test/support/process.js';
import { repoRoot } from '../../test/support/process.js';
import { kafkaSh, kafkaShOrThrow } from './cluster.js';

export type DrillLog = (line: string) => void;

/** Cleanup steps, run last-added first; a failing step does not stop the others. */
export class Teardown {
  private readonly steps: { label: string; run: () => Promise<unknown> }[] = [];

  constructor(private readonly log: DrillLog) {}

  add(label: string, run: () => Promise<unknown>): void {
    this.steps.push({ label, run });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err: unknown) {
        this.log(`cleanup: ${step.label} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

/**
 * The single broker of KAFKA_BROKERS (default the local one on 127.0.0.1:9092). The local one is
 * started if it is not running, and then stopped at the end; a broker named in KAFKA_BROKERS is
 * only used.
 */
export async function ensureBroker(log: DrillLog, teardown: Teardown): Promise<string[]> {
  const named = process.env.KAFKA_BROKERS;
  if (named) return named.split(',');
  const status = await kafkaSh(['status']);
  if (status.code !== 0) {
    log('kafka: starting the local broker (tools/kafka/kafka.sh start)');
    teardown.add('stop the local broker', () => kafkaShOrThrow(['stop']));
    await kafkaShOrThrow(['start']);
  } else {
    log('kafka: the local broker runs on 127.0.0.1:9092; it stays running afterwards');
  }
  return ['127.0.0.1:9092'];
}

/** `node tools/build-if-stale.mjs <app>` for each: dist/ is rebuilt only if a source is newer. */
export async function buildApps(apps: readonly string[], log: DrillLog): Promise<void> {
  for (const app of apps) await buildApp(app, log);
}

function buildApp(app: string, log: DrillLog): Promise<void> {
  log(`build: node tools/build-if-stale.mjs ${app}`);
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [resolve(repoRoot, 'tools/build-if-stale.mjs'), app],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? fail(new Error(`build failed:\n${stdout}${stderr}`)) : done()),
    );
  });
}

/** SIGTERM (the app flushes and commits what it holds), SIGKILL if it is not gone in 30 s. */
export async function stopApp(app: AppProcess, log: DrillLog): Promise<number | null> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return app.child.exitCode;
  const timer = setTimeout(() => {
    log(`app pid ${app.child.pid}: still running 30 s after SIGTERM; SIGKILL`);
    app.child.kill('SIGKILL');
  }, 30_000);
  try {
    const code = await app.stop('SIGTERM');
    log(`app pid ${app.child.pid}: stopped (exit ${code})`);
    return code;
  } finally {
    clearTimeout(timer);
  }
}
