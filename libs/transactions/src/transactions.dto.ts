import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TransactionEvent } from '@nurt/contracts';
import { IsIn, IsOptional } from 'class-validator';
import { PARTITIONINGS } from './transactions.config.js';

export const MAX_BATCH = 1000;

/** The body of POST /transactions/batch as OpenAPI shows it; TransactionBatchPipe reads it. */
export class TransactionBatchDto {
  @ApiProperty({ type: [TransactionEvent], minItems: 1, maxItems: MAX_BATCH })
  transactions!: TransactionEvent[];
}

export class ProduceQueryDto {
  @ApiPropertyOptional({
    enum: PARTITIONINGS,
    description: 'key: by store, in order per store; round-robin: spread evenly. Default: TRANSACTIONS_PARTITIONING.',
  })
  @IsOptional()
  @IsIn(PARTITIONINGS)
  partitioning?: (typeof PARTITIONINGS)[number];
}

export class AcceptedTransactionDto {
  @ApiProperty({ example: 'TX5001' })
  id!: string;

  @ApiProperty({ example: 'transactions' })
  topic!: string;

  @ApiProperty({ example: 3 })
  partition!: number;

  @ApiProperty({ example: '1250', description: 'Kafka offset (64-bit, as a decimal string).' })
  offset!: string;
}

export class WriteFailedDto {
  @ApiProperty({ example: 503 })
  statusCode!: number;

  @ApiProperty({ example: 'Service Unavailable' })
  error!: string;

  @ApiProperty({ example: 'Kafka did not acknowledge the write within 10000 ms; it may still be written' })
  message!: string;

  @ApiProperty({
    enum: ['not-written', 'unknown'],
    description: 'not-written: none of the transactions is in the log; unknown: some or all may be.',
  })
  outcome!: string;
}

export class AcceptedBatchDto {
  @ApiProperty({ type: [AcceptedTransactionDto], description: 'In request order.' })
  accepted!: AcceptedTransactionDto[];
}
