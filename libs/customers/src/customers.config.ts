import { Expose } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { loadConfig, ToBoolean, ToNumber, type Env } from '@nurt/config';

export class CustomersEnv {
  /** Insert the lecture's three customers when the database has never held a customer. */
  @Expose()
  @ToBoolean()
  @IsBoolean()
  CUSTOMERS_SEED = true;

  /**
   * `off` leaves changes in the outbox unpublished (they go out after a restart with it on): the
   * switch the crash test uses to stand for a process killed between commit and send.
   */
  @Expose()
  @IsIn(['on', 'off'])
  CUSTOMERS_OUTBOX_RELAY: 'on' | 'off' = 'on';

  /** How often the relay looks for unpublished changes besides right after each commit (recovery). */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(50)
  @Max(600_000)
  CUSTOMERS_OUTBOX_INTERVAL_MS = 1000;

  /** Most outbox rows sent to Kafka in one request. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(10_000)
  CUSTOMERS_OUTBOX_BATCH = 500;

  /** Published outbox rows are deleted after this many hours (kept meanwhile for inspection). */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(24 * 365)
  CUSTOMERS_OUTBOX_RETENTION_HOURS = 24;

  /** Customers kept in memory for GET /customers/:id (least recently used evicted); 0 = no cache. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  CUSTOMERS_CACHE_SIZE = 10_000;

  /**
   * How long a cached customer may be served. Unset: for ever on PGlite (this process is the only
   * writer and evicts on each write), 1000 ms on PostgreSQL (other instances may write).
   */
  @Expose()
  @IsOptional()
  @ToNumber()
  @IsInt()
  @Min(1)
  CUSTOMERS_CACHE_TTL_MS?: number;
}

export function loadCustomersEnv(env?: Env): CustomersEnv {
  return loadConfig(CustomersEnv, env);
}
