import { Inject, Injectable } from '@nestjs/common';
import { Topics, type Transaction } from '@nurt/contracts';
import { KafkaProducer, type Partitioning } from '@nurt/kafka';
import type { TransactionsEnv } from './transactions.config.js';
import { TRANSACTIONS_ENV } from './transactions.constants.js';
import type { AcceptedTransactionDto } from './transactions.dto.js';

@Injectable()
export class TransactionsService {
  constructor(
    private readonly producer: KafkaProducer,
    @Inject(TRANSACTIONS_ENV) private readonly env: TransactionsEnv,
  ) {}

  /**
   * Writes the transactions (complete: the contract's defaults applied, occurredAt included, so
   * every consumer sees one time) to the `transactions` topic, keyed by store, and resolves once
   * the broker acknowledged all of them. Concurrent calls share produce requests (KafkaProducer).
   */
  async submit(transactions: readonly Transaction[], partitioning?: Partitioning): Promise<AcceptedTransactionDto[]> {
    const results = await this.producer.sendBatch<Transaction>(
      transactions.map((tx) => ({
        topic: Topics.Transactions,
        key: tx.store,
        value: tx,
        partitioning: partitioning ?? this.env.TRANSACTIONS_PARTITIONING,
      })),
    );
    return results.map((r, i) => ({ id: transactions[i]?.id ?? '', ...r }));
  }
}
