import { Module, type DynamicModule } from '@nestjs/common';
import { loadPredictionEnv, type PredictionEnv } from './prediction.config.js';
import { PREDICTION_ENV } from './prediction.constants.js';
import { PredictionController } from './prediction.controller.js';
import { PredictionMetrics } from './prediction.metrics.js';
import { PredictionService } from './prediction.service.js';
import { PriceModelController } from './price-model.controller.js';
import { PredictionPanel } from './prediction.panel.js';
import { PriceModelRegistry } from './price-model.registry.js';

export interface PredictionModuleOptions {
  /** Config to use instead of process.env (tests, benchmarks). */
  readonly env?: PredictionEnv;
}

/**
 * The price model as a service: GET /predict/, POST /predict/batch, GET /models/price.
 * Needs ObservabilityModule (health registry and metrics registry) in the app.
 */
@Module({})
export class PredictionModule {
  static forRoot(options: PredictionModuleOptions = {}): DynamicModule {
    return {
      module: PredictionModule,
      controllers: [PredictionController, PriceModelController],
      providers: [
        { provide: PREDICTION_ENV, useFactory: () => options.env ?? loadPredictionEnv() },
        PredictionMetrics,
        PriceModelRegistry,
        PredictionService,
        PredictionPanel,
      ],
      exports: [PredictionService, PriceModelRegistry],
    };
  }
}
