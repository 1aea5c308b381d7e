import { Injectable, NotFoundException } from '@nestjs/common';
import type { CustomerChange, Transaction } from '@nurt/contracts';
import type { DeliveredEvent } from '@nurt/database';
import { foldCustomerChanges } from './profile.fold.js';
import type { ProfileDto, RecommendationsDto } from './recommendation.dto.js';
import { RecommendationRepository } from './recommendation.repository.js';

const DAY_MS = 86_400_000;
const cents = (n: number): number => Math.round(n * 100) / 100;

@Injectable()
export class RecommendationService {
  constructor(private readonly repository: RecommendationRepository) {}

  /** Adds transactions to their customers' profiles; one applied before changes nothing. */
  applyTransactions(transactions: readonly DeliveredEvent<Transaction>[]): Promise<number> {
    return this.repository.applyTransactions(transactions);
  }

  /** Customer changes are the latest state per customer: idempotent by nature, no ids to claim. */
  async applyCustomerChanges(changes: readonly CustomerChange[]): Promise<void> {
    await this.repository.applyCustomers(foldCustomerChanges(changes));
  }

  /** Empties what the group built (both topics' share) and its claims, before it replays the log. */
  clearView(): Promise<void> {
    return this.repository.clearView();
  }

  async profile(customerId: string): Promise<ProfileDto> {
    const row = await this.repository.profile(customerId);
    if (!row) throw new NotFoundException(`No profile for customer ${customerId}`);
    const total = Number(row.amountTotal);
    const seen = row.transactions > 0;
    const days = Math.max(1, (row.lastSeen.getTime() - row.firstSeen.getTime()) / DAY_MS);
    return {
      customerId: row.customerId,
      transactions: row.transactions,
      totalAmount: total,
      averageAmount: seen ? cents(total / row.transactions) : 0,
      perDay: seen ? cents(row.transactions / days) : 0,
      favouriteStore: row.favouriteStore,
      favouriteType: row.favouriteType,
      firstSeen: seen ? row.firstSeen.toISOString() : null,
      lastSeen: seen ? row.lastSeen.toISOString() : null,
      segment: row.segment,
      city: row.city,
    };
  }

  async recommendations(customerId: string, limit: number): Promise<RecommendationsDto> {
    const profile = await this.repository.profile(customerId);
    if (!profile) throw new NotFoundException(`No profile for customer ${customerId}`);
    const { similar, stores } = await this.repository.recommend(customerId, limit);
    return { customerId, segment: profile.segment, similarCustomers: similar, stores };
  }
}
