import { Expose } from 'class-transformer';
import { IsIn } from 'class-validator';
import { loadConfig, type Env } from '@nurt/config';

export const PARTITIONINGS = ['key', 'round-robin'] as const;

export class TransactionsEnv {
  /** How POST /transactions places records when the request does not say: by store (ordered per store) or round-robin. */
  @Expose()
  @IsIn(PARTITIONINGS)
  TRANSACTIONS_PARTITIONING: (typeof PARTITIONINGS)[number] = 'key';
}

export function loadTransactionsEnv(env?: Env): TransactionsEnv {
  return loadConfig(TransactionsEnv, env);
}
