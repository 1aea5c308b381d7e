import { Injectable } from '@nestjs/common';
import type { Transaction } from '@nurt/contracts';
import type { DeliveredEvent } from '@nurt/database';
import type { SalesGroupDto, SalesReportDto, SalesStatsDto } from './reporting.dto.js';
import { ReportingRepository, type SalesFilter, type SalesRow } from './reporting.repository.js';

const cents = (n: number): number => Math.round(n * 100) / 100;

function stats(rows: readonly SalesRow[]): SalesStatsDto {
  const count = rows.reduce((n, r) => n + r.count, 0);
  // Summed in cents so that thousands of rows do not drift.
  const sum = rows.reduce((s, r) => s + Math.round(Number(r.sum) * 100), 0) / 100;
  return {
    count,
    sum,
    average: count === 0 ? 0 : cents(sum / count),
    min: Math.min(...rows.map((r) => Number(r.min))),
    max: Math.max(...rows.map((r) => Number(r.max))),
  };
}

@Injectable()
export class ReportingService {
  constructor(private readonly repository: ReportingRepository) {}

  /** Counts the transactions in their stores' statistics; one applied before changes nothing. */
  apply(transactions: readonly DeliveredEvent<Transaction>[]): Promise<number> {
    return this.repository.apply(transactions);
  }

  /** Empties the statistics and the claims, before the group replays the log into them. */
  clearView(): Promise<void> {
    return this.repository.clearView();
  }

  async sales(filter: SalesFilter): Promise<SalesReportDto> {
    const rows = await this.repository.sales(filter);
    const groups = new Map<string, SalesRow[]>();
    for (const row of rows) {
      const key = `${row.windowStart?.toISOString() ?? ''}\u0000${row.store}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    return {
      window: filter.window,
      groups: [...groups.values()].map((list): SalesGroupDto => {
        const first = list[0];
        return {
          store: first?.store ?? '',
          windowStart: first?.windowStart?.toISOString() ?? null,
          ...stats(list),
          byType: Object.fromEntries(list.map((r) => [r.type, stats([r])])),
        };
      }),
    };
  }
}
