import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, type HealthCheck, type HealthCheckResult } from '@nurt/observability';
import type { PredictionEnv } from './prediction.config.js';
import {
  ModelNotReadyError,
  ModelSwitchInProgressError,
  ModelVersionNotFoundError,
  PREDICTION_ENV,
} from './prediction.constants.js';
import { PredictionMetrics } from './prediction.metrics.js';
import { listModelVersions, PriceModel } from './price-model.js';
import { initTfBackend } from './tf-backend.js';

/**
 * Owns the model lifecycle: picks the backend, loads and warms up a version before it serves,
 * and swaps versions without a gap. Readiness (/health/ready) is down until the first load ends.
 */
@Injectable()
export class PriceModelRegistry implements OnModuleInit, HealthCheck {
  readonly name = 'prediction-model';
  private readonly logger = new Logger('PriceModelRegistry');
  private active: PriceModel | undefined;
  private switching: string | undefined;
  private backend = 'none';

  constructor(
    @Inject(PREDICTION_ENV) private readonly env: PredictionEnv,
    private readonly health: HealthRegistry,
    private readonly metrics: PredictionMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register(this);
    this.backend = await initTfBackend(this.env.PREDICTION_BACKEND, this.logger);
    const version =
      this.env.MODEL_VERSION ?? (await listModelVersions(this.env.MODEL_DIR).catch((): string[] => [])).at(-1);
    if (version === undefined) throw new ModelVersionNotFoundError(`(none in ${this.env.MODEL_DIR})`);
    await this.activate(version);
  }

  /** The model that answers now. Throws until the first version is loaded. */
  current(): PriceModel {
    if (this.active === undefined) throw new ModelNotReadyError();
    return this.active;
  }

  get backendName(): string {
    return this.backend;
  }

  versions(): Promise<string[]> {
    return listModelVersions(this.env.MODEL_DIR);
  }

  /**
   * Loads and warms `version` while the current one keeps serving, then swaps the reference.
   * Prediction is synchronous, so no batch can be mid-way through the old model at the swap and
   * disposing it at once cannot fail a request.
   */
  async activate(version: string): Promise<PriceModel> {
    if (this.switching !== undefined) throw new ModelSwitchInProgressError(this.switching);
    this.switching = version;
    try {
      if (!(await this.versions().catch((): string[] => [])).includes(version)) {
        throw new ModelVersionNotFoundError(version);
      }
      const started = performance.now();
      const next = await PriceModel.load(join(this.env.MODEL_DIR, version));
      const previous = this.active;
      this.active = next;
      previous?.dispose();
      this.metrics.modelActivated(next.version, this.backend);
      this.logger.log(
        `serving price model ${next.version} (loaded and warmed up in ${Math.round(performance.now() - started)} ms)`,
      );
      return next;
    } finally {
      this.switching = undefined;
    }
  }

  /** Frees the weights at shutdown, after the last batch has run. */
  unload(): void {
    this.active?.dispose();
    this.active = undefined;
  }

  check(): Promise<HealthCheckResult> {
    const model = this.active;
    return Promise.resolve(
      model === undefined
        ? { status: 'down', error: 'model not loaded yet' }
        : { status: 'up', version: model.version, backend: this.backend },
    );
  }
}
