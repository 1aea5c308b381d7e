import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileSystemLoader } from './model-files.js';
import { METADATA_JSON, ModelMetadataError, readModelMetadata, type ModelMetadata } from './model-metadata.js';
import { decodeTarget, encodeApartments, inputWidth, type Apartment } from './price-features.js';

/** Raised instead of ever answering NaN or Infinity. */
export class NonFinitePredictionError extends Error {
  override name = 'NonFinitePredictionError';
}

/** Batch sizes run once at load so the first real requests do not pay for kernel set-up and JIT. */
const WARM_UP_SIZES = [1, 2, 8, 64, 256];
const WARM_UP_APARTMENT: Apartment = { area: 65, bedrooms: 3, building_age: 10 };

interface DenseStep {
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D | undefined;
  readonly activation: 'relu' | 'linear';
}

/**
 * The model's Dense layers as fused matMul steps over its own weight tensors, or undefined when
 * the topology holds anything else. LayersModel.predict spends most of a small model's time in
 * its graph bookkeeping; three fused kernels give the same numbers in about half the time.
 */
function denseSteps(model: tf.LayersModel): DenseStep[] | undefined {
  const steps: DenseStep[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const activation = layer.getConfig()['activation'];
    if (layer.getClassName() !== 'Dense' || (activation !== 'relu' && activation !== 'linear')) return undefined;
    const [kernel, bias] = layer.getWeights();
    steps.push({ kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D | undefined, activation });
  }
  return steps;
}

/** One loaded version of the price model: metadata, weights, and the encode → predict → decode path. */
export class PriceModel {
  private readonly steps: DenseStep[] | undefined;

  private constructor(
    readonly metadata: ModelMetadata,
    readonly dir: string,
    private readonly model: tf.LayersModel,
  ) {
    this.steps = denseSteps(model);
  }

  get version(): string {
    return this.metadata.version;
  }

  /** Reads, checks and warms up the model in `dir`; the result is ready to serve. */
  static async load(dir: string): Promise<PriceModel> {
    const metadata = await readModelMetadata(dir);
    const model = await tf.loadLayersModel(fileSystemLoader(dir));
    const expected = inputWidth(metadata.features);
    const shape = model.inputs[0]?.shape;
    if (model.inputs.length !== 1 || shape?.[1] !== expected) {
      model.dispose();
      throw new ModelMetadataError(
        `${dir}: model input shape ${JSON.stringify(shape)} does not fit ${expected} features`,
      );
    }
    const loaded = new PriceModel(metadata, dir, model);
    for (const size of WARM_UP_SIZES) loaded.predict(Array.from({ length: size }, () => WARM_UP_APARTMENT));
    return loaded;
  }

  /** Prices in PLN rounded to 2 decimals, one per apartment, in order. Synchronous: one model call. */
  predict(apartments: readonly Apartment[]): number[] {
    if (apartments.length === 0) return [];
    const { features, target } = this.metadata;
    const outputs = tf.tidy(() => {
      const x = tf.tensor2d(encodeApartments(features, apartments), [apartments.length, inputWidth(features)]);
      const steps = this.steps;
      if (steps === undefined) return (this.model.predict(x) as tf.Tensor).dataSync();
      let h: tf.Tensor2D = x;
      for (const step of steps) {
        h = tf.fused.matMul({ a: h, b: step.kernel, bias: step.bias, activation: step.activation }) as tf.Tensor2D;
      }
      return h.dataSync();
    });
    return Array.from(outputs, (y) => {
      const price = Math.round(decodeTarget(target, y) * 100) / 100;
      if (!Number.isFinite(price)) throw new NonFinitePredictionError(`model ${this.version} produced ${price}`);
      return price;
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Version folders under `root` that hold a metadata.json, in natural order (v2 before v10). */
export async function listModelVersions(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const versions: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(join(root, entry.name));
    if (files.includes(METADATA_JSON)) versions.push(entry.name);
  }
  return versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
