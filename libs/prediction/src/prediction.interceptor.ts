import {
  HttpException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { tap, type Observable } from 'rxjs';
import { predictionErrorStatus } from './prediction.filter.js';
import { PredictionMetrics } from './prediction.metrics.js';

/** Observes each prediction request's latency, labelled by route and HTTP status. */
@Injectable()
export class PredictionLatencyInterceptor implements NestInterceptor {
  constructor(private readonly metrics: PredictionMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const started = performance.now();
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    const observe = (status: number): void => {
      this.metrics.requestSeconds.observe({ route, status: String(status) }, (performance.now() - started) / 1000);
    };
    return next.handle().pipe(
      tap({
        next: () => observe(context.switchToHttp().getResponse<FastifyReply>().statusCode),
        error: (error: unknown) =>
          observe(error instanceof HttpException ? error.getStatus() : (predictionErrorStatus(error) ?? 500)),
      }),
    );
  }
}
