import { Payload } from '@nestjs/microservices';
import { ConsumerGroups, TransactionsTopic, type Transaction } from '@nurt/contracts';
import { OnBatch, OnRebuild, Projection, type RecordBatch } from '@nurt/kafka';
import { ReportingService } from './reporting.service.js';

/** The `reporting` consumer group: every transaction into the sales statistics, a batch at a time. */
@Projection(ConsumerGroups.Reporting)
export class ReportingProjection {
  constructor(private readonly reporting: ReportingService) {}

  @OnBatch(TransactionsTopic)
  async transactions(@Payload() batch: RecordBatch<Transaction>): Promise<void> {
    await this.reporting.apply(batch.records);
  }

  @OnRebuild()
  async clear(): Promise<void> {
    await this.reporting.clearView();
  }
}
