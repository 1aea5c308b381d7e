import { Injectable } from '@nestjs/common';
import { DashboardPanels, type Panel, type PanelSource } from '@nurt/observability';
import { ReportingService } from './reporting.service.js';

/** Sales per store since the view was built, as a bar chart on /dashboard. */
@DashboardPanels()
@Injectable()
export class ReportingPanel implements PanelSource {
  constructor(private readonly reporting: ReportingService) {}

  async panels(): Promise<Panel[]> {
    const { groups } = await this.reporting.sales({ window: 'total', limit: 10_000 });
    const stores = [...groups].sort((a, b) => a.store.localeCompare(b.store));
    return [
      {
        id: 'reporting.sales',
        title: 'Sales per store (reporting)',
        order: 30,
        view: {
          kind: 'bars',
          labels: stores.map((g) => g.store),
          series: [
            { label: 'amount', values: stores.map((g) => g.sum) },
            { label: 'transactions', values: stores.map((g) => g.count) },
          ],
          empty: 'No sales yet: post a transaction (POST /transactions) or run npm run produce.',
        },
      },
    ];
  }
}
