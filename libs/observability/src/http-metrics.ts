import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.js';

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

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as { getType(): string; getInstance(): unknown } | undefined;
    if (adapter === undefined) return; // a context without HTTP (a CLI tool)
    if (adapter.getType() !== 'fastify') {
      new Logger('HttpMetrics').warn('not on Fastify: http_request_duration_seconds stays empty');
      return;
    }
    const fastify = adapter.getInstance() as FastifyInstance;
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      this.seconds.observe(
        { method: request.method, route: request.routeOptions.url ?? UNMATCHED, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}
