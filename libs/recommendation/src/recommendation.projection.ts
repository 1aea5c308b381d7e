import { Payload } from '@nestjs/microservices';
import {
  ConsumerGroups,
  CustomersTopic,
  TransactionsTopic,
  type CustomerChange,
  type Transaction,
} from '@nurt/contracts';
import { OnBatch, OnRebuild, Projection, type RecordBatch } from '@nurt/kafka';
import { RecommendationService } from './recommendation.service.js';

/**
 * The `recommendation` consumer group: transactions into customer profiles, and the compacted
 * `customers` topic into its local copy of each customer's segment and city.
 */
@Projection(ConsumerGroups.Recommendation)
export class RecommendationProjection {
  constructor(private readonly recommendation: RecommendationService) {}

  @OnBatch(TransactionsTopic)
  async transactions(@Payload() batch: RecordBatch<Transaction>): Promise<void> {
    await this.recommendation.applyTransactions(batch.records);
  }

  @OnBatch(CustomersTopic)
  async customers(@Payload() batch: RecordBatch<CustomerChange>): Promise<void> {
    await this.recommendation.applyCustomerChanges(batch.records.map((r) => r.value));
  }

  @OnRebuild()
  async clear(): Promise<void> {
    await this.recommendation.clearView();
  }
}
