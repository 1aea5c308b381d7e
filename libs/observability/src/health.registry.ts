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
  /**
   * false: the check shows in /health (and turns its status down) but not in /health/ready, for a
   * dependency whose outage should not take this process out of rotation (the gateway's services).
   */
  readonly gatesReadiness?: boolean;
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

  /** Every check, or with `readiness` only those that gate readiness. */
  async report(options: { readiness?: boolean } = {}): Promise<HealthReport> {
    const checks = [...this.checks.values()].filter((c) => !options.readiness || c.gatesReadiness !== false);
    const entries = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const status: HealthStatus = entries.every(([, r]) => r.status === 'up') ? 'up' : 'down';
    return { status, checks: Object.fromEntries(entries) };
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
