import { loadConfig, ToNumber, type Env } from '@nurt/config';
import { Expose } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { BACKENDS, type BackendChoice } from './tf-backend.js';

/** Every variable the prediction feature reads; defaults measured with bench/predict (docs/benchmarks.md). */
export class PredictionEnv {
  /** Folder of version folders, each with model.json, weights.bin and metadata.json. */
  @Expose()
  @IsString()
  @MinLength(1)
  MODEL_DIR = 'models/price';

  /** Version to serve at start-up; unset = the highest version found in MODEL_DIR. */
  @Expose()
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'MODEL_VERSION may contain only letters, digits, . _ -' })
  MODEL_VERSION?: string;

  /** Largest micro-batch; 1 turns micro-batching off. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(1000)
  PREDICTION_MAX_BATCH = 64;

  /** How long a request may wait for others to join its batch; 0 = only those already arrived (next tick). */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(1000)
  PREDICTION_MAX_WAIT_MS = 0;

  @Expose()
  @IsIn(BACKENDS)
  PREDICTION_BACKEND: BackendChoice = 'auto';
}

export function loadPredictionEnv(env?: Env): PredictionEnv {
  return loadConfig(PredictionEnv, env);
}
