import { ApiProperty } from '@nestjs/swagger';

export const FRAUD_RULES = ['amount-zscore', 'velocity', 'distant-cities', 'refund-without-purchase'] as const;
export type FraudRule = (typeof FRAUD_RULES)[number];

/**
 * An alert on the `fraud-alerts` topic (JSON value, key = customer id). Delivery is at-least-once:
 * `id` (transaction id + rule) is stable, so a consumer drops repeats by it.
 */
export class FraudAlertEvent {
  @ApiProperty({ example: 'TX5001:amount-zscore' })
  id!: string;

  @ApiProperty({ example: '42' })
  customerId!: string;

  @ApiProperty({ example: 'TX5001' })
  transactionId!: string;

  @ApiProperty({ enum: FRAUD_RULES })
  rule!: FraudRule;

  @ApiProperty({ example: 6.3, description: 'How far past the rule threshold; 1 = at the threshold, higher = worse.' })
  score!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { amount: 9800, usualAmount: 120.5, timesUsual: 81.3, zScore: 30.1, history: 25 },
    description: 'The numbers the rule looked at.',
  })
  evidence!: Record<string, unknown>;

  @ApiProperty({ example: '2026-11-24T12:00:00.000Z', description: 'When the transaction occurred.' })
  occurredAt!: string;

  @ApiProperty({ example: '2026-11-24T12:00:00.120Z' })
  detectedAt!: string;
}
