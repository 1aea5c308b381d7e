import { Injectable } from '@nestjs/common';
import { DashboardPanels, type Panel, type PanelSource } from '@nurt/observability';
import { FraudService } from './fraud.service.js';

const LATEST = 10;

/** The numbers a rule looked at, in one line: `amount 9800, mean 120.5, …`. */
function evidenceLine(evidence: Record<string, unknown>): string {
  return Object.entries(evidence)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? String(Math.round(v * 100) / 100) : JSON.stringify(v)}`)
    .join(', ');
}

/** The latest fraud alerts with their evidence, on /dashboard. */
@DashboardPanels()
@Injectable()
export class FraudPanel implements PanelSource {
  constructor(private readonly fraud: FraudService) {}

  async panels(): Promise<Panel[]> {
    const alerts = await this.fraud.alerts({ limit: LATEST });
    return [
      {
        id: 'fraud.alerts',
        title: `Latest fraud alerts (anti-fraud)`,
        order: 20,
        view: {
          kind: 'table',
          columns: ['occurred', 'customer', 'transaction', 'rule', 'score', 'evidence'],
          rows: alerts.map((a) => [
            a.occurredAt.replace('T', ' ').slice(0, 19),
            a.customerId,
            a.transactionId,
            a.rule,
            Math.round(a.score * 100) / 100,
            evidenceLine(a.evidence),
          ]),
          empty: 'No alerts yet.',
        },
      },
    ];
  }
}
