import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import replyFrom from '@fastify/reply-from';
import { SERVICE_SPECS } from '@nurt/contracts';
import { METRICS_REGISTRY } from '@nurt/observability';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { upstreams, type GatewayEnv, type Upstream } from './gateway.config.js';
import { GATEWAY_ENV } from './gateway.tokens.js';

const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Codes of errors meaning "nobody is listening there" (a stopped or not yet started service). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ECONNRESET', 'UND_ERR_SOCKET']);

interface ProxyError {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
}

/** Maps a failed forward to what the client sees: 503 when the service is down, 504 on a timeout. */
export function proxyError(service: string, error: Error): ProxyError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code ?? '';
  const detail = cause?.message ?? error.message;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || error.name === 'TimeoutError' || /timeout/i.test(code)) {
    return { statusCode: 504, error: 'Gateway Timeout', message: `${service} did not answer in time (${detail})` };
  }
  if (UNREACHABLE.has(code) || /ECONNREFUSED|ENOTFOUND|ECONNRESET/.test(detail)) {
    return { statusCode: 503, error: 'Service Unavailable', message: `${service} is unavailable (${detail})` };
  }
  return { statusCode: 502, error: 'Bad Gateway', message: `${service} failed: ${detail}` };
}

/**
 * Forwards every path a service owns (libs/contracts SERVICE_SPECS) to that service, streaming
 * bodies both ways, so that the split deployment answers exactly like the monolith. Registered
 * on the Fastify instance in its own scope, where bodies are not parsed: the service parses and
 * validates them, as it would behind no gateway.
 */
@Injectable()
export class GatewayProxy implements OnModuleInit {
  private readonly log = new Logger('GatewayProxy');
  private readonly requests: Counter<'service' | 'status'>;
  private readonly seconds: Histogram<'service'>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.requests = new Counter({
      name: 'gateway_requests_total',
      help: 'Requests forwarded, by service and response status (503/504: the service was down or slow).',
      labelNames: ['service', 'status'],
      registers: [registry],
    });
    this.seconds = new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time from request to response of forwarded requests, service time included.',
      labelNames: ['service'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
  }

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const targets = upstreams(this.env);
    await fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      await scope.register(replyFrom, {
        undici: { connections: 128, pipelining: 1, headersTimeout: this.env.GATEWAY_UPSTREAM_TIMEOUT_MS },
        disableRequestLogging: true,
      });
      scope.addHook('onResponse', (request, reply, done) => {
        const service = (request.routeOptions.config as { service?: string } | undefined)?.service;
        if (service !== undefined) {
          this.requests.inc({ service, status: String(reply.statusCode) });
          this.seconds.observe({ service }, reply.elapsedTime / 1000);
        }
        done();
      });
      for (const upstream of targets) {
        for (const path of SERVICE_SPECS[upstream.service].paths) {
          for (const url of [path, `${path}/*`]) {
            scope.route({
              method: METHODS,
              url,
              config: { service: upstream.service },
              handler: (request, reply) => this.forward(upstream, request, reply),
            });
          }
        }
      }
    });
    for (const { service, url } of targets) this.log.log(`${SERVICE_SPECS[service].paths.join(', ')} → ${url}`);
  }

  private forward(upstream: Upstream, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    return reply.from(`${upstream.url}${request.url}`, {
      rewriteRequestHeaders: (req, headers) => ({
        ...headers,
        'x-forwarded-for': [headers['x-forwarded-for'], req.ip].filter(Boolean).join(', '),
        'x-forwarded-host': headers['x-forwarded-host'] ?? req.headers.host,
        'x-forwarded-proto': headers['x-forwarded-proto'] ?? req.protocol,
      }),
      onError: (failed, { error }) => {
        const body = proxyError(upstream.service, error);
        void failed.code(body.statusCode).type('application/json; charset=utf-8').send(body);
      },
    });
  }
}
