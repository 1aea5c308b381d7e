import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { io } from '@tensorflow/tfjs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/**
 * Loads a Layers model saved in the standard model.json + weights layout from a folder.
 * tf.io only ships http/browser handlers; the `file://` one comes with tfjs-node, which cannot
 * be assumed here, so the pure-JS backends need this.
 */
export function fileSystemLoader(dir: string): io.IOHandler {
  return {
    async load(): Promise<io.ModelArtifacts> {
      const modelJson = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as io.ModelJSON;
      const weightSpecs: io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of modelJson.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const path of group.paths) {
          const bytes = await readFile(join(dir, path));
          buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        }
      }
      return {
        modelTopology: modelJson.modelTopology,
        weightSpecs,
        weightData: concat(buffers),
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy ?? null,
      };
    },
  };
}

/** Saves a Layers model as model.json + one weights.bin, the layout `fileSystemLoader` reads. */
export function fileSystemSaver(dir: string): io.IOHandler {
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
        throw new Error('fileSystemSaver handles Layers models (JSON topology) only');
      }
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : toSingle(artifacts.weightData);
      const modelJson: io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'unknown',
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      await mkdir(dir, { recursive: true });
      const json = `${JSON.stringify(modelJson, null, 2)}\n`;
      await writeFile(join(dir, MODEL_JSON), json);
      await writeFile(join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: Buffer.byteLength(json),
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

function toSingle(data: io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? concat(data) : data;
}

function concat(buffers: readonly ArrayBuffer[]): ArrayBuffer {
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}
