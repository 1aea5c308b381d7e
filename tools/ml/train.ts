/**
 * npm run train: generate the seeded apartment data set, train the price model on the pure-JS
 * CPU backend, evaluate it on held-out rows and write models/price/<version>/.
 * Every random choice is seeded, so a rerun reproduces the committed artifact (README.md).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  CITIES,
  DEFAULT_TRANSFORMS,
  METADATA_JSON,
  NUMERIC_FEATURES,
  WEIGHTS_BIN,
  decodeTarget,
  encodeApartments,
  encodeTarget,
  fileSystemSaver,
  fitNormalisation,
  inputWidth,
  type FeatureSpec,
  type ModelMetadata,
  type RegressionMetrics,
  type TargetSpec,
} from '@nurt/prediction';
import { generateApartments, parseCsv, toCsv, type GeneratedApartment } from './apartments.js';
import { mulberry32, shuffled } from '@nurt/random';
import { regressionMetrics } from './regression-metrics.js';

const { values: args } = parseArgs({
  options: {
    version: { type: 'string', default: 'v1' },
    rows: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '42' },
    data: { type: 'string', default: 'data/apartments.csv' },
    models: { type: 'string', default: 'models/price' },
  },
});

const HYPER = {
  hiddenUnits: [32, 16],
  batchSize: 64,
  learningRate: 0.003,
  maxEpochs: 300,
  patience: 20,
  minDelta: 1e-5,
  split: { train: 0.7, validation: 0.15, test: 0.15 },
} as const;

interface Split {
  readonly train: GeneratedApartment[];
  readonly validation: GeneratedApartment[];
  readonly test: GeneratedApartment[];
}

function split(rows: readonly GeneratedApartment[], seed: number): Split {
  const order = shuffled(mulberry32(seed), rows);
  const nTrain = Math.round(rows.length * HYPER.split.train);
  const nVal = Math.round(rows.length * HYPER.split.validation);
  return {
    train: order.slice(0, nTrain),
    validation: order.slice(nTrain, nTrain + nVal),
    test: order.slice(nTrain + nVal),
  };
}

function buildModel(width: number, seed: number): tf.LayersModel {
  const model = tf.sequential();
  HYPER.hiddenUnits.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        ...(i === 0 ? { inputShape: [width] } : {}),
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
        biasInitializer: 'zeros',
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + HYPER.hiddenUnits.length }),
      biasInitializer: 'zeros',
    }),
  );
  model.compile({ optimizer: tf.train.adam(HYPER.learningRate), loss: 'meanSquaredError' });
  return model;
}

function predictPrices(
  model: tf.LayersModel,
  features: FeatureSpec,
  target: TargetSpec,
  rows: readonly GeneratedApartment[],
): number[] {
  const out = tf.tidy(() => {
    const x = tf.tensor2d(encodeApartments(features, rows), [rows.length, inputWidth(features)]);
    return (model.predict(x) as tf.Tensor).dataSync();
  });
  return Array.from(out, (v) => decodeTarget(target, v));
}

function evaluate(
  model: tf.LayersModel,
  features: FeatureSpec,
  target: TargetSpec,
  rows: readonly GeneratedApartment[],
): RegressionMetrics {
  return regressionMetrics(
    rows.map((r) => r.price),
    predictPrices(model, features, target, rows),
  );
}

/** Mini-batch Adam with a seeded shuffle per epoch; keeps the weights of the best validation epoch. */
async function fit(
  model: tf.LayersModel,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  xVal: tf.Tensor2D,
  yVal: tf.Tensor2D,
  seed: number,
): Promise<{ epochs: number; bestEpoch: number; bestValLoss: number }> {
  const random = mulberry32(seed);
  const n = x.shape[0];
  const indices = Array.from({ length: n }, (_, i) => i);
  let best = { loss: Infinity, epoch: 0, weights: [] as tf.Tensor[] };
  let epochs = 0;
  for (let epoch = 1; epoch <= HYPER.maxEpochs; epoch++) {
    epochs = epoch;
    const order = shuffled(random, indices);
    for (let start = 0; start < n; start += HYPER.batchSize) {
      const idx = tf.tensor1d(order.slice(start, start + HYPER.batchSize), 'int32');
      const xb = tf.gather(x, idx);
      const yb = tf.gather(y, idx);
      await model.trainOnBatch(xb, yb);
      tf.dispose([idx, xb, yb]);
    }
    const valLoss = tf.tidy(() => (model.evaluate(xVal, yVal) as tf.Scalar).dataSync()[0]);
    if (valLoss < best.loss - HYPER.minDelta) {
      tf.dispose(best.weights);
      best = { loss: valLoss, epoch, weights: model.getWeights().map((w) => w.clone()) };
    } else if (epoch - best.epoch >= HYPER.patience) {
      break;
    }
    if (epoch % 10 === 0)
      console.log(
        `epoch ${epoch}: validation loss ${valLoss.toFixed(5)} (best ${best.loss.toFixed(5)} @ ${best.epoch})`,
      );
  }
  model.setWeights(best.weights);
  tf.dispose(best.weights);
  return { epochs, bestEpoch: best.epoch, bestValLoss: best.loss };
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** Honours SOURCE_DATE_EPOCH so a rebuild can produce a byte-identical metadata.json. */
function createdAt(): string {
  const epoch = process.env['SOURCE_DATE_EPOCH'];
  return new Date(epoch === undefined ? Date.now() : Number(epoch) * 1000).toISOString();
}

async function main(): Promise<void> {
  const started = performance.now();
  const seed = Number(args.seed);
  const rowCount = Number(args.rows);
  if (!Number.isInteger(seed) || !Number.isInteger(rowCount) || rowCount < 100)
    throw new Error('--seed and --rows must be integers, rows ≥ 100');

  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();

  await mkdir(dirname(args.data), { recursive: true });
  await writeFile(args.data, toCsv(generateApartments(rowCount, seed)));
  const csv = await readFile(args.data);
  const rows = parseCsv(csv.toString('utf8'));
  const parts = split(rows, seed + 1);
  console.log(
    `data: ${rows.length} rows → ${args.data} (train ${parts.train.length}, validation ${parts.validation.length}, test ${parts.test.length})`,
  );

  const features: FeatureSpec = {
    numeric: NUMERIC_FEATURES.map((name) => ({
      name,
      transform: DEFAULT_TRANSFORMS[name],
      ...fitNormalisation(
        parts.train.map((r) => r[name]),
        DEFAULT_TRANSFORMS[name],
      ),
    })),
    cities: [...CITIES],
  };
  const target: TargetSpec = {
    name: 'price',
    unit: 'PLN',
    transform: 'log',
    ...fitNormalisation(
      parts.train.map((r) => r.price),
      'log',
    ),
  };

  const width = inputWidth(features);
  const tensors = (part: readonly GeneratedApartment[]): [tf.Tensor2D, tf.Tensor2D] => [
    tf.tensor2d(encodeApartments(features, part), [part.length, width]),
    tf.tensor2d(
      part.map((r) => encodeTarget(target, r.price)),
      [part.length, 1],
    ),
  ];
  const [x, y] = tensors(parts.train);
  const [xVal, yVal] = tensors(parts.validation);
  const model = buildModel(width, seed + 2);
  const trainStarted = performance.now();
  const history = await fit(model, x, y, xVal, yVal, seed + 3);
  const trainMs = performance.now() - trainStarted;
  tf.dispose([x, y, xVal, yVal]);

  const withCity = parts.test.filter((r) => r.city !== undefined);
  const withoutCity = parts.test.filter((r) => r.city === undefined);
  const metrics = {
    validation: evaluate(model, features, target, parts.validation),
    test: evaluate(model, features, target, parts.test),
    testWithCity: evaluate(model, features, target, withCity),
    testWithoutCity: evaluate(model, features, target, withoutCity),
  };

  const dir = join(args.models, args.version);
  await model.save(fileSystemSaver(dir));
  const metadata: ModelMetadata = {
    name: 'price',
    version: args.version,
    createdAt: createdAt(),
    framework: `@tensorflow/tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`,
    features,
    target,
    metrics,
    data: {
      file: args.data,
      sha256: sha256(csv),
      rows: rows.length,
      seed,
      split: { train: parts.train.length, validation: parts.validation.length, test: parts.test.length },
    },
    training: {
      hiddenUnits: HYPER.hiddenUnits.join('-'),
      batchSize: HYPER.batchSize,
      learningRate: HYPER.learningRate,
      maxEpochs: HYPER.maxEpochs,
      patience: HYPER.patience,
      epochs: history.epochs,
      bestEpoch: history.bestEpoch,
      bestValidationLoss: history.bestValLoss,
      weightsSha256: sha256(await readFile(join(dir, WEIGHTS_BIN))),
      trainingSeconds: Math.round(trainMs / 100) / 10,
    },
  };
  await writeFile(join(dir, METADATA_JSON), `${JSON.stringify(metadata, null, 2)}\n`);

  const fmt = (m: RegressionMetrics): string =>
    `R² ${m.r2.toFixed(4)}, MAE ${Math.round(m.mae).toLocaleString('en')} PLN, RMSE ${Math.round(m.rmse).toLocaleString('en')} PLN (${m.rows} rows)`;
  console.log(`best epoch ${history.bestEpoch} of ${history.epochs}; training ${(trainMs / 1000).toFixed(1)} s`);
  console.log(`validation: ${fmt(metrics.validation)}`);
  console.log(`test:       ${fmt(metrics.test)}`);
  console.log(`  city given:   ${fmt(metrics.testWithCity)}`);
  console.log(`  city missing: ${fmt(metrics.testWithoutCity)}`);
  console.log(`model → ${dir} (total ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (metrics.test.r2 < 0.9) {
    console.error(`held-out R² ${metrics.test.r2.toFixed(4)} is below 0.9`);
    process.exitCode = 1;
  }
}

await main();
