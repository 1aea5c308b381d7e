import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { MicroBatcher } from './micro-batcher.js';
import type { PredictionEnv } from './prediction.config.js';
import { PREDICTION_ENV } from './prediction.constants.js';
import { PredictionMetrics } from './prediction.metrics.js';
import { PriceModelRegistry } from './price-model.registry.js';
import type { Apartment } from './price-features.js';

export interface PriceEstimate {
  readonly price: number;
  readonly version: string;
}

export interface PriceEstimates {
  readonly prices: readonly number[];
  readonly version: string;
}

/**
 * Single predictions go through the micro-batcher, so concurrent requests share one model call;
 * a client's own batch is already a batch and goes straight to the model.
 */
@Injectable()
export class PredictionService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly batcher: MicroBatcher<Apartment, PriceEstimate>;

  constructor(
    @Inject(PREDICTION_ENV) env: PredictionEnv,
    private readonly registry: PriceModelRegistry,
    private readonly metrics: PredictionMetrics,
  ) {
    this.batcher = new MicroBatcher({
      maxBatchSize: env.PREDICTION_MAX_BATCH,
      maxWaitMs: env.PREDICTION_MAX_WAIT_MS,
      run: (apartments) => {
        const { prices, version } = this.predictNow(apartments);
        return prices.map((price) => ({ price, version }));
      },
    });
  }

  predictOne(apartment: Apartment): Promise<PriceEstimate> {
    return this.batcher.submit(apartment);
  }

  predictMany(apartments: readonly Apartment[]): PriceEstimates {
    return this.predictNow(apartments);
  }

  /** Requests already waiting for company are answered now rather than after the full wait. */
  beforeApplicationShutdown(): void {
    this.batcher.flush();
  }

  /** Drains queued requests before the model is freed; runs after the HTTP server stopped accepting. */
  async onApplicationShutdown(): Promise<void> {
    await this.batcher.close();
    this.registry.unload();
  }

  /** One model call on one model version, so every row of a batch carries the same version. */
  private predictNow(apartments: readonly Apartment[]): PriceEstimates {
    const model = this.registry.current();
    const started = performance.now();
    const prices = model.predict(apartments);
    this.metrics.modelCall(apartments.length, (performance.now() - started) / 1000);
    this.metrics.served(model.version, apartments.length);
    return { prices, version: model.version };
  }
}
