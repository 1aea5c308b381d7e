import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, type HealthCheck, type HealthCheckResult } from '@nurt/observability';
import { upstreams, type GatewayEnv, type Upstream } from './gateway.config.js';
import { GATEWAY_ENV } from './gateway.tokens.js';

const TIMEOUT_MS = 2000;

/**
 * One check per service, from its own /health/ready: /health on the gateway shows the whole
 * system, like the monolith's. They do not gate the gateway's readiness, so that one service
 * down never takes the entry point to the others out of rotation.
 */
@Injectable()
export class UpstreamHealth implements OnModuleInit {
  constructor(
    private readonly registry: HealthRegistry,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  onModuleInit(): void {
    for (const upstream of upstreams(this.env)) this.registry.register(upstreamCheck(upstream));
  }
}

export function upstreamCheck(upstream: Upstream): HealthCheck {
  return {
    name: upstream.service,
    gatesReadiness: false,
    async check(): Promise<HealthCheckResult> {
      try {
        const res = await fetch(`${upstream.url}/health/ready`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
        const body = (await res.json().catch(() => ({}))) as { status?: string; checks?: unknown };
        return { status: res.ok && body.status === 'up' ? 'up' : 'down', url: upstream.url, checks: body.checks };
      } catch (err: unknown) {
        return { status: 'down', url: upstream.url, error: fetchFailure(err) };
      }
    },
  };
}

/** Why a fetch to a service failed: undici's "fetch failed", with the cause's code (ECONNREFUSED, …). */
export function fetchFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  const message = err instanceof Error ? err.message : String(err);
  return cause ? `${message} (${cause})` : message;
}
