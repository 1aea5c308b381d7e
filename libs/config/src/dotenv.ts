import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** Variables a loaded .env file set, with the file: so that a message can say where a value came from. */
const fromFile = new Map<string, string>();

/**
 * Loads a .env file into process.env as `npm start` does (Node's own parser, `util.parseEnv`; a
 * variable the environment already sets wins). Every command of the repository calls it on the repository's
 * .env, so that they all read the same configuration. Returns whether the file was there.
 */
export function loadDotEnv(file: string): boolean {
  if (!existsSync(file)) return false;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (process.env[name] !== undefined) continue;
    process.env[name] = value;
    fromFile.set(name, file);
  }
  return true;
}

/** Where a variable's value comes from, for messages: `KAFKA_PORT in .env`, `KAFKA_PORT in the environment`. */
export function envOrigin(name: string): string {
  const file = fromFile.get(name);
  return file === undefined ? `${name} in the environment` : `${name} in ${file.split(/[\\/]/).pop() ?? file}`;
}
