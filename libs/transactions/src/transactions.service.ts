import { Inject, Injectable } from '@nestjs/common';
import { parseTransaction, Topics, type Transaction, type TransactionEvent } from '@nurt/contracts';
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
   * Writes the transactions to the `transactions` topic, keyed by store, and resolves once the
   * broker acknowledged all of them. occurredAt defaults to now, so every consumer sees one time.
   */
  async submit(events: readonly TransactionEvent[], partitioning?: Partitioning): Promise<AcceptedTransactionDto[]> {
    const now = new Date();
    const transactions = events.map((e) => complete(e, now));
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

function complete(event: TransactionEvent, now: Date): Transaction {
  // The body passed the same rules already (ValidationPipe); this applies the contract's defaults.
  const parsed = parseTransaction({ ...event }, { timestamp: now });
  if (!parsed.ok) throw new Error(`unreachable: ${JSON.stringify(parsed.errors)}`);
  return parsed.value;
}
