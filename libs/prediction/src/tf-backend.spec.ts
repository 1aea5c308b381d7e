import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from './tf-backend.js';

/** A variable, so the compiler does not resolve the optional package. */
const TFJS_NODE = '@tensorflow/tfjs-node';

describe('initTfBackend', () => {
  it('falls back from tfjs-node to a pure-JS backend and says why', async () => {
    const said: string[] = [];
    const logger = { log: (m: string) => said.push(m), warn: (m: string) => said.push(m) };
    const name = await initTfBackend('auto', logger);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(name);
    expect(tf.getBackend()).toBe(name);
    if (name !== 'tensorflow') expect(said.join('\n')).toContain('@tensorflow/tfjs-node is not available');
    await initTfBackend('cpu', logger);
  });

  it('fails for an explicit backend that cannot start', async () => {
    const quiet = { log: () => undefined, warn: () => undefined };
    const nativeInstalled = await import(TFJS_NODE).then(
      () => true,
      () => false,
    );
    if (nativeInstalled) return;
    await expect(initTfBackend('tensorflow', quiet)).rejects.toThrow("asked for 'tensorflow'");
    await initTfBackend('cpu', quiet);
  });
});
