import { Injectable } from '@nestjs/common';

export type HealthStatus = 'up' | 'down';

export interface HealthCheckResult {
  readonly status: HealthStatus;
  readonly [detail: string]: unknown;
}

export interface HealthCheck {
  /** Shown as the key in /health. */
  readonly name: string;
  /** A down check makes /health/ready answer 503; liveness ignores it. */
  check(): Promise<HealthCheckResult>;
}

export interface HealthReport {
  readonly status: HealthStatus;
  readonly checks: Record<string, HealthCheckResult>;
}

/** Checks must answer in this time or count as down, so /health never hangs on a dead dependency. */
const CHECK_TIMEOUT_MS = 3000;

@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(check: HealthCheck): void {
    this.checks.set(check.name, check);
  }

  async report(): Promise<HealthReport> {
    const entries = await Promise.all([...this.checks.values()].map(async (c) => [c.name, await runCheck(c)] as const));
    const checks = Object.fromEntries(entries);
    const status: HealthStatus = entries.every(([, r]) => r.status === 'up') ? 'up' : 'down';
    return { status, checks };
  }
}

async function runCheck(check: HealthCheck): Promise<HealthCheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'down', error: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([check.check(), timeout]);
  } catch (err: unknown) {
    return { status: 'down', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
