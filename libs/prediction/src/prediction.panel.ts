import { Injectable } from '@nestjs/common';
import { DashboardPanels, HttpMetrics, type Panel, type PanelSource } from '@nurt/observability';

type RecentRequests = ReturnType<HttpMetrics['track']>;
import { PriceModelRegistry } from './price-model.registry.js';

/** The window the live numbers cover. */
const WINDOW_MS = 10_000;

const round = (n: number | null, digits = 2): number | null => (n === null ? null : Number(n.toFixed(digits)));

/**
 * The model's headline numbers on /dashboard: requests per second and exact p50/p99 latency of
 * `GET /predict/` over the last 10 s (measured by Fastify from arrival to response, like
 * http_request_duration_seconds), batch calls too, and the version served.
 */
@DashboardPanels()
@Injectable()
export class PredictionPanel implements PanelSource {
  private readonly single: RecentRequests;
  private readonly batch: RecentRequests;

  constructor(
    http: HttpMetrics,
    private readonly models: PriceModelRegistry,
  ) {
    this.single = http.track('/predict');
    this.batch = http.track('/predict/batch');
  }

  panels(): Promise<Panel[]> {
    const single = this.single.summary(WINDOW_MS);
    const batch = this.batch.summary(WINDOW_MS);
    let version: string | null;
    try {
      version = this.models.current().metadata.version;
    } catch {
      version = null; // still loading
    }
    return Promise.resolve([
      {
        id: 'prediction',
        title: 'Price model (prediction, last 10 s)',
        order: 40,
        view: {
          kind: 'stats',
          items: [
            { label: 'GET /predict/ QPS', value: round(single.perSecond, 1) },
            { label: 'p50', value: round(single.p50Ms), unit: 'ms' },
            { label: 'p99', value: round(single.p99Ms), unit: 'ms' },
            { label: 'POST /predict/batch per second', value: round(batch.perSecond, 1) },
            { label: 'model', value: version },
          ],
        },
      },
    ]);
  }
}
