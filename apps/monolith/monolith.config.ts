import { Expose } from 'class-transformer';
import { ArrayNotEmpty, IsIn } from 'class-validator';
import { loadConfig, ToList, type Env } from '@nurt/config';
import { SERVICES, type ServiceName } from '@nurt/contracts';

export class MonolithEnv {
  /** Which services this process runs (comma-separated); every service when unset. */
  @Expose()
  @ToList()
  @ArrayNotEmpty()
  @IsIn(SERVICES, { each: true, message: `each entry must be one of: ${SERVICES.join(', ')}` })
  NURT_SERVICES: ServiceName[] = [...SERVICES];
}

export function loadMonolithEnv(env?: Env): MonolithEnv {
  const config = loadConfig(MonolithEnv, env);
  // Declared order, whatever order the variable lists them in; duplicates once.
  config.NURT_SERVICES = SERVICES.filter((s) => config.NURT_SERVICES.includes(s));
  return config;
}
