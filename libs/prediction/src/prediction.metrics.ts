import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@nurt/observability';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The serving numbers worth a dashboard beside request latency (http_request_duration_seconds): rows predicted, batch sizes, model call time. */
@Injectable()
export class PredictionMetrics {
  private readonly predictions: Counter<'model_version'>;
  private readonly batchSize: Histogram;
  private readonly modelCallSeconds: Histogram;
  private readonly modelInfo: Gauge<'model_version' | 'backend'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.predictions = new Counter({
      name: 'prediction_predictions_total',
      help: 'Prices predicted (rows, single and batch).',
      labelNames: ['model_version'],
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'prediction_batch_size',
      help: 'Rows per model call.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
      registers: [registry],
    });
    this.modelCallSeconds = new Histogram({
      name: 'prediction_model_call_duration_seconds',
      help: 'Time of one model call (encode, predict, decode).',
      buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
      registers: [registry],
    });
    this.modelInfo = new Gauge({
      name: 'prediction_model_info',
      help: 'The model version being served (value 1) and the TensorFlow.js backend.',
      labelNames: ['model_version', 'backend'],
      registers: [registry],
    });
  }

  modelCall(rows: number, seconds: number): void {
    this.batchSize.observe(rows);
    this.modelCallSeconds.observe(seconds);
  }

  served(version: string, rows: number): void {
    this.predictions.inc({ model_version: version }, rows);
  }

  modelActivated(version: string, backend: string): void {
    this.modelInfo.reset();
    this.modelInfo.set({ model_version: version, backend }, 1);
  }
}
