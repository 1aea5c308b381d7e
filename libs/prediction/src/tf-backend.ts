import * as tf from '@tensorflow/tfjs';

/** `auto` prefers the native binding, then WebAssembly, then plain JavaScript. */
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export interface BackendLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * tfjs-node is an optional dependency: its install downloads libtensorflow, which fails where
 * there is no internet. A variable specifier keeps the compiler and bundlers from insisting on it.
 */
const TFJS_NODE = '@tensorflow/tfjs-node';

async function tryNative(logger: BackendLogger): Promise<boolean> {
  try {
    await import(TFJS_NODE);
  } catch (error: unknown) {
    logger.log(`${TFJS_NODE} is not available (${firstLine(error)}); using a pure-JS backend`);
    return false;
  }
  return activate('tensorflow', logger);
}

async function activate(name: 'tensorflow' | 'wasm' | 'cpu', logger: BackendLogger): Promise<boolean> {
  try {
    if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
    await tf.ready();
    return true;
  } catch (error: unknown) {
    logger.warn(`TensorFlow.js backend '${name}' failed to start: ${firstLine(error)}`);
    return false;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/**
 * Selects the TensorFlow.js backend (process-wide: the engine is global) and returns its name.
 * An explicit choice that fails is an error; `auto` falls through to the next candidate.
 */
export async function initTfBackend(choice: BackendChoice, logger: BackendLogger): Promise<string> {
  // Skips the engine's per-op debug checks and the "install tfjs-node" banner.
  tf.enableProdMode();
  const order: readonly ('tensorflow' | 'wasm' | 'cpu')[] =
    choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    const ok = name === 'tensorflow' ? await tryNative(logger) : await activate(name, logger);
    if (ok) {
      logger.log(`TensorFlow.js ${tf.version.tfjs} on backend '${tf.getBackend()}'`);
      return tf.getBackend();
    }
  }
  throw new Error(`no TensorFlow.js backend could start (asked for '${choice}')`);
}
