import { Payload } from '@nestjs/microservices';
import { ConsumerGroups, TransactionsTopic, type Transaction } from '@nurt/contracts';
import { OnBatch, OnRebuild, Projection, type RecordBatch } from '@nurt/kafka';
import { FraudService } from './fraud.service.js';

/**
 * The `anti-fraud` consumer group: records every transaction, a batch at a time, for the fraud
 * rules to judge in event-time order (FraudService).
 */
@Projection(ConsumerGroups.AntiFraud)
export class FraudProjection {
  constructor(private readonly fraud: FraudService) {}

  @OnBatch(TransactionsTopic)
  async transactions(@Payload() batch: RecordBatch<Transaction>): Promise<void> {
    await this.fraud.apply(batch);
  }

  @OnRebuild()
  async clear(): Promise<void> {
    await this.fraud.clearView();
  }
}
