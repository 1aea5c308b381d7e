import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export type Env = Readonly<Record<string, string | undefined>>;

/** Raised when the environment does not satisfy a config class; the message names each variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describe(error: ValidationError, env: Env): string[] {
  const raw = env[error.property];
  const got = raw === undefined ? 'it is not set' : `got ${JSON.stringify(raw)}`;
  const rules = Object.values(error.constraints ?? {}).join('; ');
  return [`${error.property}: ${rules} (${got})`];
}

/**
 * Builds a config object from env. Empty strings count as unset, so that a blank line in a
 * .env file falls back to the default instead of failing a number or boolean rule.
 */
export function loadConfig<T extends object>(cls: new () => T, env: Env = process.env): T {
  const plain: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') plain[key] = value.trim();
  }
  const config = plainToInstance(cls, plain, { exposeDefaultValues: true, excludeExtraneousValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigError(errors.flatMap((e) => describe(e, env)));
  return config;
}
