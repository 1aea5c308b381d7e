import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.js';

/** A latency summary of one route's recent requests. */
export interface RecentSummary {
  /** Requests answered within the window. */
  readonly requests: number;
  readonly perSecond: number;
  /** Exact percentiles of their latencies in milliseconds (not bucket bounds); null with no requests. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/**
 * The latest requests of one route, kept in a ring: when each was answered and how long it took.
 * Exact percentiles over the last seconds for a live view; Prometheus keeps the histogram.
 */
export class RecentRequests {
  private readonly at: Float64Array;
  private readonly ms: Float64Array;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity = 1 << 17) {
    this.at = new Float64Array(capacity);
    this.ms = new Float64Array(capacity);
  }

  record(ms: number, now = Date.now()): void {
    this.at[this.next] = now;
    this.ms[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /**
   * The requests of the last `windowMs`; above capacity / windowMs requests a second, of the
   * shorter span the ring still holds (the rate is then over that span, not the whole window).
   */
  summary(windowMs: number, now = Date.now()): RecentSummary {
    const since = now - windowMs;
    const latencies: number[] = [];
    let from = since;
    for (let i = 1; i <= this.size; i++) {
      const k = (this.next - i + this.capacity) % this.capacity;
      const at = this.at[k] ?? 0;
      if (at < since) break;
      latencies.push(this.ms[k] ?? 0);
      if (i === this.capacity) from = at;
    }
    const seconds = Math.max(now - from, 1) / 1000;
    const sorted = Float64Array.from(latencies).sort();
    const pick = (q: number): number | null =>
      sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null);
    return {
      requests: sorted.length,
      perSecond: sorted.length / seconds,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
    };
  }
}

/** The label of a request that matched no route (a 404 from the router), so probes of random paths stay one series. */
const UNMATCHED = 'unmatched';

/**
 * Request count and latency per route on every app: `http_request_duration_seconds{method,route,status}`
 * (its `_count` is the request count). Measured by Fastify's own clock, from the request's arrival
 * to the response sent, so it includes routing, Nest, validation and serialisation. A Nest
 * interceptor would miss the framework's share, requests refused before a handler (404, 415) and,
 * being an rxjs pipeline per request, cost more than a prediction's model call.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly seconds: Histogram<'method' | 'route' | 'status'>;
  private readonly recent = new Map<string, RecentRequests>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.seconds = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request to response, per route (the pattern, not the path) and status.',
      labelNames: ['method', 'route', 'status'],
      // Down to half a millisecond: a prediction takes about one.
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
  }

  /** Keeps the route's latest requests (its pattern, e.g. `/predict`) for a live summary. */
  track(route: string): RecentRequests {
    let recent = this.recent.get(route);
    if (!recent) this.recent.set(route, (recent = new RecentRequests()));
    return recent;
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as { getType(): string; getInstance(): unknown } | null | undefined;
    if (adapter == null) return; // a context without HTTP (a CLI tool, NestFactory.createApplicationContext)
    if (adapter.getType() !== 'fastify') {
      new Logger('HttpMetrics').warn('not on Fastify: http_request_duration_seconds stays empty');
      return;
    }
    const fastify = adapter.getInstance() as FastifyInstance;
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const route = request.routeOptions.url ?? UNMATCHED;
      this.seconds.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      this.recent.get(route)?.record(reply.elapsedTime);
      done();
    });
  }
}
