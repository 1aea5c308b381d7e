import { Expose } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { loadConfig, ToNumber, type Env } from '@nurt/config';

export class DatabaseEnv {
  /** postgres://user:pass@host:port/db. Unset: embedded PGlite. */
  @Expose()
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_MAX = 10;

  /** Where PGlite keeps its files when DATABASE_URL is unset; `memory` keeps nothing. Default: .data/pglite/<app>. */
  @Expose()
  @IsOptional()
  @IsString()
  PGLITE_DIR?: string;

  /** How often tables that grow with every event (applied ids, history) are pruned to their retention. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  DATABASE_PRUNE_INTERVAL_MS = 3_600_000;
}

export function loadDatabaseEnv(env?: Env): DatabaseEnv {
  return loadConfig(DatabaseEnv, env);
}
