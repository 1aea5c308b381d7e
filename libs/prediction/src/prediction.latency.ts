import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PredictionMetrics } from './prediction.metrics.js';

/** Routes whose latency is recorded: the prediction endpoints, not health or metrics scrapes. */
const OBSERVED = /^\/predict(\/|$)/;

/**
 * Records request latency from Fastify's own clock (onRequest to response sent), which covers
 * routing, Nest, validation, batching and serialisation. A Nest interceptor would miss the
 * framework's share and, being an rxjs pipeline per request, cost more than the model call.
 */
@Injectable()
export class PredictionLatency implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: PredictionMetrics,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as { getType(): string; getInstance(): unknown } | undefined;
    if (adapter?.getType() !== 'fastify') {
      new Logger('PredictionLatency').warn('not on Fastify: prediction_request_duration_seconds stays empty');
      return;
    }
    const fastify = adapter.getInstance() as FastifyInstance;
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const route = request.routeOptions.url;
      if (route !== undefined && OBSERVED.test(route)) {
        this.metrics.requestSeconds.observe({ route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      }
      done();
    });
  }
}
